package alerting

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigil-mon/vigil/internal/testpg"

	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/secrets"
)

// stores returns a fresh metadata store on every backend: SQLite always, PostgreSQL (its own
// schema) when VIGIL_TEST_PG names a server.
func stores(t *testing.T) map[string]*meta.DB {
	ctx := context.Background()
	out := map[string]*meta.DB{}
	d, err := meta.Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	out["sqlite"] = d
	if os.Getenv("VIGIL_TEST_PG") != "" {
		pg, err := meta.Open(ctx, "pgx", testpg.Schema(t, "alerting"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		out["postgres"] = pg
	}
	return out
}

// rawChannels returns the stored bodies of an organization's channels, as a copy of the
// database would show them.
func rawChannels(t *testing.T, db *meta.DB, org int64) string {
	t.Helper()
	docs, err := db.ListAlertDocs(context.Background(), meta.AlertChannels, org)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range docs {
		b.Write(d.Body)
	}
	return b.String()
}

// TestChannelSecretsSealedAtRest: channel secrets never reach the database in clear, the
// hub still sends with them (a signed webhook verified by the receiver, an ntfy push through
// shoutrrr carrying its token), rows written in clear before sealing are sealed at start,
// and a hub with the wrong key or none refuses to start, naming the channel.
func TestChannelSecretsSealedAtRest(t *testing.T) {
	for name, db := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := fixtureOn(t, db, 0)
			hook := newReceiver(t)
			var pushes atomic.Int32
			ntfy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				if _, pw, ok := r.BasicAuth(); ok && pw == "tk_chat-token-123" {
					pushes.Add(1)
				} else {
					t.Errorf("ntfy request without the token: Authorization %q", r.Header.Get("Authorization"))
				}
				_, _ = io.WriteString(w, `{"id":"1","time":1,"event":"message","topic":"ops"}`)
			}))
			t.Cleanup(ntfy.Close)
			ntfyURL := "ntfy://vigil:tk_chat-token-123@" + strings.TrimPrefix(ntfy.URL, "http://") + "/ops?disabletls=yes"
			f.webhook(hook.URL)
			if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "push", Name: "Push", Type: ChannelShoutrrr, URL: ntfyURL}, true); err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "mail", Name: "Mail", Type: ChannelEmail, SMTP: "mail.example.com:587",
				From: "v@example.com", To: []string{"ops@example.com"}, Username: "vigil", Password: "smtp-pa55word"}, true); err != nil {
				t.Fatal(err)
			}
			// A channel stored in clear by a hub from before sealing.
			legacy, _ := json.Marshal(Channel{ID: "old-hook", Name: "Old hook", Type: ChannelWebhook, URL: hook.URL, Secret: hookSecret})
			if err := db.CreateAlertDoc(ctx, meta.AlertChannels, f.org, "old-hook", legacy); err != nil {
				t.Fatal(err)
			}
			f.s = f.service(0) // restart: seals the legacy row
			raw := rawChannels(t, db, f.org)
			for _, secret := range []string{hookSecret, "tk_chat-token-123", "smtp-pa55word"} {
				if strings.Contains(raw, secret) {
					t.Errorf("stored channels contain %q in clear:\n%s", secret, raw)
				}
			}
			if got := strings.Count(raw, `"`+secrets.Prefix); got != 6 {
				t.Errorf("got %d sealed values in the stored channels, want 6 (two webhook URLs and HMAC keys, a token URL, a password):\n%s", got, raw)
			}
			for _, id := range []string{"hook", "old-hook", "push"} {
				if err := f.s.TestChannel(ctx, f.org, id); err != nil {
					t.Errorf("test-send through %s: %v", id, err)
				}
			}
			hook.mu.Lock()
			got, bad := len(hook.bodies), hook.bad
			hook.mu.Unlock()
			if got != 2 || bad != 0 {
				t.Errorf("got %d verified webhook requests and %d with a bad signature, want 2 and 0", got, bad)
			}
			if pushes.Load() != 1 {
				t.Errorf("got %d ntfy pushes with the token, want 1", pushes.Load())
			}

			other, _ := secrets.Parse(secrets.Generate())
			for _, tc := range []struct {
				name string
				key  Sealer
				want string
			}{
				{"wrong key", other, "start the hub with the key that encrypted it"},
				{"no key", nil, "encrypted and this hub has no secret key"},
			} {
				s := New(Config{DB: db, KnownMetric: knownMetric, Secrets: tc.key})
				err := s.Start(ctx)
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `channel "`) {
					t.Errorf("%s: got start error %v, want one naming the channel and saying %q", tc.name, err, tc.want)
				}
			}
			if sealed, err := HasSealedSecrets(ctx, db); !sealed || err != nil {
				t.Errorf("HasSealedSecrets: got %v %v, want true", sealed, err)
			}
		})
	}
}

// TestSealedValueBoundToRow: a sealed secret copied into another channel's row does not open
// there (the seal names org, channel and field).
func TestSealedValueBoundToRow(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	f.webhook("https://hooks.example.com/a")
	docs, err := f.db.ListAlertDocs(ctx, meta.AlertChannels, f.org)
	if err != nil || len(docs) != 1 {
		t.Fatalf("got %d docs %v, want 1", len(docs), err)
	}
	var c Channel
	if err := json.Unmarshal(docs[0].Body, &c); err != nil {
		t.Fatal(err)
	}
	c.ID, c.Name = "copy", "Copy"
	b, _ := json.Marshal(c)
	if err := f.db.CreateAlertDoc(ctx, meta.AlertChannels, f.org, "copy", b); err != nil {
		t.Fatal(err)
	}
	err = New(Config{DB: f.db, KnownMetric: knownMetric, Secrets: f.key}).Start(ctx)
	if err == nil || !strings.Contains(err.Error(), `channel "copy"`) {
		t.Errorf("got %v, want an error naming channel \"copy\"", err)
	}
}
