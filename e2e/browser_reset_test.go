package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var resetLinkRe = regexp.MustCompile(`https?://\S+/reset-password\?token=vgr_[A-Za-z0-9_-]+`)

// TestBrowserPasswordReset: a hub with SMTP settings; the user follows "Forgot your password?"
// on the login page, reads the link from the mail the in-test SMTP server received, sets a new
// password and signs in with it. The owner then invites someone with "Email the link" ticked
// and the invitation arrives by mail.
func TestBrowserPasswordReset(t *testing.T) {
	sink := newMailSink(t)
	e := startHub(t, "--smtp-addr", sink.addr, "--smtp-from", "vigil@example.com")
	b := browser(t, 1024, 800)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, actions...); err != nil {
			screenshot(t, b, "reset-"+name+"-failed")
			t.Fatalf("%s: %v", name, err)
		}
		screenshot(t, b, "reset-"+name)
	}

	step("forgot",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-forgot")),
		chromedp.Click(css("login-forgot")),
		chromedp.WaitVisible(css("forgot-email")),
		chromedp.SendKeys(css("forgot-email"), e.email),
		chromedp.Click(css("forgot-submit")),
		chromedp.WaitVisible(css("forgot-sent")),
	)
	m := sink.next(t)
	link := resetLinkRe.FindString(m.text)
	if m.to != e.email || link == "" || !strings.HasPrefix(link, e.url) {
		t.Fatalf("got mail to %s: %q, want a reset link on %s for %s", m.to, m.text, e.url, e.email)
	}

	const newPassword = "a brand new passphrase"
	step("reset",
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("reset-password")),
		chromedp.SendKeys(css("reset-password"), newPassword),
		chromedp.SendKeys(css("reset-password-repeat"), newPassword),
		chromedp.Click(css("reset-submit")),
		chromedp.WaitVisible(css("reset-done")),
	)
	step("login-new-password",
		chromedp.Click(css("reset-signin")),
		chromedp.WaitVisible(css("login-email")),
		chromedp.SendKeys(css("login-email"), e.email),
		chromedp.SendKeys(css("login-password"), newPassword),
		chromedp.Click(css("login-submit")),
		chromedp.WaitVisible(css("logout")),
	)
	// The link worked once: opening it again says so.
	step("link-used",
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("reset-again")),
	)

	step("invite-by-email",
		chromedp.Navigate(e.url+"/settings/members"),
		chromedp.WaitVisible(css("invite-send-email")),
		chromedp.SendKeys(css("invite-email"), "newbie@example.com"),
		chromedp.Click(css("invite-submit")),
		chromedp.WaitVisible(css("invite-link")),
	)
	result, err := chromedp.Run(b, chromedp.Text(css("invite-result")))
	if err != nil || !strings.Contains(result, "emailed") {
		t.Errorf("invitation result: got %q (%v), want it to say the link was emailed", result, err)
	}
	inv := sink.next(t)
	shown, _ := chromedp.Run(b, chromedp.Text(css("invite-link")))
	if u, err := url.Parse(strings.TrimSpace(shown)); err != nil || inv.to != "newbie@example.com" || !strings.Contains(inv.text, u.String()) {
		t.Errorf("got invitation mail to %s: %q, want the link %q", inv.to, inv.text, shown)
	}
}
