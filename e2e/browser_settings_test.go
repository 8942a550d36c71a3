package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSettings walks the settings an owner uses: change the password, create an enrollment
// key, read the audit log; then, on a host page, rotate the agent token (the running agent is
// cut off) and find the CSV export link.
func TestBrowserSettings(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "settings-host")
	agent := start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--spool-dir", "-")
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=settings-host`), 20*time.Second)

	ctx := browser(t, 1280, 900)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			screenshot(t, ctx, "settings-"+name+"-failed")
			t.Fatalf("%s: %v", name, err)
		}
		screenshot(t, ctx, "settings-"+name)
	}
	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(id)))
		if err != nil {
			t.Fatalf("read %s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}

	step("login",
		chromedp.Navigate(e.url+"/login"),
		chromedp.WaitVisible(css("login-email")),
		chromedp.SendKeys(css("login-email"), e.email),
		chromedp.SendKeys(css("login-password"), e.password),
		chromedp.Click(css("login-submit")),
		chromedp.WaitVisible(css("host-row")),
	)
	step("password",
		chromedp.Navigate(e.url+"/settings/account"),
		chromedp.WaitVisible(css("password-current")),
		chromedp.SendKeys(css("password-current"), e.password),
		chromedp.SendKeys(css("password-new"), "an even better passphrase"),
		chromedp.Click(css("password-submit")),
		chromedp.WaitVisible(css("password-changed")),
	)
	step("enrollment-key",
		chromedp.Click(css("settings-enrollment-keys")),
		chromedp.WaitVisible(css("enroll-key-name")),
		chromedp.SendKeys(css("enroll-key-name"), "fleet"),
		chromedp.Click(css("enroll-key-create")),
		chromedp.WaitVisible(css("enroll-key-secret")),
	)
	if key := text("enroll-key-secret"); !strings.HasPrefix(key, "vge_") {
		t.Errorf("got enrollment key %q, want vge_…", key)
	}
	step("audit",
		chromedp.Click(css("settings-audit")),
		chromedp.WaitVisible(css("audit-row")),
	)
	if log := text("audit-table"); !strings.Contains(log, "password.change") || !strings.Contains(log, "enrollment_key.create") {
		t.Errorf("audit log in the UI lacks the password change or the new key:\n%s", log)
	}

	step("rotate-token",
		chromedp.Navigate(e.url+"/hosts/"+strconv.FormatInt(id, 10)),
		chromedp.WaitVisible(css("host-rotate-token")),
		chromedp.Click(css("host-rotate-token")),
		chromedp.WaitVisible(css("host-rotate-confirm")),
		chromedp.Click(css("host-rotate-confirm")),
		chromedp.WaitVisible(css("host-new-token")),
	)
	if tok := text("host-new-token"); !strings.HasPrefix(tok, "vgh_") || tok == agentToken {
		t.Errorf("got new agent token %q, want a fresh vgh_…", tok)
	}
	agent.waitFor(t, regexp.MustCompile(`agent token rejected by hub`), 15*time.Second)
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(css("host-export-csv"), "href"))
	if err != nil || !strings.Contains(href.Value, "/export.csv") {
		t.Errorf("got export link %+v (err %v), want …/export.csv", href, err)
	}
}
