package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vigil-mon/vigil/internal/testoidc"
)

// TestBrowserOIDCLogin: the hub is started with a real OpenID provider running in the test; the
// login page offers "Sign in with Test IdP", which goes through the provider and lands signed
// in. An identity without a Vigil account comes back to the login page with the reason shown.
func TestBrowserOIDCLogin(t *testing.T) {
	p := testoidc.Start(t)
	secret := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secret, []byte(p.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startHub(t, "--oidc-issuer", p.Issuer, "--oidc-client-id", p.ClientID, "--oidc-client-secret-file", secret, "--oidc-name", "Test IdP")
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

	p.SetIdentity(testoidc.Identity{Subject: "u1", Email: "stranger@example.com", Verified: true})
	step("unknown-user",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-oidc")),
		chromedp.Click(css("login-oidc")),
		chromedp.WaitVisible(css("login-sso-error")),
	)
	msg, _ := chromedp.Run(b, chromedp.Text(css("login-sso-error")))
	if !strings.Contains(msg, "no Vigil account") {
		t.Errorf("got error %q, want it to say there is no account", msg)
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
}
