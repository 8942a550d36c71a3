package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/meta"
)

// TestAuthenticate runs the credential and CSRF rules against a real SQLite store.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	db, err := meta.Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	u, o, err := db.CreateOwner(ctx, "a@b.c", "hash", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	session, s, err := db.CreateSession(ctx, u.ID, o.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, readTok, _ := db.CreateAPIToken(ctx, o.ID, u.ID, "ro", meta.ScopeRead, nil)
	_, writeTok, _ := db.CreateAPIToken(ctx, o.ID, u.ID, "rw", meta.ScopeWrite, nil)
	a := &Authenticator{DB: db}

	tests := []struct {
		name, method, cookie, csrf, authz string
		want                              error
	}{
		{"nothing", "GET", "", "", "", ErrNoCredentials},
		{"cookie read needs no CSRF header", "GET", session, "", "", nil},
		{"cookie write without CSRF header", "POST", session, "", "", ErrCSRF},
		{"cookie write with wrong CSRF header", "DELETE", session, "forged", "", ErrCSRF},
		{"cookie write with CSRF header", "PATCH", session, s.CSRF, "", nil},
		{"unknown session", "GET", "vgs_nope", "", "", ErrBadCredentials},
		{"read token reads", "GET", "", "", "Bearer " + readTok, nil},
		{"read token writes", "POST", "", "", "Bearer " + readTok, ErrReadOnly},
		{"write token writes without CSRF header", "PUT", "", "", "Bearer " + writeTok, nil},
		{"unknown token", "GET", "", "", "Bearer vgt_nope", ErrBadCredentials},
		{"session secret as bearer", "GET", "", "", "Bearer " + session, ErrBadCredentials},
		{"not a bearer", "GET", "", "", "Basic eDp5", ErrBadCredentials},
		{"bearer wins over cookie", "GET", session, "", "Bearer vgt_nope", ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/v1/hosts", nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tt.cookie})
			}
			if tt.csrf != "" {
				r.Header.Set(CSRFHeader, tt.csrf)
			}
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			p, err := a.Authenticate(r)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if err == nil && (p.UserID != u.ID || p.OrgID != o.ID || p.Role != meta.RoleOwner) {
				t.Errorf("got principal %+v, want user %d owner of org %d", p, u.ID, o.ID)
			}
		})
	}
}

func TestPrincipalContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Error("empty context: got a principal, want none")
	}
	want := Principal{UserID: 7, Role: meta.RoleEditor}
	got, ok := FromContext(WithPrincipal(context.Background(), want))
	if !ok || got != want {
		t.Errorf("got %+v %v, want %+v", got, ok, want)
	}
	tests := []struct {
		role, min string
		want      bool
	}{
		{meta.RoleViewer, meta.RoleViewer, true},
		{meta.RoleViewer, meta.RoleEditor, false},
		{meta.RoleAdmin, meta.RoleEditor, true},
		{meta.RoleAdmin, meta.RoleOwner, false},
		{"", meta.RoleViewer, false},
	}
	for _, tt := range tests {
		if got := (Principal{Role: tt.role}).Allows(tt.min); got != tt.want {
			t.Errorf("%q allows %q: got %v, want %v", tt.role, tt.min, got, tt.want)
		}
	}
}

func TestVerifyPasswordRejectsBrokenHashes(t *testing.T) {
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"other algorithm", "$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$Uv8xcY3eR7wYpQ1QmXEmRbTPKkfQfsLvDKqzA3oxjRA"},
		{"empty key", "$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$"},
		{"zero passes", "$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$Uv8xcY3eR7wYpQ1QmXEmRbTPKkfQfsLvDKqzA3oxjRA"},
		{"huge memory", "$argon2id$v=19$m=99999999,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$Uv8xcY3eR7wYpQ1QmXEmRbTPKkfQfsLvDKqzA3oxjRA"},
		{"bad base64", "$argon2id$v=19$m=65536,t=3,p=1$!!!$Uv8xcY3eR7wYpQ1QmXEmRbTPKkfQfsLvDKqzA3oxjRA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ok, err := VerifyPassword(tt.hash, ""); ok || err == nil {
				t.Errorf("got ok=%v err=%v, want refused with an error", ok, err)
			}
		})
	}
	// The stand-in for unknown accounts must be a well-formed hash, or it would not cost the
	// same as a real verification.
	if ok, err := VerifyPassword(dummyHash, "anything at all"); ok || err != nil {
		t.Errorf("dummy hash: got ok=%v err=%v, want a clean mismatch", ok, err)
	}
}

func TestLoginLimiterMemory(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLoginLimiter(func() time.Time { return now })
	for i := range 1000 {
		l.Allow("user:" + strings.Repeat("x", i))
	}
	if n := len(l.buckets); n != 0 {
		t.Errorf("got %d buckets after attempts without failures, want 0", n)
	}
	long := strings.Repeat("y", 1<<20)
	for range l.Burst {
		l.Fail(long)
	}
	if ok, _ := l.Allow(long); ok {
		t.Error("a long key was allowed after a burst of failures, want refused")
	}
	for k := range l.buckets {
		if len(k) > 128 {
			t.Errorf("got a stored key of %d bytes, want at most 128", len(k))
		}
	}
	for i := range maxIdleBuckets - 1 { // with the long key: just at the sweep threshold
		l.Fail("ip:" + time.Duration(i).String())
	}
	now = now.Add(time.Duration(l.Burst) * l.Refill) // every bucket has refilled
	l.Fail("ip:new")
	if n := len(l.buckets); n > 2 {
		t.Errorf("got %d buckets after a sweep of refilled ones, want at most 2", n)
	}
}
