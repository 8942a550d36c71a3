package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// contrastJS lists every visible piece of text whose WCAG contrast against what is behind it
// is under 4.5:1 (3:1 for large text: 24 px, or 18.66 px bold), and every status graphic
// (dots, meter fills) under 3:1. Colours are resolved by the browser (a 1-pixel canvas turns
// any CSS colour, color-mix included, into sRGB); backgrounds are composited from the root
// down and opacity is applied. Disabled controls are exempt, as WCAG exempts them.
const contrastJS = `(() => {
  const cv = document.createElement("canvas"); cv.width = cv.height = 1;
  const g = cv.getContext("2d", { willReadFrequently: true });
  const rgba = (c) => { g.clearRect(0, 0, 1, 1); g.fillStyle = "rgba(0,0,0,0)"; g.fillStyle = c; g.fillRect(0, 0, 1, 1);
    const d = g.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
  const over = (t, u) => [0, 1, 2].map((i) => t[i] * t[3] + u[i] * (1 - t[3])).concat(1);
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const chain = (el) => { const out = []; for (let e = el; e; e = e.parentElement) out.push(e); return out.reverse(); };
  const bgOf = (el) => { let c = [255, 255, 255, 1]; for (const e of chain(el)) c = over(rgba(getComputedStyle(e).backgroundColor), c); return c; };
  const opacityOf = (el) => chain(el).reduce((o, e) => o * Number(getComputedStyle(e).opacity), 1);
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const exempt = (el) => !!el.closest(":disabled, [aria-disabled='true'], [hidden]");
  const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const fails = new Map();
  for (const el of document.body.querySelectorAll("*")) {
    if (!visible(el) || exempt(el)) continue;
    const cs = getComputedStyle(el);
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join(" ").trim();
    if (text) {
      const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
      const want = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
      const bg = bgOf(el), fg = rgba(cs.color);
      const r = ratio(over([fg[0], fg[1], fg[2], fg[3] * opacityOf(el)], bg), bg);
      const key = name(el) + " " + hex(fg) + " on " + hex(bg);
      if (r < want && !fails.has(key)) fails.set(key, key + " = " + r.toFixed(2) + " (want " + want + "): " + JSON.stringify(text.slice(0, 30)));
    }
    if (el.matches(".dot, .live-dot, .meter-fill")) {
      const fill = rgba(cs.backgroundColor), col = fill[3] > 0 ? fill : rgba(cs.borderTopColor);
      const bg = bgOf(el.parentElement);
      const r = ratio(over([col[0], col[1], col[2], col[3] * opacityOf(el)], bg), bg);
      const key = name(el) + " " + hex(col) + " on " + hex(bg);
      if (r < 3 && !fails.has(key)) fails.set(key, key + " = " + r.toFixed(2) + " (want 3, graphic)");
    }
  }
  return [...fails.values()];
})()`

// TestBrowserPhoneAndContrast runs on a small demo fleet. On a phone with touch, a finger
// dragged sideways across a chart zooms every chart to the window (uPlot alone only selects
// with a mouse). Then, in the light and the dark theme, every visible text and status graphic
// of the overview (table and cards), a host page and the alerts pages meets WCAG contrast.
func TestBrowserPhoneAndContrast(t *testing.T) {
	url, email, password := demoHub(t, "--hosts", "4", "--history", "26h", "--interval", "2s")

	t.Run("touch-zoom", func(t *testing.T) {
		ctx := sizedBrowser(t, 375, 812)
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 1})
			return err
		})); err != nil {
			t.Fatal(err)
		}
		signIn(t, ctx, url, email, password)
		link := sel("host-row") + ` a[href^="/hosts/"], ` + sel("host-card") + ` a[href^="/hosts/"]`
		waitJS(t, ctx, "a host listed", `!!document.querySelector('`+link+`')`, 20*time.Second)
		href := js[string](t, ctx, `document.querySelector('`+link+`').getAttribute("href")`)
		over := chromedp.CSS(sel("chart-cpu") + " .u-over")
		if err := chromedp.Do(ctx, chromedp.Navigate(url+href+"?range=24h"), chromedp.WaitVisible(over)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "24 h drawn", `document.querySelector('[data-testid="chart-cpu"]')?.dataset.points > 100`, 15*time.Second)
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(over)); err != nil {
			t.Fatal(err)
		}
		box, err := chromedp.Run(ctx, chromedp.Dimensions(over))
		if err != nil {
			t.Fatal(err)
		}
		q := box.Content
		x0, x1, y := q[0]+(q[2]-q[0])*0.3, q[0]+(q[2]-q[0])*0.6, (q[1]+q[5])/2
		touch := func(typ input.DispatchTouchEventType, x float64) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				pts := []*input.TouchPoint{}
				if typ != input.DispatchTouchEventTypeTouchEnd {
					pts = append(pts, &input.TouchPoint{X: x, Y: y})
				}
				_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
				return err
			})
		}
		if err := chromedp.Do(ctx, touch(input.DispatchTouchEventTypeTouchStart, x0), touch(input.DispatchTouchEventTypeTouchMove, x0+4), touch(input.DispatchTouchEventTypeTouchMove, (x0+x1)/2),
			touch(input.DispatchTouchEventTypeTouchMove, x1), touch(input.DispatchTouchEventTypeTouchEnd, x1)); err != nil {
			t.Fatal(err)
		}
		// 30 % to 60 % of a day: about 7 h.
		waitJS(t, ctx, "zoomed by touch", `(() => { const p = new URLSearchParams(location.search); const span = p.get("to") - p.get("from");
			return span > 4*3600e3 && span < 11*3600e3 && !document.querySelector('[data-testid="zoom-reset"]').hidden })()`, 10*time.Second)
		screenshot(t, ctx, "host-touch-zoomed-phone")
	})

	t.Run("contrast", func(t *testing.T) {
		ctx := sizedBrowser(t, 1280, 900)
		signIn(t, ctx, url, email, password)
		link := sel("host-row") + ` a[href^="/hosts/"]`
		waitJS(t, ctx, "hosts listed", `document.querySelectorAll('`+link+`').length >= 4`, 20*time.Second)
		href := js[string](t, ctx, `document.querySelector('`+link+`').getAttribute("href")`)
		// Each page is checked once what it shows has arrived (ready); history and rules pages
		// are tables in the same styles as these.
		pages := []struct{ path, ready string }{
			{"/", `document.querySelectorAll('[data-testid="host-row"]').length >= 4`},
			{"/?view=cards", `document.querySelectorAll('[data-testid="host-card"]').length >= 4`},
			{href + "?range=24h", `document.querySelector('[data-testid="chart-cpu"]')?.dataset.points > 0`},
			{"/alerts/active", `!!document.querySelector('[data-testid="alerts-table"], .state:not(:has(.spinner))') && !document.body.textContent.includes("Loading")`},
		}
		var all []string
		for _, theme := range []string{"light", "dark"} {
			js[bool](t, ctx, `(localStorage.setItem("vigil-theme", "`+theme+`"), true)`)
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(url+p.path)); err != nil {
					t.Fatalf("%s: %v", p.path, err)
				}
				waitJS(t, ctx, p.path+" ready in the "+theme+" theme", `document.documentElement.dataset.theme === "`+theme+`" && `+p.ready, 15*time.Second)
				for _, f := range js[[]string](t, ctx, contrastJS) {
					all = append(all, fmt.Sprintf("%s %s: %s", theme, p.path, f))
				}
			}
			screenshot(t, ctx, "contrast-"+theme)
		}
		if len(all) > 0 {
			t.Errorf("%d contrast failures:\n%s", len(all), strings.Join(all, "\n"))
		}
	})
}
