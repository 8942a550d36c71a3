package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUIBench measures the dashboard against DESIGN.md §8 and issue 8 and writes
// bench/results/ui.md. It starts real demo hubs (1,000 simulated hosts; 3 hosts with 30 days of
// history) and a real Chromium, so it runs only when asked:
//
//	VIGIL_UI_BENCH=1 go test ./e2e/ -run TestUIBench -v -timeout 30m
func TestUIBench(t *testing.T) {
	if os.Getenv("VIGIL_UI_BENCH") != "1" {
		t.Skip("set VIGIL_UI_BENCH=1 to run the UI benchmark")
	}
	load0, _ := os.ReadFile("/proc/loadavg")
	var rows [][4]string // what, figure, budget, verdict
	add := func(what, figure, budget string, ok bool) {
		v := "within budget"
		if !ok {
			v = "**over budget**"
		}
		rows = append(rows, [4]string{what, figure, budget, v})
		t.Logf("%s: %s (budget %s) %s", what, figure, budget, v)
	}

	// 1. Initial JavaScript: the entry chunk and whatever index.html preloads, gzipped.
	index, err := os.ReadFile("../web/dist/index.html")
	if err != nil {
		t.Fatal(err)
	}
	var initial int
	var files []string
	for _, m := range regexp.MustCompile(`(?:src|href)="/(assets/[^"]+\.js)"`).FindAllStringSubmatch(string(index), -1) {
		data, err := os.ReadFile(filepath.Join("../web/dist", m[1]))
		if err != nil {
			t.Fatal(err)
		}
		n := gzipSize(data)
		initial += n
		files = append(files, fmt.Sprintf("%s %.1f KB", m[1], float64(n)/1000))
	}
	add("initial JavaScript, gzipped ("+strings.Join(files, ", ")+")", fmt.Sprintf("%.1f KB", float64(initial)/1000), "≤ 150 KB", initial <= 150_000)
	lazy, _ := filepath.Glob("../web/dist/assets/HostPage-*.js")
	for _, f := range lazy {
		data, _ := os.ReadFile(f)
		rows = append(rows, [4]string{"host page chunk (loaded on demand, with uPlot), gzipped", fmt.Sprintf("%.1f KB", float64(gzipSize(data))/1000), "—", "not initial"})
	}

	// 2. The overview with 1,000 simulated hosts.
	url, email, password := demoHub(t, "--hosts", "1000", "--history", "0", "--interval", "10s")
	ctx := browserFor(t, 1280, 900, 10*time.Minute)
	signIn(t, ctx, url, email, password)
	for i := 0; i < 12 && !js[bool](t, ctx, `document.querySelector('[data-testid="count-all"]')?.textContent === "1,001" && document.querySelector('[data-testid="count-offline"]')?.textContent === "1"`); i++ {
		t.Logf("waiting for 1,000 hosts: %s", js[string](t, ctx, `document.querySelector('[data-testid="host-counts"]')?.textContent ?? "no counts yet"`))
		time.Sleep(5 * time.Second)
	}
	waitJS(t, ctx, "1,000 hosts online", `document.querySelector('[data-testid="count-all"]')?.textContent === "1,001" && +document.querySelector('[data-testid="count-offline"]')?.textContent.replace(",", "") <= 1`, 90*time.Second)
	for _, view := range []string{"table", "cards"} {
		var ready, resort []float64
		for range 7 {
			if err := chromedp.Do(ctx, chromedp.Navigate(url+"/?view="+view)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, "overview ready", `performance.getEntriesByName("vigil:fleet-ready").length > 0`, 20*time.Second)
			ready = append(ready, js[float64](t, ctx, `performance.getEntriesByName("vigil:fleet-ready")[0].startTime`))
			// Interactive: re-sorting all 1,000 hosts and painting the result.
			resort = append(resort, js[float64](t, ctx, `new Promise(res => { const s = document.querySelector('[data-testid="sort-select"]'); const t0 = performance.now();
				s.value = s.value === "cpu" ? "name" : "cpu"; s.dispatchEvent(new Event("change"));
				requestAnimationFrame(() => requestAnimationFrame(() => res(performance.now() - t0))); })`))
		}
		r, s := median(ready), median(resort)
		add(fmt.Sprintf("overview, 1,001 hosts, %s view: navigation start → rows drawn (median of 7 loads)", view), fmt.Sprintf("%.0f ms", r), "≤ 1 s", r <= 1000)
		add(fmt.Sprintf("overview, 1,001 hosts, %s view: re-sort all and paint (median of 7)", view), fmt.Sprintf("%.0f ms", s), "≤ 1 s (interactive)", s <= 1000)
		if view == "table" {
			rows = append(rows, [4]string{"rows in the DOM with 1,001 hosts (windowed)", fmt.Sprint(js[int](t, ctx, `document.querySelectorAll('[data-testid="host-row"]').length`)), "—", ""})
		}
	}
	screenshot(t, ctx, "bench-overview-1000")

	// 3. A host page with 30 days of history, and live latency from the local agent.
	url2, email2, password2 := demoHub(t, "--hosts", "3", "--history", "720h", "--interval", "10s")
	ctx2 := browserFor(t, 1280, 900, 10*time.Minute)
	signIn(t, ctx2, url2, email2, password2)
	id := js[int](t, ctx2, `fetch("/api/v1/hosts").then(r => r.json()).then(d => d.hosts.find(h => h.name === "web-1").id)`)
	local := js[int](t, ctx2, `fetch("/api/v1/hosts").then(r => r.json()).then(d => d.hosts.find(h => h.agent_version !== "demo").id)`)
	// The demo rolls its backfill up once the hub has acknowledged it; wait for the hourly tier.
	waitJS(t, ctx2, "30 days rolled up", fmt.Sprintf(`fetch("/api/v1/hosts/%d/series?names=cpu.used_pct&step=3600000&from=" + (Date.now() - 30*864e5) + "&to=" + Date.now()).then(r => r.json()).then(d => d.tier === "1h" && d.series[0].values.filter(v => v !== null).length > 300)`, id), 180*time.Second)
	var host []float64
	for range 7 {
		if err := chromedp.Do(ctx2, chromedp.Navigate(fmt.Sprintf("%s/hosts/%d?range=30d", url2, id))); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx2, "host page rendered", `performance.getEntriesByName("vigil:host-rendered").length > 0`, 20*time.Second)
		host = append(host, js[float64](t, ctx2, `performance.getEntriesByName("vigil:host-rendered")[0].startTime`))
	}
	points := js[string](t, ctx2, `document.querySelector('[data-testid="chart-cpu"]').dataset.points`)
	screenshot(t, ctx2, "bench-host-30d")
	h := median(host)
	add("host page, 30 days (6 charts, "+points+" CPU points, hourly tier): navigation start → charts drawn (median of 7)", fmt.Sprintf("%.0f ms", h), "≤ 1 s", h <= 1000)

	if err := chromedp.Do(ctx2, chromedp.Navigate(fmt.Sprintf("%s/hosts/%d", url2, local))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Second) // about 40 live snapshots at 1 s
	lat := js[[]float64](t, ctx2, `performance.getEntriesByName("vigil:live-painted").map(m => m.detail.painted - m.detail.sample)`)
	if len(lat) < 10 {
		t.Fatalf("only %d live values painted in 40 s", len(lat))
	}
	slices.Sort(lat)
	p50, p95 := lat[len(lat)/2], lat[len(lat)*95/100]
	add(fmt.Sprintf("live latency, agent sample time → chart drawn (this machine's agent at 1 s, %d values; p50 / p95 / max)", len(lat)), fmt.Sprintf("%.0f / %.0f / %.0f ms", p50, p95, lat[len(lat)-1]), "≤ 100 ms p99 (agent → browser, loopback)", lat[len(lat)*99/100] <= 100)

	load1, _ := os.ReadFile("/proc/loadavg")
	writeUIResults(t, rows, strings.Join(strings.Fields(string(load0))[:3], " "), strings.Join(strings.Fields(string(load1))[:3], " "))
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Len()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func writeUIResults(t *testing.T, rows [][4]string, loadBefore, loadAfter string) {
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	chromium, _ := exec.Command("chromium", "--version").Output()
	var b strings.Builder
	fmt.Fprintf(&b, "# UI benchmark\n\nWritten by `VIGIL_UI_BENCH=1 go test ./e2e/ -run TestUIBench -v -timeout 30m` on %s at commit %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.TrimSpace(string(commit)))
	fmt.Fprintf(&b, "Machine: %d CPUs (%s/%s), %s, headless, 1280×900; hub, demo hosts and browser on the same machine. Load average (1/5/15 min) before: %s, after: %s — other work shares the machine, so figures at a load above the CPU count are pessimistic.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, strings.TrimSpace(string(chromium)), loadBefore, loadAfter)
	b.WriteString("| what | figure | budget | verdict |\n|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r[0], r[1], r[2], r[3])
	}
	b.WriteString("\nHow: times are `performance` marks the app sets (`vigil:fleet-ready` after the first rows are drawn, `vigil:host-rendered` one frame after the charts got their data, `vigil:live-painted` from uPlot's draw hook with the snapshot's agent timestamp), read relative to navigation start. Each load is a full navigation (new document) with the bundle in the HTTP cache.\n")
	if err := os.WriteFile("../bench/results/ui.md", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
