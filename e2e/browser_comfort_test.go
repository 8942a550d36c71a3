package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserComfort checks the everyday parts at 360 px: nothing wider than the screen, the
// theme (system default, key t, kept after a reload), keyboard shortcuts with their help, and the
// PWA (manifest, service worker that caches the app shell and never API answers).
func TestBrowserComfort(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "comfort-host")
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--spool-dir", t.TempDir())
	ctx := sizedBrowser(t, 360, 740)
	// The system asks for dark; with no choice stored the app follows it.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	signIn(t, ctx, e.url, e.email, e.password)
	bg := `getComputedStyle(document.body).backgroundColor`
	waitJS(t, ctx, "host listed", `document.querySelectorAll('[data-testid="host-row"]').length === 1`, 15*time.Second)
	if got := js[string](t, ctx, bg); got != "rgb(15, 18, 23)" {
		t.Errorf("background with a dark system and no choice: got %s, want the dark one", got)
	}
	noOverflow := `document.documentElement.scrollWidth <= window.innerWidth`
	if !js[bool](t, ctx, noOverflow) {
		t.Errorf("overview at 360 px: page is %d px wide", js[int](t, ctx, "document.documentElement.scrollWidth"))
	}
	screenshot(t, ctx, "comfort-overview-360-dark")

	// t switches to light and the choice survives a reload.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("t")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "light theme", `document.documentElement.dataset.theme === "light" && `+bg+` === "rgb(245, 246, 248)"`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css("host-row"))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, ctx, `document.documentElement.dataset.theme ?? ""`); got != "light" {
		t.Errorf("theme after reload: got %q, want light", got)
	}

	// ? lists the keys; / focuses the search; g o comes back to the overview.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("?"), chromedp.WaitVisible(css("help-dialog"))); err != nil {
		t.Fatal(err)
	}
	if s := js[string](t, ctx, `document.querySelector('[data-testid="help-dialog"]').textContent`); !strings.Contains(s, "Go to the overview") || !strings.Contains(s, "Search servers") {
		t.Errorf("help: got %q", s)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css("help-close")), chromedp.KeyEvent("/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "/ focuses search", `document.activeElement?.dataset.testid === "host-search"`, 5*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/hosts/"+strconv.FormatInt(id, 10)), chromedp.WaitVisible(css("chart-cpu"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "host page drawn", `document.querySelector('[data-testid="chart-cpu"]').dataset.points > 0`, 15*time.Second)
	if !js[bool](t, ctx, noOverflow) {
		t.Errorf("host page at 360 px: page is %d px wide", js[int](t, ctx, "document.documentElement.scrollWidth"))
	}
	screenshot(t, ctx, "comfort-host-360-light")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("g"), chromedp.KeyEvent("o")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "g o", `location.pathname === "/" && !!document.querySelector('[data-testid="host-table"]')`, 5*time.Second)

	// PWA: manifest with icons, a service worker, and a cache holding the shell but no API answers.
	if n := js[int](t, ctx, `fetch("/manifest.json").then(r => r.json()).then(m => m.icons.length)`); n < 2 {
		t.Errorf("manifest icons: got %d", n)
	}
	waitJS(t, ctx, "service worker active", `navigator.serviceWorker.ready.then(r => !!r.active)`, 15*time.Second)
	// A navigation under the worker's control, then the cache's contents.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css("host-row"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "shell cached", `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.keys())))).then(l => l.flat().map(r => new URL(r.url).pathname)).then(p => p.includes("/") && p.some(x => x.startsWith("/assets/")))`, 15*time.Second)
	cached := js[[]string](t, ctx, `caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.keys())))).then(l => l.flat().map(r => new URL(r.url).pathname))`)
	for _, p := range cached {
		if strings.HasPrefix(p, "/api/") {
			t.Errorf("service worker cached an API answer: %s (all: %v)", p, cached)
		}
	}
}
