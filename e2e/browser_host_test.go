package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// TestBrowserHostPage drives one demo host's page at desktop and phone sizes: live updates, a
// longer range from the rollups, the comparison with yesterday, drag-to-zoom and its reset, and
// the keyboard.
func TestBrowserHostPage(t *testing.T) {
	url, email, password := demoHub(t, "--hosts", "4", "--history", "48h", "--interval", "1s")
	for _, size := range sizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := sizedBrowser(t, size.width, size.height)
			signIn(t, ctx, url, email, password)
			row := sel("host-row") + `:has(a[href]) ` + sel("host-name")
			waitJS(t, ctx, "web-1 listed", `[...document.querySelectorAll('`+row+`')].some(a => a.textContent === "web-1")`, 20*time.Second)
			js[bool](t, ctx, `([...document.querySelectorAll('`+row+`')].find(a => a.textContent === "web-1").click(), true)`)
			points := func() string {
				return js[string](t, ctx, `document.querySelector('[data-testid="chart-cpu"]')?.dataset.points ?? ""`)
			}

			// Live by default: the CPU chart grows every second.
			waitJS(t, ctx, "live chart", `document.querySelector('[data-testid="chart-cpu"]')?.dataset.points > 0 && document.querySelector('[data-testid="live-toggle"]').getAttribute("aria-pressed") === "true"`, 15*time.Second)
			before := points()
			waitJS(t, ctx, "live update", `document.querySelector('[data-testid="chart-cpu"]').dataset.points !== "`+before+`"`, 5*time.Second)
			if s := js[string](t, ctx, `document.querySelector('[data-testid="host-status-line"]').textContent`); !strings.Contains(s, "Live") {
				t.Errorf("status line: got %q, want it to say Live", s)
			}
			screenshot(t, ctx, "host-live-"+size.name)

			// 24 hours come from the 1-minute rollups (or raw where none are built yet).
			if err := chromedp.Do(ctx, chromedp.Click(css("range-24h"))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "24h range", `document.querySelector('[data-testid="range-24h"]').getAttribute("aria-pressed") === "true" && location.search.includes("range=24h") && document.querySelector('[data-testid="live-toggle"]').getAttribute("aria-pressed") === "false" && document.querySelector('[data-testid="chart-cpu"]').dataset.points > 200`, 10*time.Second)

			// Compare with yesterday: dashed "(previous)" lines with values.
			p24 := points()
			if err := chromedp.Do(ctx, chromedp.Click(css("compare-toggle"))); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "comparison drawn", `location.search.includes("compare=1") && document.querySelector('[data-testid="chart-cpu"] .u-legend').textContent.includes("(previous)") && +document.querySelector('[data-testid="chart-cpu"]').dataset.points > 1.5 * `+p24, 10*time.Second)
			screenshot(t, ctx, "host-compare-"+size.name)

			// Drag across the CPU chart: every chart zooms to the selected window.
			if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(sel("chart-cpu")+" .u-over"))); err != nil {
				t.Fatal(err)
			}
			box, err := chromedp.Run(ctx, chromedp.Dimensions(chromedp.CSS(sel("chart-cpu")+" .u-over")))
			if err != nil {
				t.Fatal(err)
			}
			q := box.Content
			x0, x1, y := q[0]+(q[2]-q[0])*0.3, q[0]+(q[2]-q[0])*0.6, (q[1]+q[5])/2
			err = chromedp.Do(ctx,
				chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y, chromedp.ButtonLeft),
				chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
			)
			if err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "zoomed", `(() => { const p = new URLSearchParams(location.search); const span = p.get("to") - p.get("from");
				return span > 4*3600e3 && span < 11*3600e3 && !document.querySelector('[data-testid="zoom-reset"]').hidden &&
					![...document.querySelectorAll('[data-range]')].some(b => b.getAttribute("aria-pressed") === "true") })()`, 10*time.Second)
			screenshot(t, ctx, "host-zoomed-"+size.name)

			// Escape resets the zoom; "1" goes back to the live hour.
			if err := chromedp.Do(ctx, chromedp.KeyEvent("\x1b")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "zoom reset", `location.search.includes("range=24h") && !location.search.includes("from=")`, 5*time.Second)
			if err := chromedp.Do(ctx, chromedp.KeyEvent("1")); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "key 1: live hour", `document.querySelector('[data-testid="range-1h"]').getAttribute("aria-pressed") === "true" && document.querySelector('[data-testid="live-toggle"]').getAttribute("aria-pressed") === "true"`, 5*time.Second)
		})
	}
}
