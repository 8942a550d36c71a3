package api

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// TestTrustedProxy: behind a trusted proxy the client address in X-Forwarded-For keys the login
// rate limit and the audit log; from anyone else the header is ignored.
func TestTrustedProxy(t *testing.T) {
	post := func(e *env, xff, body string) (*http.Response, error) {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/auth/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		return http.DefaultClient.Do(req)
	}
	cases := []struct {
		name       string
		trusted    []netip.Prefix
		wantRemote string
		wantOther  int // status for a different forwarded client after the first is locked out
	}{
		{"trusted loopback proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.9", 401},
		{"no trusted proxy", nil, "127.0.0.1", 429},
		{"other proxy trusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1", 429},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.TrustedProxies = tc.trusted })
			e.owner(t)
			// Failures against different accounts, so only the per-address limit can trip.
			for i := range 10 {
				resp, err := post(e, "6.6.6.6, 203.0.113.9", `{"email":"owner`+itoa(int64(i))+`@example.com","password":"wrong"}`)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			resp, _ := post(e, "203.0.113.9", `{"email":"someone@example.com","password":"wrong"}`)
			resp.Body.Close()
			if resp.StatusCode != 429 {
				t.Errorf("11th failure from the same client: got %d, want 429", resp.StatusCode)
			}
			resp, _ = post(e, "198.51.100.1", `{"email":"someone-else@example.com","password":"wrong"}`)
			resp.Body.Close()
			if resp.StatusCode != tc.wantOther {
				t.Errorf("another forwarded client: got %d, want %d", resp.StatusCode, tc.wantOther)
			}
			if tc.wantOther == 429 {
				return // locked out as one address: nothing reaches the audit log below
			}
			resp, _ = post(e, "203.0.113.77", `{"email":"owner@example.com","password":"wrong"}`)
			resp.Body.Close()
			org, _ := e.db.FirstOrgID(t.Context())
			entries, _ := e.db.ListAudit(t.Context(), org, 1, 0)
			if len(entries) != 1 || entries[0].Action != "login.failed" || entries[0].Remote != "203.0.113.77" {
				t.Errorf("got audit %+v, want login.failed from 203.0.113.77", entries)
			}
		})
	}
	// Without trust the audit log shows the peer, not the header.
	e := newEnv(t)
	e.owner(t)
	resp, _ := post(e, "203.0.113.77", `{"email":"owner@example.com","password":"wrong"}`)
	resp.Body.Close()
	org, _ := e.db.FirstOrgID(t.Context())
	if entries, _ := e.db.ListAudit(t.Context(), org, 1, 0); len(entries) != 1 || entries[0].Remote != "127.0.0.1" {
		t.Errorf("got audit %+v, want the peer 127.0.0.1", entries)
	}
}

// TestSecureCookies: with SecureCookies (hub: TLS on or an https --public-url) every cookie the
// hub sets is Secure and the session cookie HttpOnly.
func TestSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnv(t, func(c *Config) { c.SecureCookies = secure })
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/setup", strings.NewReader(`{"token":"`+e.setupTk+`","email":"a@example.com","password":"`+pw+`"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if resp.StatusCode != 201 || len(cookies) != 2 {
			t.Fatalf("setup: got %d with %d cookies", resp.StatusCode, len(cookies))
		}
		for _, c := range cookies {
			if c.Secure != secure {
				t.Errorf("SecureCookies=%v: cookie %s Secure=%v", secure, c.Name, c.Secure)
			}
			if c.Name == "vigil_session" && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
				t.Errorf("session cookie: HttpOnly=%v SameSite=%v, want HttpOnly and Lax", c.HttpOnly, c.SameSite)
			}
		}
	}
}
