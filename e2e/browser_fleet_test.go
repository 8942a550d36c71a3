package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// demoHub runs `vigil demo` with the given flags and returns its URL and read-only login.
func demoHub(t *testing.T, args ...string) (url, email, password string) {
	t.Helper()
	p := start(t, "vigil", append([]string{"demo", "--listen", "127.0.0.1:0"}, args...)...)
	url = p.waitFor(t, urlRe, 20*time.Second)[1]
	creds := p.waitFor(t, regexp.MustCompile(`as (\S+) with password (\S+) \(read-only\)`), 20*time.Second)
	return url, creds[1], creds[2]
}

// phone is the narrow size the issue asks for; a device metrics override gives exactly 375 CSS
// pixels (a headless window cannot be made that narrow).
var sizes = []struct {
	name          string
	width, height int64
}{{"desktop", 1280, 900}, {"phone", 375, 812}}

// sizedBrowser starts Chromium at the given viewport size.
func sizedBrowser(t *testing.T, width, height int64) context.Context {
	t.Helper()
	ctx := browser(t, int(max(width, 800)), int(height))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func signIn(t *testing.T, ctx context.Context, url, email, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/login"),
		chromedp.WaitVisible(css("login-email")),
		chromedp.SendKeys(css("login-email"), email),
		chromedp.SendKeys(css("login-password"), password),
		chromedp.Click(css("login-submit")),
		chromedp.WaitVisible(css("nav-fleet")),
	)
	if err != nil {
		screenshot(t, ctx, strings.ReplaceAll(t.Name(), "/", "-")+"-login-failed")
		t.Fatalf("sign in: %v", err)
	}
}

// js evaluates an expression and decodes its JSON-able result into T.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a boolean expression until it holds; the page updates on its own clock.
func waitJS(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, ctx, strings.ReplaceAll(t.Name(), "/", "-")+"-failed")
			t.Fatalf("%s: not true after %s: %s (err %v)", what, timeout, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setSelect changes a <select> the way a person does (value, then a change event).
func setSelect(id, value string) string {
	v, _ := json.Marshal(value)
	return fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="%s"]'); s.value = %s; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value === %s })()`, id, v, v)
}

// rowNames lists the host names in the order rendered.
const rowNames = `[...document.querySelectorAll('[data-testid="host-row"] [data-testid="host-name"], [data-testid="host-card"] [data-testid="host-name"]')].map(a => a.textContent)`

// TestBrowserFleet drives the overview of a small demo fleet at desktop and phone sizes: state
// counts as filters, search, tag filter, sorting, grouping, the card view and live updates.
func TestBrowserFleet(t *testing.T) {
	url, email, password := demoHub(t, "--hosts", "24", "--history", "20m", "--interval", "1s")
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := sizedBrowser(t, size.width, size.height)
			signIn(t, ctx, url, email, password)
			// 24 simulated hosts and this machine; the last simulated one is down.
			waitJS(t, ctx, "counts", `document.querySelector('[data-testid="count-all"]')?.textContent === "25" && document.querySelector('[data-testid="count-offline"]')?.textContent === "1"`, 20*time.Second)
			screenshot(t, ctx, "fleet-"+size.name)

			// Problems first: the offline host leads the default order.
			names := js[[]string](t, ctx, rowNames)
			if len(names) == 0 || names[0] != "metrics-2" {
				t.Errorf("first row: got %v, want the offline metrics-2 first", names)
			}

			// The offline count filters.
			if err := chromedp.Do(ctx, chromedp.Click(css("state-filter-offline"))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "offline filter", rowNames+`.join() === "metrics-2"`, 5*time.Second)
			if err := chromedp.Do(ctx, chromedp.Click(css("state-filter-all"))); err != nil {
				t.Fatal(err)
			}

			// Search matches names and tags.
			if err := chromedp.Do(ctx, chromedp.SendKeys(css("host-search"), "db-")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "search", rowNames+`.sort().join() === "db-1,db-2"`, 5*time.Second)
			if !strings.Contains(js[string](t, ctx, "location.search"), "q=db-") {
				t.Error("search is not kept in the URL")
			}
			js[bool](t, ctx, `(() => { const s = document.querySelector('[data-testid="host-search"]'); s.value = ""; s.dispatchEvent(new Event("input")); return true })()`)

			// Tag filter: env=staging is every fifth simulated host (4 of 24).
			js[bool](t, ctx, setSelect("tag-filter", "env=staging"))
			waitJS(t, ctx, "tag filter", rowNames+`.length === 4`, 5*time.Second)
			js[bool](t, ctx, setSelect("tag-filter", ""))

			// Sort by CPU, highest first (a header on desktop, the select on phones).
			if size.name == "desktop" {
				err := chromedp.Do(ctx, chromedp.Click(css("sort-cpu")))
				if err != nil {
					t.Fatal(err)
				}
			} else {
				js[bool](t, ctx, setSelect("sort-select", "cpu"))
			}
			waitJS(t, ctx, "sorted by CPU", `(() => {
				const v = [...document.querySelectorAll('[data-testid="host-row"] .col-cpu .meter-text')].map(e => parseFloat(e.textContent)).filter(x => !isNaN(x));
				return v.length > 5 && v.every((x, i) => i === 0 || v[i-1] >= x) })()`, 5*time.Second)
			if got := js[string](t, ctx, `document.querySelector('[data-testid="sort-select"]').value`); got != "cpu" {
				t.Errorf("sort select: got %q, want cpu", got)
			}

			// Group by environment: prod first; this machine has no env tag and comes last.
			js[bool](t, ctx, setSelect("group-by", "key:env"))
			heads := `[...document.querySelectorAll('[data-testid="group-head"]')].map(g => g.dataset.group)`
			waitJS(t, ctx, "grouped", heads+`[0] === "env=prod"`, 5*time.Second)
			js[bool](t, ctx, `(window.scrollTo(0, document.body.scrollHeight), true)`)
			waitJS(t, ctx, "last group", heads+`.includes("no env")`, 5*time.Second)
			js[bool](t, ctx, `(window.scrollTo(0, 0), true)`)
			js[bool](t, ctx, setSelect("group-by", ""))

			// Card view with sparklines that fill with live values.
			if err := chromedp.Do(ctx, chromedp.Click(css("view-cards")), chromedp.WaitVisible(css("host-card"))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "sparklines have history", `[...document.querySelectorAll('[data-testid="host-card"] canvas.spark')].some(c => c.dataset.points >= 5)`, 10*time.Second)
			before := js[string](t, ctx, `[...document.querySelectorAll('[data-testid="host-card"]')].map(c => c.querySelector('.hc-meters').textContent).join("|")`)
			waitJS(t, ctx, "live update repaints cards", `[...document.querySelectorAll('[data-testid="host-card"]')].map(c => c.querySelector('.hc-meters').textContent).join("|") !== `+jsString(before), 10*time.Second)
			screenshot(t, ctx, "fleet-cards-"+size.name)
			if !strings.Contains(js[string](t, ctx, "location.search"), "view=cards") {
				t.Error("card view is not kept in the URL")
			}
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserFleetLarge checks the overview stays windowed with 240 hosts: all are counted, few
// rows exist in the DOM, and scrolling to the end shows the last host.
func TestBrowserFleetLarge(t *testing.T) {
	url, email, password := demoHub(t, "--hosts", "240", "--history", "0")
	ctx := sizedBrowser(t, 1280, 900)
	signIn(t, ctx, url, email, password)
	waitJS(t, ctx, "all hosts counted", `document.querySelector('[data-testid="count-all"]')?.textContent === "241"`, 30*time.Second)
	if n := js[int](t, ctx, `document.querySelectorAll('[data-testid="host-row"]').length`); n == 0 || n > 80 {
		t.Errorf("rows in the DOM: got %d, want 1–80 of 241 (windowed)", n)
	}
	js[bool](t, ctx, setSelect("sort-select", "name"))
	js[bool](t, ctx, `(window.scrollTo(0, document.body.scrollHeight), true)`)
	waitJS(t, ctx, "last host after scrolling", rowNames+`.includes("worker-20")`, 5*time.Second)
	screenshot(t, ctx, "fleet-large-bottom")
	if n := js[int](t, ctx, `document.querySelectorAll('[data-testid="host-row"]').length`); n > 80 {
		t.Errorf("rows in the DOM after scrolling: got %d, want ≤ 80", n)
	}
}
