package e2e

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAlerts drives the alerts area with a real agent whose fake /proc has a high load
// average: on a desktop, a rule is created in the editor (first refused with the error under
// the field it names), the alert fires and is acknowledged with a comment, and the overview
// row carries the alert badge; on a phone, a second invalid rule shows its field error, the
// acknowledgement is visible and withdrawn, and nothing overflows sideways.
func TestBrowserAlerts(t *testing.T) {
	root := t.TempDir()
	copyTree(t, "../internal/agent/collect/testdata/server4", root)
	if err := os.WriteFile(filepath.Join(root, "proc", "loadavg"), []byte("7.50 3.00 2.00 3/467 12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startHub(t, "--alert-tick", "500ms", "--alert-group-wait", "0s")
	id, agentToken := e.addHost(t, "busy-host")
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--root", root, "--spool-dir", t.TempDir())
	hostID := strconv.FormatInt(id, 10)
	row := sel("alert-row") + `[data-rule="load-high"]`
	fieldError := func(testid string) string {
		return `(() => { const i = document.querySelector('[data-testid="` + testid + `"]'); return i.getAttribute("aria-invalid") === "true" && document.getElementById(i.id + "-err").textContent.length > 0 })()`
	}
	noOverflow := `document.documentElement.scrollWidth <= window.innerWidth + 1`

	t.Run("desktop", func(t *testing.T) {
		ctx := sizedBrowser(t, 1280, 900)
		signIn(t, ctx, e.url, e.email, e.password)
		if err := chromedp.Do(ctx, chromedp.Click(css("nav-alerts")), chromedp.WaitVisible(css("alerts-rules")),
			chromedp.Click(css("alerts-rules")), chromedp.WaitVisible(css("rules-table"))); err != nil {
			t.Fatal(err)
		}
		if n := js[int](t, ctx, `document.querySelectorAll('[data-testid="rule-row"]').length`); n != 10 {
			t.Errorf("got %d rules, want the 10 defaults", n)
		}
		// Warning above critical for ">" is refused, and the message sits under "Warning at".
		if !js[bool](t, ctx, setSelect("rule-aggregation", "last")) {
			t.Fatal("could not choose the aggregation")
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(css("rule-name"), "Load high"),
			chromedp.SetValue(css("rule-metric"), "load.1"),
			chromedp.SetValue(css("rule-warning"), "9"),
			chromedp.SetValue(css("rule-critical"), "5"),
			chromedp.SetValue(css("rule-for"), "1s"),
			chromedp.Click(css("rule-save"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "field error under warning", fieldError("rule-warning"), 5*time.Second)
		screenshot(t, ctx, "alerts-rule-error-desktop")
		if err := chromedp.Do(ctx, chromedp.SetValue(css("rule-warning"), "3"), chromedp.Click(css("rule-save"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "rule listed", `!!document.querySelector('[data-testid="rule-row"][data-rule="load-high"]')`, 5*time.Second)

		// The agent's load (7.5) is above critical: the alert fires and is acknowledged.
		if err := chromedp.Do(ctx, chromedp.Click(css("alerts-active"))); err != nil {
			t.Fatal(err)
		}
		// The page refreshes itself every 10 s.
		waitJS(t, ctx, "load-high firing on the alerts page", `!!document.querySelector('`+row+`[data-state="firing"]')`, 40*time.Second)
		if err := chromedp.Do(ctx,
			chromedp.Click(row+` `+sel("alert-ack")),
			chromedp.WaitVisible(css("alert-ack-comment")),
			chromedp.SendKeys(css("alert-ack-comment"), "restarting the batch job"),
			chromedp.Click(css("alert-ack-confirm"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "acknowledged by the owner", `document.querySelector('`+row+` [data-testid="alert-acked"]').textContent.includes("restarting the batch job")`, 5*time.Second)
		screenshot(t, ctx, "alerts-active-desktop")

		// History has the acknowledgement with its author.
		if err := chromedp.Do(ctx, chromedp.Click(css("alerts-history")), chromedp.WaitVisible(css("history-table"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "ack in history", `[...document.querySelectorAll('[data-testid="history-actor"]')].some(td => td.textContent.includes("`+e.email+`"))`, 5*time.Second)

		// A webhook channel: test-send reaches a receiver that checks the HMAC signature, and
		// after an edit (the secret shown as ********) the stored secret still signs.
		sink := &webhookSink{}
		receiver := httptest.NewServer(sink)
		defer receiver.Close()
		if err := chromedp.Do(ctx, chromedp.Click(css("alerts-channels")), chromedp.WaitVisible(css("channel-name")),
			chromedp.SendKeys(css("channel-name"), "Ops hook"),
			chromedp.SendKeys(css("channel-url"), receiver.URL+"/hook"),
			chromedp.SendKeys(css("channel-secret"), "e2e-hmac-secret"),
			chromedp.Click(css("channel-save")),
			chromedp.WaitVisible(`[data-testid="channel-row"][data-channel="ops-hook"]`),
			chromedp.Click(css("channel-test"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "test delivered", `document.querySelector('[data-testid="channel-test-result"]').textContent.startsWith("Delivered")`, 10*time.Second)
		if err := chromedp.Do(ctx, chromedp.Click(css("channel-edit")), chromedp.WaitVisible(css("channel-secret"))); err != nil {
			t.Fatal(err)
		}
		if v := js[string](t, ctx, `document.querySelector('[data-testid="channel-secret"]').value`); v != "********" {
			t.Errorf("edit form shows secret %q, want it redacted", v)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(css("channel-name"), "Ops hook 2"), chromedp.Click(css("channel-save"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "renamed", `document.querySelector('[data-testid="channel-row"][data-channel="ops-hook"]').textContent.includes("Ops hook 2")`, 5*time.Second)
		if err := chromedp.Do(ctx, chromedp.Click(css("channel-test"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "test delivered after edit", `document.querySelector('[data-testid="channel-test-result"]').textContent.startsWith("Delivered")`, 10*time.Second)
		sink.mu.Lock()
		if sink.good != 2 || sink.bad != 0 {
			t.Errorf("receiver got %d well-signed and %d badly signed requests, want 2 and 0", sink.good, sink.bad)
		}
		sink.mu.Unlock()

		// The overview row and the host page carry the badge.
		if err := chromedp.Do(ctx, chromedp.Click(css("nav-fleet"))); err != nil {
			t.Fatal(err)
		}
		hostRow := sel("host-row") + `[data-host-id="` + hostID + `"]`
		waitJS(t, ctx, "alert badge on the overview", `(document.querySelector('`+hostRow+` [data-testid="host-alerts"]')?.textContent ?? "") === "1 critical"`, 10*time.Second)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/hosts/"+hostID)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "alert badge on the host page", `(document.querySelector('[data-testid="host-alerts"]')?.textContent ?? "") === "1 critical"`, 10*time.Second)
	})

	t.Run("phone", func(t *testing.T) {
		ctx := sizedBrowser(t, 390, 844)
		signIn(t, ctx, e.url, e.email, e.password)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/alerts/rules"), chromedp.WaitVisible(css("rule-form"))); err != nil {
			t.Fatal(err)
		}
		if !js[bool](t, ctx, setSelect("rule-kind", "host_down")) {
			t.Fatal("could not choose the kind")
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(css("rule-name"), "Nobody home"),
			chromedp.SetValue(css("rule-for"), "-5m"),
			chromedp.Click(css("rule-save"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "negative duration refused under 'Holds for'", fieldError("rule-for"), 5*time.Second)
		waitJS(t, ctx, "no sideways scrolling", noOverflow, time.Second)
		screenshot(t, ctx, "alerts-rule-error-phone")

		if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/alerts/active"), chromedp.WaitVisible(row)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "ack visible", `document.querySelector('`+row+` [data-testid="alert-acked"]').textContent.includes("`+e.email+`")`, 5*time.Second)
		if err := chromedp.Do(ctx, chromedp.Click(row+` `+sel("alert-unack"))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "ack withdrawn", `document.querySelector('`+row+` [data-testid="alert-acked"]').textContent === "—" && !!document.querySelector('`+row+` [data-testid="alert-ack"]')`, 5*time.Second)
		waitJS(t, ctx, "no sideways scrolling", noOverflow, time.Second)
		screenshot(t, ctx, "alerts-active-phone")
	})
}
