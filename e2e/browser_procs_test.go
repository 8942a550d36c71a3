package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserProcesses opens a host whose real agent reports processes and a service, sorts
// the process table by memory and by name, filters it, opens the process inspector and sees
// the service's state.
func TestBrowserProcesses(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "procs-browser")
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--proc-interval", "1s", "--spool-dir", t.TempDir(),
		"--services", "process:vigil-agent,process:no-such-daemon", "--service-interval", "1s")
	ctx := sizedBrowser(t, 1280, 900)
	signIn(t, ctx, e.url, e.email, e.password)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.url+"/hosts/"+strconv.FormatInt(id, 10)), chromedp.WaitVisible(css("processes"))); err != nil {
		t.Fatalf("open host page: %v", err)
	}
	// The page watches the host live, so the agent sends every process, more than its top 10+10.
	waitJS(t, ctx, "full process table", `document.querySelectorAll('[data-testid="proc-row"]').length > 20`, 20*time.Second)

	// Numbers of a column, in the order shown, parsed back from what the page displays.
	column := func(i int) string {
		return `[...document.querySelectorAll('[data-testid="proc-row"]')].map(r => r.children[` + strconv.Itoa(i) + `].textContent)`
	}
	const unitsToBytes = `(s => { const [n, u] = s.split(" "); return parseFloat(n) * ({B: 1, KiB: 1024, MiB: 1048576, GiB: 1073741824}[u] ?? 0) })`
	// Clicks go through the DOM: the table re-renders every two seconds, and chromedp.Click
	// waits for a node that may be replaced meanwhile.
	click := func(id string) {
		t.Helper()
		waitJS(t, ctx, "click "+id, `(() => { const b = document.querySelector('`+sel(id)+`'); if (!b) return false; b.click(); return true })()`, 5*time.Second)
	}
	click("proc-sort-rss_bytes")
	waitJS(t, ctx, "sorted by memory, largest first",
		`(() => { const v = `+column(4)+`.map(`+unitsToBytes+`); return v.length > 20 && v.every((x, i) => i === 0 || v[i-1] >= x) })()`, 5*time.Second)
	click("proc-sort-name")
	waitJS(t, ctx, "sorted by name A–Z",
		`(() => { const v = `+column(1)+`; return document.querySelector('[data-testid="proc-sort-name"]').closest("th").getAttribute("aria-sort") === "ascending" &&
		  v.every((x, i) => i === 0 || v[i-1].localeCompare(x) <= 0) })()`, 5*time.Second)

	// Filter to the agent itself and open it in the inspector.
	if err := chromedp.Do(ctx, chromedp.SendKeys(css("proc-filter"), "vigil-agent")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "filtered to the agent", `(() => { const r = document.querySelectorAll('[data-testid="proc-row"]');
	  return r.length >= 1 && [...r].every(x => x.textContent.includes("vigil-agent")) })()`, 5*time.Second)
	click("proc-row")
	waitJS(t, ctx, "inspector charts drawn", `!document.querySelector('[data-testid="proc-inspector"]').hidden &&
	  document.querySelector('[data-testid="proc-inspector-title"]').textContent.startsWith("vigil-agent (PID ") &&
	  +document.querySelector('[data-testid="proc-inspector-rss"]').getAttribute("data-points") > 0`, 10*time.Second)
	waitJS(t, ctx, "service states", `(() => { const s = [...document.querySelectorAll('[data-testid="service-row"]')].map(r => r.dataset.name + "=" + r.querySelector('[data-testid="service-state"]').dataset.state).sort().join(",");
	  return s === "no-such-daemon=down,vigil-agent=healthy" })()`, 20*time.Second)
	screenshot(t, ctx, "host-processes")
}
