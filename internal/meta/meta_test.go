package meta

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/testpg"
)

// openAll returns a fresh store on every backend: SQLite always, PostgreSQL when VIGIL_TEST_PG
// names a server (each test in its own schema).
func openAll(t *testing.T) map[string]*DB {
	ctx := context.Background()
	out := map[string]*DB{}
	d, err := Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	out["sqlite"] = d
	if os.Getenv("VIGIL_TEST_PG") != "" {
		pg, err := Open(ctx, "pgx", testpg.Schema(t, "m"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		out["postgres"] = pg
	}
	return out
}

func TestConformance(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }

			tok, needed, err := d.SetupToken(ctx)
			if err != nil || !needed || tok == "" {
				t.Fatalf("got setup token %q needed=%v err=%v, want a token", tok, needed, err)
			}
			tok2, _, _ := d.SetupToken(ctx) // a restart issues a new token; the old one dies
			if _, _, err := d.CompleteSetup(ctx, tok, "a@b.c", "h", "Org"); !errors.Is(err, ErrNotFound) {
				t.Errorf("old setup token: got %v, want ErrNotFound", err)
			}
			u, o, err := d.CompleteSetup(ctx, tok2, "a@b.c", "hash", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			if _, needed, _ := d.SetupToken(ctx); needed {
				t.Error("setup still needed after the first owner exists")
			}
			if _, _, err := d.CreateOwner(ctx, "a@b.c", "x", "Other"); !errors.Is(err, ErrConflict) {
				t.Errorf("duplicate email: got %v, want ErrConflict", err)
			}
			got, hash, err := d.UserByEmail(ctx, "a@b.c")
			if err != nil || got != u || hash != "hash" {
				t.Errorf("got %+v %q %v, want %+v", got, hash, err, u)
			}
			if org, role, err := d.PrimaryMembership(ctx, u.ID); err != nil || org != o || role != RoleOwner {
				t.Errorf("got %+v %q %v, want %+v owner", org, role, err, o)
			}

			secret, _, err := d.CreateSession(ctx, u.ID, o.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if s, err := d.SessionBySecret(ctx, secret); err != nil || s.UserID != u.ID {
				t.Errorf("got session %+v %v, want user %d", s, err, u.ID)
			}
			now = now.Add(2 * time.Hour)
			if _, err := d.SessionBySecret(ctx, secret); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired session: got %v, want ErrNotFound", err)
			}

			exp := now.Add(time.Hour)
			at, atSecret, err := d.CreateAPIToken(ctx, o.ID, u.ID, "ci", ScopeRead, &exp)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := d.APITokenBySecret(ctx, atSecret); err != nil || got.ID != at.ID || got.Scope != ScopeRead {
				t.Errorf("got token %+v %v, want %d read", got, err, at.ID)
			}
			now = now.Add(time.Hour)
			if _, err := d.APITokenBySecret(ctx, atSecret); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired token: got %v, want ErrNotFound", err)
			}
			if err := d.RevokeAPIToken(ctx, o.ID+1, at.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("revoke another org's token: got %v, want ErrNotFound", err)
			}

			h, agentTok, err := d.CreateHost(ctx, o.ID, "web-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.CreateHost(ctx, o.ID, "web-1"); !errors.Is(err, ErrConflict) {
				t.Errorf("duplicate host: got %v, want ErrConflict", err)
			}
			if got, err := d.HostByAgentToken(ctx, agentTok); err != nil || got.ID != h.ID {
				t.Errorf("got %+v %v, want host %d", got, err, h.ID)
			}
			_, rotated, err := d.EnsureHostToken(ctx, o.ID, "web-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.HostByAgentToken(ctx, agentTok); !errors.Is(err, ErrNotFound) {
				t.Errorf("old agent token after rotation: got %v, want ErrNotFound", err)
			}
			if _, err := d.HostByAgentToken(ctx, rotated); err != nil {
				t.Errorf("rotated token: %v", err)
			}
			// Batched updates: facts alone, last-seen alone, and a deleted host (ignored).
			if err := d.ApplyAgentReports(ctx, []AgentReport{
				{HostID: h.ID, Facts: []byte(`{"cores":2}`), AgentVersion: "1.0"},
				{HostID: h.ID + 1000, LastSeen: now},
				{HostID: h.ID, LastSeen: now},
			}); err != nil {
				t.Fatal(err)
			}
			hosts, err := d.ListHosts(ctx, o.ID)
			if err != nil || len(hosts) != 1 || string(hosts[0].Facts) != `{"cores":2}` || hosts[0].AgentVersion != "1.0" ||
				hosts[0].LastSeen == nil || !hosts[0].LastSeen.Equal(now.Truncate(time.Millisecond)) {
				t.Errorf("got %+v %v, want one host with facts, version 1.0 and last seen %v", hosts, err, now)
			}
			if err := d.ApplyAgentReports(ctx, []AgentReport{{HostID: h.ID, LastSeen: now.Add(time.Second)}}); err != nil {
				t.Fatal(err)
			}
			if got, _ := d.HostByID(ctx, h.ID); string(got.Facts) != `{"cores":2}` || got.LastSeen == nil || !got.LastSeen.Equal(now.Add(time.Second).Truncate(time.Millisecond)) {
				t.Errorf("after a last-seen-only update got %+v, want facts kept and last seen moved", got)
			}
			if _, err := d.GetHost(ctx, o.ID+1, h.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("another org's host: got %v, want ErrNotFound", err)
			}
			if err := d.Audit(ctx, AuditEntry{OrgID: o.ID, UserID: u.ID, Actor: "a@b.c", Action: "host.delete", Target: "web-1", Remote: "127.0.0.1"}); err != nil {
				t.Fatal(err)
			}
			if err := d.Audit(ctx, AuditEntry{Actor: "x@y.z", Action: "login.failed", Remote: "10.0.0.9"}); err != nil {
				t.Fatal(err)
			}
			if log, err := d.ListAudit(ctx, o.ID, 10, 0); err != nil || len(log) != 1 || log[0].Action != "host.delete" {
				t.Errorf("got audit log %+v %v, want the org's one entry", log, err)
			}
			s2, _, _ := d.CreateSession(ctx, u.ID, o.ID, time.Hour)
			if err := d.SetPassword(ctx, u.ID, "newhash"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.SessionBySecret(ctx, s2); !errors.Is(err, ErrNotFound) {
				t.Errorf("session after password change: got %v, want ErrNotFound", err)
			}
			if _, h, _ := d.UserByEmail(ctx, "a@b.c"); h != "newhash" {
				t.Errorf("got hash %q, want newhash", h)
			}
			_, key, err := d.CreateEnrollmentKey(ctx, o.ID, "fleet", 2, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if _, tok, _, err := d.Enroll(ctx, key, "auto-1"); err != nil || tok == "" {
				t.Errorf("enroll: got %v, want a token", err)
			}
			if _, _, _, err := d.Enroll(ctx, key, "auto-1"); !errors.Is(err, ErrConflict) {
				t.Errorf("enroll a taken name: got %v, want ErrConflict", err)
			}
			d.Enroll(ctx, key, "auto-2")
			if _, _, _, err := d.Enroll(ctx, key, "auto-3"); !errors.Is(err, ErrKeyExhausted) {
				t.Errorf("enroll past the limit: got %v, want ErrKeyExhausted", err)
			}
			if _, _, _, err := d.Enroll(ctx, "vge_nope", "x"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown key: got %v, want ErrNotFound", err)
			}
			_, key2, _ := d.CreateEnrollmentKey(ctx, o.ID, "short", 5, now.Add(time.Minute))
			now = now.Add(2 * time.Minute)
			if _, _, _, err := d.Enroll(ctx, key2, "late"); !errors.Is(err, ErrKeyExhausted) {
				t.Errorf("expired key: got %v, want ErrKeyExhausted", err)
			}
			if keys, _ := d.ListEnrollmentKeys(ctx, o.ID); len(keys) != 2 || keys[0].Uses != 2 {
				t.Errorf("got keys %+v, want two with the first used twice", keys)
			}
			if err := d.DeleteHost(ctx, o.ID, h.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.HostByAgentToken(ctx, rotated); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleted host's token: got %v, want ErrNotFound", err)
			}
		})
	}
}
