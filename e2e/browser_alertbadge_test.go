package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAlertBadgeLive: the overview row's alert badge appears when a rule starts firing
// on the host and, on the host page reached from it, disappears when the condition clears —
// both without reloading the page (a marker set in the page survives), from the live stream.
func TestBrowserAlertBadgeLive(t *testing.T) {
	root := t.TempDir()
	copyTree(t, "../internal/agent/collect/testdata/server4", root)
	loadavg := filepath.Join(root, "proc", "loadavg")
	setLoad := func(v string) {
		if err := os.WriteFile(loadavg, []byte(v+" 1.00 1.00 3/467 12345\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setLoad("0.50")
	e := startHub(t, "--alert-tick", "500ms", "--alert-group-wait", "0s")
	id, agentToken := e.addHost(t, "badge-host")
	var out map[string]any
	rule := `{"id":"load-high","name":"Load high","kind":"metric","enabled":true,"metric":"load.1","aggregation":"last",
		"comparison":">","warning":3,"critical":5,"for":"1s"}`
	if code := e.postJSON(t, "/api/v1/alerting/rules", rule, &out); code != 201 {
		t.Fatalf("create rule: got %d %v", code, out)
	}
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--root", root, "--spool-dir", t.TempDir())

	row := sel("host-row") + `[data-host-id="` + strconv.FormatInt(id, 10) + `"]`
	badge := `document.querySelector('` + row + ` [data-testid="host-alerts"]')`
	ctx := sizedBrowser(t, 1280, 900)
	signIn(t, ctx, e.url, e.email, e.password)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(row)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "host online", `(document.querySelector('`+row+`')?.textContent ?? "").includes("Online")`, 20*time.Second)
	if js[bool](t, ctx, `!!`+badge) {
		t.Fatal("badge shown before anything fires")
	}
	js[bool](t, ctx, `window.__sameDocument = true`)

	setLoad("7.50")
	waitJS(t, ctx, "critical badge on the overview row", `(`+badge+`?.textContent ?? "") === "1 critical"`, 30*time.Second)
	if !js[bool](t, ctx, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded; want the badge updated in place")
	}
	screenshot(t, ctx, "overview-alert-badge-live")

	// Into the host page (a client-side navigation), then the condition clears.
	if err := chromedp.Do(ctx, chromedp.Click(row+` [data-testid="host-name"]`), chromedp.WaitVisible(css("host-alerts"))); err != nil {
		t.Fatal(err)
	}
	setLoad("0.50")
	waitJS(t, ctx, "badge gone from the host page", `!document.querySelector('[data-testid="host-alerts"]')`, 30*time.Second)
	if !js[bool](t, ctx, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded; want the badge removed in place")
	}
}
