package main

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestSoak runs 200 agents reporting every second (200 snapshots/s, 29,600 values/s) for 60 s
// (VIGIL_SOAK=10m for the full length) and samples the hub's heap in use, goroutines and RSS
// every 5 s. After the ramp and a 10 s warm-up, the median of the last third of the samples
// must not exceed the median of the first third by more than 25 % + 16 MB (heap, RSS), or by
// more than 10 goroutines: a leak per snapshot, per connection or per flush shows as growth.
func TestSoak(t *testing.T) {
	const n = 200
	length := envDuration(t, "VIGIL_SOAK", 60*time.Second)
	data := t.TempDir()
	tokens := prepareHosts(t, data, n)
	h := startHubProc(t, data, "127.0.0.1:0")
	cfg := loadConfig(h.url, h.pid(), n, time.Second, 2*time.Second, length)
	cfg.report = 30 * time.Second

	type point struct {
		at               time.Duration
		heap, rss, gorts float64
	}
	var (
		mu     sync.Mutex
		points []point
	)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		client := &http.Client{Timeout: 5 * time.Second}
		start := time.Now()
		warm := cfg.ramp + cfg.interval + 10*time.Second
		for sleepCtx(ctx, warm); ctx.Err() == nil; sleepCtx(ctx, 5*time.Second) {
			m := scrapeMetrics(client, h.url)
			p := readProc(h.pid())
			if !m.ok || !p.ok {
				continue
			}
			mu.Lock()
			points = append(points, point{at: time.Since(start), heap: m.heapInuse, rss: float64(p.rss), gorts: m.goroutines})
			mu.Unlock()
		}
	})
	res, err := run(context.Background(), cfg, tokens)
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !res.keepsUp {
		t.Errorf("hub did not keep up during the soak: %s", res.verdict)
	}
	requireClean(t, res)
	if len(points) < 6 {
		t.Fatalf("got %d samples, want ≥ 6", len(points))
	}
	third := len(points) / 3
	median := func(ps []point, f func(point) float64) float64 {
		v := make([]float64, len(ps))
		for i, p := range ps {
			v[i] = f(p)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	first, last := points[:third], points[len(points)-third:]
	for _, c := range []struct {
		name  string
		f     func(point) float64
		slack func(float64) float64
	}{
		{"heap in use", func(p point) float64 { return p.heap }, func(v float64) float64 { return v*1.25 + 16<<20 }},
		{"RSS", func(p point) float64 { return p.rss }, func(v float64) float64 { return v*1.25 + 16<<20 }},
		{"goroutines", func(p point) float64 { return p.gorts }, func(v float64) float64 { return v + 10 }},
	} {
		a, b := median(first, c.f), median(last, c.f)
		t.Logf("%s: first third median %.0f, last third median %.0f", c.name, a, b)
		if b > c.slack(a) {
			t.Errorf("%s grew from %.0f to %.0f over the soak, want flat (≤ %.0f)", c.name, a, b, c.slack(a))
		}
	}
	t.Logf("%d agents for %s: %.1f of %.1f snapshots/s acknowledged, ack p99 %s, hub CPU %.1f %% of one core", n, length, res.ackRate, res.offered, res.p99, res.hubCPU)
}
