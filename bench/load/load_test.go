package main

import (
	"context"
	"testing"
	"time"
)

// TestShortLoad is the CI-sized load test: 500 simulated agents at a 5 s interval (100
// snapshots/s, 14,800 values/s) against a fresh hub for a 10 s window. The hub must keep up
// (every agent connected, ≥ 95 % of offered snapshots acknowledged, ack p99 < 1 s) with no
// error on any agent. VIGIL_LOAD_AGENTS and VIGIL_LOAD_DURATION make it bigger.
func TestShortLoad(t *testing.T) {
	n := envInt(t, "VIGIL_LOAD_AGENTS", 500)
	window := envDuration(t, "VIGIL_LOAD_DURATION", 10*time.Second)
	data := t.TempDir()
	tokens := prepareHosts(t, data, n)
	hub := startHubProc(t, data, "127.0.0.1:0")
	cfg := loadConfig(hub.url, hub.pid(), n, 5*time.Second, 3*time.Second, window)
	res, err := run(context.Background(), cfg, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if !res.keepsUp {
		t.Errorf("hub did not keep up with %d agents: %s", n, res.verdict)
	}
	requireClean(t, res)
	t.Logf("%d agents: %.1f of %.1f snapshots/s acknowledged, ack p99 %s, hub CPU %.1f %% of one core, RSS %d MB",
		n, res.ackRate, res.offered, res.p99, res.hubCPU, res.hubRSS>>20)
}
