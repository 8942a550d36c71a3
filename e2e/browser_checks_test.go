package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserChecks creates an HTTP check against a real local server in the browser (first with
// a bad URL, whose error shows under the field), sees it up with a response-time chart, puts it
// on a status page, and opens the public page without signing in, at desktop and phone size.
func TestBrowserChecks(t *testing.T) {
	e := startHub(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "shop is open") }))
	defer target.Close()

	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 375, 800}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := sizedBrowser(t, size.width, size.height)
			step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					screenshot(t, ctx, "checks-"+size.name+"-"+name+"-failed")
					t.Fatalf("%s: %v", name, err)
				}
				screenshot(t, ctx, "checks-"+size.name+"-"+name)
			}
			signIn(t, ctx, e.url, e.email, e.password)
			name, slug := "Shop "+size.name, "shop-"+size.name
			step("new-check",
				chromedp.Navigate(e.url+"/"),
				chromedp.WaitVisible(css("nav-uptime")),
				chromedp.Click(css("nav-uptime")),
				chromedp.WaitVisible(css("check-new")),
				chromedp.Click(css("check-new")),
				chromedp.WaitVisible(css("check-url")),
				chromedp.SendKeys(css("check-name"), name),
				chromedp.SendKeys(css("check-url"), "ftp://nowhere"),
				chromedp.SendKeys(css("check-keyword"), "open"),
				chromedp.Click(css("check-save")),
				chromedp.WaitVisible(`[data-testid="check-url"][aria-invalid="true"]`),
			)
			if msg := js[string](t, ctx, `document.getElementById(document.querySelector('[data-testid="check-url"]').getAttribute("aria-describedby")).textContent`); !strings.Contains(msg, "http://") {
				t.Errorf("url field error: got %q", msg)
			}
			step("save-check",
				chromedp.SetValue(css("check-url"), target.URL+"/"),
				chromedp.Click(css("check-save")),
				chromedp.WaitVisible(css("check-page")),
			)
			// The check ran at once on creation, but its page refreshes only every 15 s: wait through
			// the API until the result is stored, then load the page once. (Reloading in a loop
			// outran the page on a loaded machine and never let it render.)
			loc := js[string](t, ctx, `location.pathname`) // /checks/{id}
			waitDesc(t, "check up, by the API", 30*time.Second, func() (bool, string) {
				var v probeCheckView
				e.get(t, "/api/v1"+loc, &v)
				return v.Check.State == "up", v.states()
			})
			step("check-page",
				chromedp.Navigate(e.url+loc),
				chromedp.WaitVisible(`[data-testid="check-state"][data-state="up"]`),
			)
			waitJS(t, ctx, "response-time chart", `Number(document.querySelector('[data-testid="check-chart"]')?.dataset.points) > 0`, 10*time.Second)
			if msg := js[string](t, ctx, `document.querySelector('[data-testid="check-message"]').textContent`); !strings.Contains(msg, "200 OK") {
				t.Errorf("check message: got %q", msg)
			}
			step("list",
				chromedp.Navigate(e.url+"/checks"),
				chromedp.WaitVisible(`[data-testid="check-row"][data-state="up"]`),
				chromedp.WaitVisible(css("check-bars")),
			)
			step("status-page",
				chromedp.Click(css("subnav-status-pages")),
				chromedp.WaitVisible(css("status-page-new")),
				chromedp.Click(css("status-page-new")),
				chromedp.WaitVisible(css("pick-check")),
				chromedp.SendKeys(css("page-slug"), slug),
				chromedp.SendKeys(css("page-title"), "Shop status"),
			)
			js[bool](t, ctx, fmt.Sprintf(`(() => { for (const b of document.querySelectorAll('[data-testid="pick-check"]')) if (b.parentElement.textContent.includes(%q)) b.click(); return true })()`, name))
			step("save-page",
				chromedp.Click(css("page-save")),
				chromedp.WaitVisible(css("page-open")),
			)
			// The public page needs no session: a fresh browser opens it.
			pub := sizedBrowser(t, size.width, size.height)
			if err := chromedp.Do(pub, chromedp.Navigate(e.url+"/status/"+slug), chromedp.WaitVisible(`[data-testid="overall-state"][data-state="up"]`), chromedp.WaitVisible(css("uptime-bars"))); err != nil {
				screenshot(t, pub, "checks-"+size.name+"-public-failed")
				t.Fatalf("public page: %v", err)
			}
			screenshot(t, pub, "checks-"+size.name+"-public")
			if n := js[int](t, pub, `document.querySelectorAll('[data-testid="uptime-bars"] .bar').length`); n != 90 {
				t.Errorf("got %d daily bars, want 90", n)
			}
			if today := js[string](t, pub, `[...document.querySelectorAll('[data-testid="uptime-bars"] .bar')].pop().className`); !strings.Contains(today, "is-up") {
				t.Errorf("today's bar: got class %q, want is-up", today)
			}
			if w := js[int64](t, pub, `document.documentElement.scrollWidth`); w > size.width {
				t.Errorf("public page is %d px wide in a %d px window", w, size.width)
			}
		})
	}
}
