package hub

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/secrets"
)

// TestSecretKey: the first start creates DATA/secret.key (0600) and later starts read it; an
// operator's key wins; and a data directory whose database holds sealed channel secrets but
// whose key file is gone makes Run fail at start with an error naming the file, instead of
// making a new key that would not open them.
func TestSecretKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := meta.Open(ctx, "sqlite", DSN(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.DiscardHandler)
	cfg := Config{DataDir: dir}
	k, err := secretKey(ctx, cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, secrets.KeyFileName)
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", st, err)
	}
	sealed, _ := k.Seal("hunter2", "c")
	k2, err := secretKey(ctx, cfg, db, log)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(sealed, "c"); err != nil || got != "hunter2" {
		t.Errorf("second start: got %q %v, want the same key", got, err)
	}

	// A channel with a sealed secret, then the key file lost.
	_, o, err := db.CreateOwner(ctx, "a@b.c", "h", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	svc := alerting.New(alerting.Config{DB: db, Secrets: k})
	if err := svc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutChannel(ctx, o.ID, alerting.Channel{ID: "hook", Name: "Hook", Type: alerting.ChannelWebhook,
		URL: "https://hooks.example.com/x", Secret: "hunter2"}, true); err != nil {
		t.Fatal(err)
	}
	keyText, _ := os.ReadFile(path)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, keyText, 0o600)

	cases := []struct {
		name    string
		key     string
		file    string
		wantErr string
	}{
		{name: "key file missing", wantErr: path + " does not exist"},
		{name: "both given", key: string(keyText), file: keyFile, wantErr: "not both"},
		{name: "bad env key", key: "short", wantErr: "VIGIL_SECRET_KEY"},
		{name: "missing operator file", file: keyFile + ".gone", wantErr: "--secret-key-file"},
		{name: "operator file", file: keyFile},
		{name: "env key", key: string(keyText)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{DataDir: dir, SecretKey: tc.key, SecretKeyFile: tc.file}
			k, err := secretKey(ctx, c, db, log)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := k.Open(sealed, "c"); err != nil || got != "hunter2" {
				t.Errorf("got %q %v, want the original key", got, err)
			}
		})
	}
	if ok, _ := secrets.Exists(path); ok {
		t.Error("a new key file was created while sealed secrets exist")
	}
	db.Close()

	// The whole hub refuses to start, saying what to restore.
	err = Run(ctx, Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: log})
	if err == nil || !strings.Contains(err.Error(), "key that encrypted them is missing") {
		t.Errorf("Run: got %v, want the missing-key error", err)
	}
	// With the wrong key the hub refuses too, naming the channel.
	err = Run(ctx, Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: log, SecretKey: secrets.Generate()})
	if err == nil || !strings.Contains(err.Error(), `channel "hook"`) {
		t.Errorf("Run with another key: got %v, want an error naming channel \"hook\"", err)
	}
}
