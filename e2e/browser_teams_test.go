package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-mon/vigil/internal/auth"
)

// TestBrowserTeams walks teams and two-factor through the UI: the owner invites a viewer from
// Settings → Members, the viewer opens the link in another browser (phone size), chooses a
// password and lands signed in; the owner then turns on two-factor in Settings → Security, logs
// out and signs in again through the two-step login (a wrong code first, then a fresh one).
func TestBrowserTeams(t *testing.T) {
	e := startHub(t)
	owner := browser(t, 1280, 900)

	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			screenshot(t, ctx, "teams-"+name+"-failed")
			t.Fatalf("%s: %v", name, err)
		}
		screenshot(t, ctx, "teams-"+name)
	}
	text := func(ctx context.Context, id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(id)))
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	path := func(ctx context.Context) string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("location: %v", err)
		}
		u, _ := url.Parse(loc)
		return u.Path
	}
	login := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(e.url + "/login"),
		chromedp.WaitVisible(css("login-email")),
		chromedp.SendKeys(css("login-email"), e.email),
		chromedp.SendKeys(css("login-password"), e.password),
		chromedp.Click(css("login-submit")),
	}

	step(owner, "owner-login", append(login, chromedp.WaitVisible(css("logout")))...)
	if name := text(owner, "org-name"); name == "" {
		t.Error("the top bar shows no organization name")
	}

	// Invite a viewer from Settings → Members.
	step(owner, "invite",
		chromedp.Navigate(e.url+"/settings/account"),
		chromedp.WaitVisible(css("settings-members")),
		chromedp.Click(css("settings-members")),
		chromedp.WaitVisible(css("members-row")),
		chromedp.WaitVisible(css("invite-email")),
		chromedp.SendKeys(css("invite-email"), "viewer@example.com"),
		chromedp.SetValue(css("invite-role"), "viewer"),
		chromedp.Click(css("invite-submit")),
		chromedp.WaitVisible(css("invite-link")),
	)
	link, err := url.Parse(text(owner, "invite-link"))
	if err != nil || link.Path != "/invite" || link.Query().Get("token") == "" {
		t.Fatalf("got invitation link %q (err %v), want …/invite?token=…", link, err)
	}

	// A fresh browser opens the link, chooses a password and is signed in.
	viewer := browser(t, 360, 740)
	step(viewer, "invitation",
		chromedp.Navigate(e.url+"/invite?token="+url.QueryEscape(link.Query().Get("token"))),
		chromedp.WaitVisible(css("invitation-password")),
	)
	if got := text(viewer, "invitation-email"); got != "viewer@example.com" {
		t.Errorf("invitation page shows %q, want viewer@example.com", got)
	}
	step(viewer, "invitation-accepted",
		chromedp.SendKeys(css("invitation-password"), "viewer passphrase 123"),
		chromedp.SendKeys(css("invitation-password-repeat"), "viewer passphrase 123"),
		chromedp.Click(css("invitation-accept")),
		chromedp.WaitVisible(css("logout")),
	)
	if p := path(viewer); p != "/" {
		t.Errorf("after joining the viewer is at %q, want /", p)
	}
	// The link works once.
	step(viewer, "invitation-used",
		chromedp.Navigate(e.url+"/invite?token="+url.QueryEscape(link.Query().Get("token"))),
		chromedp.WaitVisible(css("state-empty")),
	)

	// The owner sees the new member.
	step(owner, "members",
		chromedp.Navigate(e.url+"/settings/members"),
		chromedp.WaitVisible(css("members-row")),
	)
	if list := text(owner, "members-table"); !strings.Contains(list, "viewer@example.com") {
		t.Errorf("members list lacks the viewer:\n%s", list)
	}

	// Turn on two-factor in Settings → Security.
	step(owner, "totp-setup",
		chromedp.Click(css("settings-security")),
		chromedp.WaitVisible(css("totp-enable")),
		chromedp.Click(css("totp-enable")),
		chromedp.WaitVisible(css("totp-secret")),
	)
	secret := strings.ReplaceAll(text(owner, "totp-secret"), " ", "")
	code, err := auth.TOTPCode(secret, auth.TOTPStep(time.Now()))
	if err != nil {
		t.Fatalf("TOTP code of %q: %v", secret, err)
	}
	step(owner, "totp-enabled",
		chromedp.SendKeys(css("totp-code"), code),
		chromedp.Click(css("totp-confirm")),
		chromedp.WaitVisible(css("totp-recovery-codes")),
	)
	recovery := strings.Fields(text(owner, "totp-recovery-codes"))
	if len(recovery) != 10 {
		t.Fatalf("got %d recovery codes, want 10: %q", len(recovery), recovery)
	}

	// Log out and sign in again: password, then the code.
	step(owner, "logout", chromedp.Click(css("logout")), chromedp.WaitVisible(css("login-email")))
	step(owner, "login-totp", append(login, chromedp.WaitVisible(css("login-totp")))...)
	wrong, _ := auth.TOTPCode(secret, auth.TOTPStep(time.Now())-10)
	step(owner, "login-totp-wrong",
		chromedp.SendKeys(css("login-totp"), wrong),
		chromedp.Click(css("login-totp-submit")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"field-error") and contains(., "wrong")]`)),
	)
	// The enable step used the current step's code; a code is accepted once, so take the next one.
	next, _ := auth.TOTPCode(secret, auth.TOTPStep(time.Now())+1)
	step(owner, "login-totp-done",
		chromedp.Clear(css("login-totp")),
		chromedp.SendKeys(css("login-totp"), next),
		chromedp.Click(css("login-totp-submit")),
		chromedp.WaitVisible(css("logout")),
	)
	if p := path(owner); p != "/" {
		t.Errorf("after the two-step login the owner is at %q, want /", p)
	}

	// A second organization invites the owner as admin: the existing account joins with its
	// password and, since two-factor is on, a second factor (here a recovery code: the TOTP steps
	// near now are used up), lands in the new organization, and the top bar offers the switcher.
	e.cli(t, "boss passphrase 456\n", "admin", "create", "--email", "boss@example.com", "--org", "Beta")
	boss := *e
	boss.token = secretRe.FindString(e.cli(t, "", "token", "create", "--email", "boss@example.com", "--name", "boss", "--scope", "write"))
	var inv struct {
		Link string `json:"link"`
	}
	if code := boss.postJSON(t, "/api/v1/invitations", `{"email":"owner@example.com","role":"admin"}`, &inv); code != 201 {
		t.Fatalf("invite the owner to Beta: status %d", code)
	}
	link2, err := url.Parse(inv.Link)
	if err != nil {
		t.Fatalf("invitation link %q: %v", inv.Link, err)
	}
	step(owner, "join-second-org",
		chromedp.Navigate(e.url+"/invite?token="+url.QueryEscape(link2.Query().Get("token"))),
		chromedp.WaitVisible(css("invitation-password")),
		chromedp.SendKeys(css("invitation-password"), e.password),
		chromedp.Click(css("invitation-accept")),
		chromedp.WaitVisible(css("invitation-totp")),
		chromedp.SendKeys(css("invitation-totp"), recovery[0]),
		chromedp.Click(css("invitation-accept")),
		chromedp.WaitVisible(css("org-switcher")),
	)
	current := func() string {
		t.Helper()
		s, err := chromedp.Run(owner, chromedp.Evaluate[string](`(() => { const s = document.querySelector('[data-testid="org-switcher"]'); return s ? s.selectedOptions[0].text : ""; })()`))
		if err != nil { // the page may be reloading
			t.Logf("read the organization switcher: %v", err)
		}
		return s
	}
	if got := current(); !strings.HasPrefix(got, "Beta") {
		t.Errorf("after joining Beta the switcher shows %q", got)
	}
	if _, err := chromedp.Run(owner, chromedp.Evaluate[string](`(() => { const s = document.querySelector('[data-testid="org-switcher"]');
		const o = [...s.options].find((o) => o.text.startsWith("Default")); s.value = o.value; s.dispatchEvent(new Event("change")); return o.value; })()`)); err != nil {
		t.Fatalf("switch organization: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); !strings.HasPrefix(current(), "Default"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			screenshot(t, owner, "teams-switch-failed")
			t.Fatalf("the switcher still shows %q after switching to Default", current())
		}
	}
	step(owner, "switched", chromedp.WaitVisible(css("logout")))
	if p := path(owner); p != "/" {
		t.Errorf("after switching the owner is at %q, want /", p)
	}
}
