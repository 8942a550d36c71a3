package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWSURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://hub:8080", "ws://hub:8080/api/agent"},
		{"https://hub.example.com/", "wss://hub.example.com/api/agent"},
		{"wss://hub/api/agent", "wss://hub/api/agent"},
		{"ws://hub/prefix", "ws://hub/prefix/api/agent"},
		{"hub.example.com", "wss://hub.example.com/api/agent"},
	}
	for _, tt := range tests {
		if got := wsURL(tt.in); got != tt.want {
			t.Errorf("wsURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTLS dials a TLS hub: the certificate must verify (through --ca-file here), and a pinned
// fingerprint must match the leaf certificate.
func TestTLS(t *testing.T) {
	h := newTestHub(t)
	srv := httptest.NewUnstartedServer(h)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	leaf := srv.Certificate()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(leaf.Raw)
	right := hex.EncodeToString(sum[:])
	wrong := strings.Repeat("ab", 32)

	tests := []struct {
		name        string
		caFile, pin string
		wantErr     string // "" = connects
	}{
		{"untrusted certificate", "", "", "certificate"},
		{"trusted through the CA file", ca, "", ""},
		{"pinned fingerprint matches", ca, right, ""},
		{"pinned fingerprint with colons", ca, colons(right), ""},
		{"pinned fingerprint differs", ca, wrong, "fingerprint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(Config{Hubs: []string{srv.URL}, Token: "vgh_good", Source: &counter{}, CAFile: tt.caFile, Fingerprint: tt.pin}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			ws, err := a.dial(context.Background(), a.cfg.Hubs[0])
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("dial: got %v, want a connection", err)
				}
				ws.CloseNow()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("dial: got %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
}

func colons(hexs string) string {
	var parts []string
	for i := 0; i < len(hexs); i += 2 {
		parts = append(parts, hexs[i:i+2])
	}
	return strings.ToUpper(strings.Join(parts, ":"))
}

func TestRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no hub", Config{Token: "x"}},
		{"no token", Config{Hubs: []string{"http://h"}}},
		{"interval too short", Config{Hubs: []string{"http://h"}, Token: "x", Interval: 100 * time.Millisecond}},
		{"interval too long", Config{Hubs: []string{"http://h"}, Token: "x", Interval: 11 * time.Minute}},
		{"bad fingerprint", Config{Hubs: []string{"http://h"}, Token: "x", Fingerprint: "abc"}},
		{"missing CA file", Config{Hubs: []string{"http://h"}, Token: "x", CAFile: "/nonexistent/ca.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Source = &counter{}
			if _, err := New(tt.cfg, nil); err == nil {
				t.Error("got nil error, want one")
			}
		})
	}
}
