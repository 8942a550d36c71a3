package e2e

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserRemoteProbes creates a check that runs on the hub and on an agent in the browser:
// the form offers only the agent started with --probes, a quorum above the locations is
// refused under the quorum field, and the check page shows each location's state and response
// time — the hub's location down (the target fails it) while the check stays up — and the
// storage page lists the check's stored series.
func TestBrowserRemoteProbes(t *testing.T) {
	target := &probeTarget{fail: map[string]bool{"hub": true}, calls: map[string]int{}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	e := startHub(t)
	idA, tokA := e.addHost(t, "probe-a")
	idC, tokC := e.addHost(t, "plain-c")
	start(t, "vigil-agent", "--hub", e.url, "--token", tokA, "--spool-dir", "-", "--procs=false", "--probes")
	start(t, "vigil-agent", "--hub", e.url, "--token", tokC, "--spool-dir", "-", "--procs=false")
	waitDesc(t, "both agents' hellos recorded", 30*time.Second, func() (bool, string) {
		var hosts struct {
			Hosts []struct {
				Facts map[string]any `json:"facts"`
			} `json:"hosts"`
		}
		e.get(t, "/api/v1/hosts", &hosts)
		n := 0
		for _, h := range hosts.Hosts {
			if _, ok := h.Facts["probes"]; ok {
				n++
			}
		}
		return n == 2, fmt.Sprint(hosts)
	})

	ctx := sizedBrowser(t, 1280, 900)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			screenshot(t, ctx, "probes-"+name+"-failed")
			t.Fatalf("%s: %v", name, err)
		}
		screenshot(t, ctx, "probes-"+name)
	}
	signIn(t, ctx, e.url, e.email, e.password)
	hostBox := fmt.Sprintf("check-loc-host-%d", idA)
	step("form",
		chromedp.Navigate(e.url+"/checks/new"),
		chromedp.WaitVisible(css(hostBox)),
		chromedp.SendKeys(css("check-name"), "Shop from two places"),
		chromedp.SendKeys(css("check-url"), srv.URL+"/"),
		chromedp.Click(css(hostBox)),
		chromedp.SendKeys(css("check-quorum"), "5"),
		chromedp.Click(css("check-save")),
	)
	if js[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('[data-testid="check-loc-host-%d"]')`, idC)) {
		t.Error("the form offers the agent that was started without --probes")
	}
	waitJS(t, ctx, "quorum error", `document.getElementById("loc-quorum-err")?.textContent.includes("quorum")`, 10*time.Second)
	step("save",
		chromedp.SetValue(css("check-quorum"), ""),
		chromedp.Click(css("check-save")),
		chromedp.WaitVisible(css("check-page")),
	)
	// Wait through the API until the agent's result arrived, then load the page once: reloading
	// in a loop can outrun a slow page on a loaded machine.
	loc := js[string](t, ctx, `location.pathname`) // /checks/{id}
	waitDesc(t, "hub down and the agent up, by the API", 45*time.Second, func() (bool, string) {
		var v probeCheckView
		e.get(t, "/api/v1"+loc, &v)
		return v.states() == fmt.Sprintf("up | hub=down host:%d=up", idA), v.states()
	})
	step("locations",
		chromedp.Navigate(e.url+loc),
		chromedp.WaitVisible(`[data-testid="location-row"][data-location="hub"][data-state="down"]`),
		chromedp.WaitVisible(fmt.Sprintf(`[data-testid="location-row"][data-location="host:%d"][data-state="up"]`, idA)),
	)
	screenshot(t, ctx, "probes-locations")
	resp := js[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-testid="location-row"][data-location="host:%d"] [data-testid="location-response"]').textContent`, idA))
	if !strings.HasSuffix(resp, " ms") {
		t.Errorf("agent's response time: got %q, want a value in ms", resp)
	}
	if st := js[string](t, ctx, `document.querySelector('.page-title [data-testid="check-state"]').dataset.state`); st != "up" {
		t.Errorf("check state with one of two locations down (majority 2): got %q, want up", st)
	}
	// The storage page counts the check's series beside the hosts'.
	step("storage",
		chromedp.Navigate(e.url+"/settings/storage"),
		chromedp.WaitVisible(css("storage-check-row")),
	)
	if name := js[string](t, ctx, `document.querySelector('[data-testid="storage-check-row"] a').textContent`); name != "Shop from two places" {
		t.Errorf("storage page check row: got %q", name)
	}
}
