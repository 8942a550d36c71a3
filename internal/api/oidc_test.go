package api

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/testoidc"
)

// withOIDC points the API at a real OpenID provider running in the test and serves it on its
// own address, so the provider's redirect reaches it.
func withOIDC(p *testoidc.Provider, adjust func(*OIDCConfig)) func(*Config) {
	return func(c *Config) {
		c.PublicURL = ""
		o := &OIDCConfig{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, Name: "Test IdP"}
		if adjust != nil {
			adjust(o)
		}
		c.OIDC = o
	}
}

// ssoLogin runs the browser side of the flow from /api/v1/auth/oidc/start with a fresh cookie
// jar, following every redirect, and returns the client (signed in or not) and where it landed.
func ssoLogin(t *testing.T, e *env, query string) (*client, *url.URL) {
	t.Helper()
	c := e.browser(t)
	resp, err := c.hc.Get(e.srv.URL + "/api/v1/auth/oidc/start" + query)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.Request.URL
}

func TestOIDCLogin(t *testing.T) {
	p := testoidc.Start(t)
	hash, _ := auth.HashPassword(pw)
	cases := []struct {
		name      string
		cfg       func(*OIDCConfig)
		identity  testoidc.Identity
		nonce     string
		query     string
		wantPath  string
		wantError string
		wantEmail string
		wantRole  string
	}{
		{name: "existing account", identity: testoidc.Identity{Subject: "1", Email: "Owner@Example.com", Verified: true},
			query: "?next=/hosts/7", wantPath: "/hosts/7", wantEmail: "owner@example.com", wantRole: "owner"},
		{name: "next off the site is ignored", identity: testoidc.Identity{Subject: "1", Email: "owner@example.com", Verified: true},
			query: "?next=//evil.example/", wantPath: "/", wantEmail: "owner@example.com", wantRole: "owner"},
		{name: "unverified email", identity: testoidc.Identity{Subject: "1", Email: "owner@example.com", Verified: false},
			wantPath: "/login", wantError: "unverified"},
		{name: "unknown user refused by default", identity: testoidc.Identity{Subject: "2", Email: "stranger@example.com", Verified: true},
			wantPath: "/login", wantError: "no_account"},
		{name: "domain not allowed", cfg: func(o *OIDCConfig) { o.AllowedDomains = []string{"example.com"} },
			identity: testoidc.Identity{Subject: "3", Email: "boss@other.org", Verified: true}, wantPath: "/login", wantError: "domain"},
		{name: "allowed domain", cfg: func(o *OIDCConfig) { o.AllowedDomains = []string{"@EXAMPLE.com"} },
			identity: testoidc.Identity{Subject: "1", Email: "owner@example.com", Verified: true}, wantPath: "/", wantEmail: "owner@example.com", wantRole: "owner"},
		{name: "wrong nonce", identity: testoidc.Identity{Subject: "1", Email: "owner@example.com", Verified: true}, nonce: "someone-elses-nonce",
			wantPath: "/login", wantError: "nonce"},
		{name: "unknown user joins with the default role", cfg: func(o *OIDCConfig) { o.DefaultRole = meta.RoleViewer },
			identity: testoidc.Identity{Subject: "4", Email: "newbie@example.com", Verified: true}, wantPath: "/", wantEmail: "newbie@example.com", wantRole: "viewer"},
		{name: "unknown user gets an organization", cfg: func(o *OIDCConfig) { o.AutoCreateOrg = true },
			identity: testoidc.Identity{Subject: "5", Email: "founder@startup.io", Verified: true}, wantPath: "/", wantEmail: "founder@startup.io", wantRole: "owner"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withOIDC(p, tc.cfg))
			p.AllowRedirect(e.srv.URL + "/api/v1/auth/oidc/callback")
			e.owner(t)
			if _, _, err := e.db.CreateOwner(t.Context(), "boss@other.org", hash, "Other"); err != nil {
				t.Fatal(err)
			}
			p.SetIdentity(tc.identity)
			p.ForceNonce(tc.nonce)
			defer p.ForceNonce("")
			c, landed := ssoLogin(t, e, tc.query)
			if landed.Path != tc.wantPath || landed.Query().Get("sso_error") != tc.wantError {
				t.Fatalf("landed on %s, want %s with sso_error=%q", landed, tc.wantPath, tc.wantError)
			}
			code, me := c.do(t, "GET", "/api/v1/me", "")
			if tc.wantEmail == "" {
				if code != 401 {
					t.Errorf("after a refused sign-in: /me got %d, want 401", code)
				}
				return
			}
			if code != 200 || me["user"].(map[string]any)["email"] != tc.wantEmail || me["role"] != tc.wantRole {
				t.Fatalf("/me: got %d %v, want %s as %s", code, me, tc.wantEmail, tc.wantRole)
			}
			// The session is an ordinary one: CSRF-protected writes work and logout ends it.
			if code, _ := c.do(t, "POST", "/api/v1/auth/logout", ""); code != 204 {
				t.Errorf("logout: got %d", code)
			}
		})
	}
}

// TestOIDCStateAndCookie: the provider's answer must come back to the browser that started the
// flow (flow cookie) with the state it was sent with.
func TestOIDCStateAndCookie(t *testing.T) {
	p := testoidc.Start(t)
	e := newEnv(t, withOIDC(p, nil))
	p.AllowRedirect(e.srv.URL + "/api/v1/auth/oidc/callback")
	e.owner(t)
	p.SetIdentity(testoidc.Identity{Subject: "1", Email: "owner@example.com", Verified: true})

	// Stop at the redirect back to the hub to tamper with it.
	jar, _ := cookiejar.New(nil)
	var authorize *url.URL
	hc := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasSuffix(r.URL.Path, "/authorize") {
			authorize = r.URL
		}
		if r.URL.Path == "/api/v1/auth/oidc/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	start := func() *url.URL {
		resp, err := hc.Get(e.srv.URL + "/api/v1/auth/oidc/start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cb, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || cb.Query().Get("code") == "" {
			t.Fatalf("got redirect %q, want the callback with a code", resp.Header.Get("Location"))
		}
		return cb
	}
	finish := func(c *http.Client, cb *url.URL) *url.URL {
		resp, err := c.Get(cb.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Request.URL
	}
	cb := start()
	if q := authorize.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Errorf("authorization request %s lacks PKCE S256, nonce or state", authorize)
	}
	wrong := *cb
	q := wrong.Query()
	q.Set("state", "forged")
	wrong.RawQuery = q.Encode()
	follow := &http.Client{Jar: jar}
	if got := finish(follow, &wrong); got.Query().Get("sso_error") != "state" {
		t.Errorf("wrong state: landed on %s, want sso_error=state", got)
	}

	cb = start()
	other := &http.Client{} // another browser: no flow cookie
	if got := finish(other, cb); got.Query().Get("sso_error") != "expired" {
		t.Errorf("no flow cookie: landed on %s, want sso_error=expired", got)
	}
	// The right browser with the right state signs in; the code then is spent.
	if got := finish(follow, cb); got.Path != "/" || got.Query().Get("sso_error") != "" {
		t.Errorf("right browser: landed on %s, want /", got)
	}
	if got := finish(follow, cb); got.Query().Get("sso_error") == "" {
		t.Errorf("replayed callback: landed on %s, want a refusal", got)
	}
}

func TestOIDCNotConfigured(t *testing.T) {
	e := newEnv(t)
	c := e.browser(t)
	for _, path := range []string{"/api/v1/auth/oidc/start", "/api/v1/auth/oidc/callback?code=x&state=y"} {
		if code, body := c.do(t, "GET", path, ""); code != 404 || !strings.Contains(body["error"].(string), "--oidc-issuer") {
			t.Errorf("%s: got %d %v, want 404 naming --oidc-issuer", path, code, body)
		}
	}
}

func FuzzOIDCFlowCookie(f *testing.F) {
	o := newOIDCLogin(OIDCConfig{})
	good := o.seal(oidcFlow{State: "s", Nonce: "n", Verifier: "v", Next: "/", Expires: 1 << 40})
	for _, s := range []string{good, "", ".", "a.b", good + "x", strings.Replace(good, ".", "..", 1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fl, err := o.open(v, testNow)
		if err == nil && o.seal(fl) != v && v != good {
			// Only cookies this process signed may open; re-sealing must give the same bytes.
			t.Fatalf("opened a cookie it did not sign: %q", v)
		}
	})
}

var testNow = time.Unix(1_700_000_000, 0)

// TestInvitationForSignedInAccount: an account without a password (made by single sign-on)
// accepts an invitation to another organization from a browser signed in as that account;
// anyone else still needs the account's password.
func TestInvitationForSignedInAccount(t *testing.T) {
	e := newEnv(t)
	e.owner(t)
	ctx := t.Context()
	sso, err := e.db.CreateUser(ctx, "sso@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := e.db.FirstOrgID(ctx)
	if err := e.db.AddMember(ctx, first, sso.ID, meta.RoleViewer); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(pw)
	boss, other, _ := e.db.CreateOwner(ctx, "boss@other.org", hash, "Other")
	_, inv, _ := e.db.CreateInvitation(ctx, other.ID, boss.ID, "sso@example.com", meta.RoleEditor, time.Hour)

	signedIn := func(userID, orgID int64) *client {
		c := e.browser(t)
		secret, s, err := e.db.CreateSession(ctx, userID, orgID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(e.srv.URL)
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: auth.SessionCookie, Value: secret}, {Name: auth.CSRFCookie, Value: s.CSRF}})
		return c
	}
	accept := `{"token":"` + inv + `","password":""}`
	anon := e.browser(t)
	if code, body := anon.do(t, "GET", "/api/v1/invitation?token="+inv, ""); code != 200 || body["signed_in"] != false || body["account_exists"] != true {
		t.Errorf("anonymous view: got %d %v", code, body)
	}
	if code, _ := anon.do(t, "POST", "/api/v1/invitation/accept", accept); code != 401 {
		t.Errorf("anonymous accept without password: got %d, want 401", code)
	}
	ownerUser, _, _ := e.db.UserByEmail(ctx, "owner@example.com")
	stranger := signedIn(ownerUser.ID, first)
	if code, _ := stranger.do(t, "POST", "/api/v1/invitation/accept", accept); code != 401 {
		t.Errorf("someone else's session: got %d, want 401", code)
	}
	mine := signedIn(sso.ID, first)
	noCSRF := *mine
	noCSRF.csrf = false
	if code, _ := noCSRF.do(t, "POST", "/api/v1/invitation/accept", accept); code != 401 {
		t.Errorf("the invitee's session without the CSRF header: got %d, want 401", code)
	}
	if code, body := mine.do(t, "GET", "/api/v1/invitation?token="+inv, ""); code != 200 || body["signed_in"] != true {
		t.Errorf("invitee's view: got %d %v, want signed_in", code, body)
	}
	// An account with a password must still give it, signed in or not.
	_, inv2, _ := e.db.CreateInvitation(ctx, other.ID, boss.ID, "owner@example.com", meta.RoleViewer, time.Hour)
	if code, body := stranger.do(t, "GET", "/api/v1/invitation?token="+inv2, ""); code != 200 || body["signed_in"] != false {
		t.Errorf("password account's view: got %d %v, want signed_in false", code, body)
	}
	if code, _ := stranger.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+inv2+`","password":"wrong wrong wrong"}`); code != 401 {
		t.Errorf("password account signed in, wrong password: got %d, want 401", code)
	}
	if code, body := mine.do(t, "POST", "/api/v1/invitation/accept", accept); code != 200 {
		t.Fatalf("invitee's accept: got %d %v, want 200", code, body)
	}
	if _, _, role, err := e.db.Member(ctx, sso.ID, other.ID); err != nil || role != meta.RoleEditor {
		t.Errorf("membership: got %q %v, want editor", role, err)
	}
}
