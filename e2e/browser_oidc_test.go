package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigil-mon/vigil/internal/testoidc"
)

// TestBrowserOIDCLogin: the hub is started with a real OpenID provider running in the test; the
// login page offers "Sign in with Test IdP", which goes through the provider and lands signed
// in. An identity from a domain that is not allowed comes back to the login page with the reason
// shown. A new identity is provisioned as viewer (--oidc-default-role) and, having no password,
// joins a second organization from an invitation link while signed in.
func TestBrowserOIDCLogin(t *testing.T) {
	p := testoidc.Start(t)
	secret := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startHub(t, "--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID, "--oidc-client-secret-file", secret, "--oidc-name", "Test IdP",
		"--oidc-allowed-domains", "example.com", "--oidc-default-role", "viewer")
	p.AllowRedirect(e.url + "/api/v1/auth/oidc/callback")
	if strings.Contains(e.hub.output(), p.ClientSecret) {
		t.Error("the hub logged the OIDC client secret")
	}
	b := browser(t, 1024, 800)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, actions...); err != nil {
			screenshot(t, b, "oidc-"+name+"-failed")
			t.Fatalf("%s: %v", name, err)
		}
		screenshot(t, b, "oidc-"+name)
	}

	p.SetIdentity(testoidc.Identity{Subject: "u1", Email: "stranger@elsewhere.org", Verified: true})
	step("domain-refused",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-oidc")),
		chromedp.Click(css("login-oidc")),
		chromedp.WaitVisible(css("login-sso-error")),
	)
	msg, _ := chromedp.Run(b, chromedp.Text(css("login-sso-error")))
	if !strings.Contains(msg, "email domain may not sign in") {
		t.Errorf("got error %q, want it to say the domain is not allowed", msg)
	}

	p.SetIdentity(testoidc.Identity{Subject: "u2", Email: e.email, Verified: true, Name: "Owner"})
	step("login",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-oidc")),
	)
	label, _ := chromedp.Run(b, chromedp.Text(css("login-oidc")))
	if strings.TrimSpace(label) != "Sign in with Test IdP" {
		t.Errorf("got button %q, want \"Sign in with Test IdP\"", label)
	}
	step("signed-in",
		chromedp.Click(css("login-oidc")),
		chromedp.WaitVisible(css("logout")),
	)
	if p.Logins() != 2 {
		t.Errorf("the provider saw %d logins, want 2", p.Logins())
	}

	// Another organization invites a new single-sign-on user, who has no password.
	e.cli(t, "boss password 12345\n", "admin", "create", "--email", "boss@other.org", "--org", "Other")
	jar, _ := cookiejar.New(nil)
	boss := &http.Client{Jar: jar}
	resp, err := boss.Post(e.url+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"boss@other.org","password":"boss password 12345"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("boss login: %v %v", err, resp)
	}
	resp.Body.Close()
	u, _ := url.Parse(e.url)
	var csrf string
	for _, c := range jar.Cookies(u) {
		if c.Name == "vigil_csrf" {
			csrf = c.Value
		}
	}
	req, _ := http.NewRequest("POST", e.url+"/api/v1/invitations", strings.NewReader(`{"email":"sso@example.com","role":"editor"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Vigil-CSRF", csrf)
	resp, err = boss.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("invite: %v %v", err, resp)
	}
	var inv struct{ Link string }
	_ = json.NewDecoder(resp.Body).Decode(&inv)
	resp.Body.Close()

	sso := browser(t, 1024, 800)
	p.SetIdentity(testoidc.Identity{Subject: "u3", Email: "sso@example.com", Verified: true})
	b = sso
	// First sign-on creates the account (viewer of the first organization); then sign out.
	step("provisioned",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-oidc")),
		chromedp.Click(css("login-oidc")),
		chromedp.WaitVisible(css("logout")),
		chromedp.Click(css("logout")),
		chromedp.WaitVisible(css("login-email")),
	)
	step("invitation-open", chromedp.Navigate(inv.Link), chromedp.WaitVisible(css("invitation-signin")))
	step("invitation-login", chromedp.Click(css("invitation-signin")), chromedp.WaitVisible(css("login-oidc")))
	step("invitation-sign-in-first", chromedp.Click(css("login-oidc")), chromedp.WaitVisible(css("invitation-accept")))
	if label, _ := chromedp.Run(b, chromedp.Text(css("invitation-accept"))); label != "Join Other" {
		t.Errorf("got button %q, want \"Join Other\" (no password asked)", label)
	}
	step("invitation-joined",
		chromedp.Click(css("invitation-accept")),
		chromedp.WaitVisible(css("logout")),
	)
	req, _ = http.NewRequest("GET", e.url+"/api/v1/members", nil)
	resp, err = boss.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"email":"sso@example.com","role":"editor"`) {
		t.Errorf("members of Other: %s, want sso@example.com as editor", body)
	}
}
