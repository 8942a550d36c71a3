package alerting

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vigil-mon/vigil/internal/meta"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
)

// TestStormAtServiceLevel: 200 hosts, each with an uptime check that depends on it, go down
// at once. The on-call webhook gets a handful of grouped messages covering all 200 hosts and
// nothing about the checks, whose failures are the hosts' fault.
func TestStormAtServiceLevel(t *testing.T) {
	f := newFixture(t, 30*time.Second)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Critical: []string{"hook"}, Warning: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "site-up", Name: "Site up", Kind: alert.KindCheck, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	const n = 200
	hosts := make([]int64, n)
	for i := range hosts {
		hosts[i] = f.host(fmt.Sprintf("web-%03d", i))
	}
	check := func(up bool) {
		for i, h := range hosts {
			f.s.ObserveCheck(f.org, int64(1000+i), &h, "https://web-"+itoa(i)+"/", up, map[bool]string{false: "connection refused"}[up], f.now)
		}
	}
	for range 3 { // healthy: snapshots every 10 s, checks up
		for _, h := range hosts {
			f.snapshot(h, "cpu.used_pct", 10)
		}
		check(true)
		f.step(10 * time.Second)
	}
	f.step(10 * time.Second) // 20 s silent: checks start failing before host-down can fire
	check(false)
	for range 12 { // two minutes of outage, checks failing every 10 s
		f.step(10 * time.Second)
		check(false)
	}
	f.s.Drain(ctx)
	f.s.sending.Wait()
	got, msgs := rcv.events()
	t.Logf("%d alerts in %d messages", len(got), msgs)
	if msgs < 1 || msgs > 3 {
		t.Errorf("got %d messages, want 1–3 grouped", msgs)
	}
	down := 0
	for _, e := range got {
		switch {
		case strings.HasPrefix(e, "firing:default-host-down:"):
			down++
		default:
			t.Errorf("unexpected notification %s", e)
		}
	}
	if down != n {
		t.Errorf("got %d host-down alerts, want %d", down, n)
	}
	if rcv.bad != 0 {
		t.Errorf("%d requests failed signature verification", rcv.bad)
	}
	// The checks' transitions are still in the history (muted, not hidden).
	hist, _ := f.s.cfg.DB.ListAlertEvents(ctx, f.org, metaFilter("site-up", "firing"))
	if len(hist) != 100 { // the page limit; there are 200
		t.Errorf("got %d check firing transitions in history, want a full page of 100", len(hist))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func metaFilter(rule, state string) meta.AlertEventFilter {
	return meta.AlertEventFilter{RuleID: rule, State: state}
}

// TestTagScope: a rule scoped to a tag applies to the hosts carrying it (host tags from the
// store, re-read by the service).
func TestTagScope(t *testing.T) {
	f := newFixture(t, 0)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	crit := 50.0
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "db-cpu", Name: "DB CPU", Kind: alert.KindMetric, Enabled: true, Metric: "cpu.used_pct",
		Aggregation: alert.AggLast, Comparison: alert.GT, Critical: &crit, Scope: alert.Scope{Tags: []string{"db"}},
		Routing: alert.Routing{Critical: []string{"hook"}}}, true); err != nil {
		t.Fatal(err)
	}
	db, web := f.host("db-1"), f.host("web-1")
	tags := []string{"db"}
	if _, err := f.db.UpdateHost(ctx, f.org, db, meta.HostUpdate{Tags: tags}); err != nil {
		t.Fatal(err)
	}
	f.step(time.Minute) // the service re-reads hosts
	f.snapshot(db, "cpu.used_pct", 90)
	f.snapshot(web, "cpu.used_pct", 90)
	f.s.Drain(ctx)
	f.step(time.Second)
	if got, _ := rcv.events(); len(got) != 1 || got[0] != "firing:db-cpu:db-1" {
		t.Errorf("got %v, want only db-1", got)
	}
}

// TestServiceDown: hoststate's service states drive a service_down rule; "unknown" is no
// evidence and "degraded" is not down.
func TestServiceDown(t *testing.T) {
	f := newFixture(t, 0)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "svc", Name: "Service down", Kind: alert.KindServiceDown, Enabled: true,
		Scope: alert.Scope{Label: "systemd:*"}, Routing: alert.Routing{Critical: []string{"hook"}}}, true); err != nil {
		t.Fatal(err)
	}
	h := f.host("web-1")
	for _, state := range []string{"healthy", "unknown", "degraded", "down"} {
		f.snapshot(h, "cpu.used_pct", 1)
		f.s.ObserveService(f.org, h, "systemd:nginx.service", state, "state "+state, f.now)
		f.s.ObserveService(f.org, h, "tcp:5432", "down", "connection refused", f.now) // out of scope
		f.step(time.Second)
	}
	got, _ := rcv.events()
	if len(got) != 1 || got[0] != "firing:svc:web-1" {
		t.Fatalf("got %v, want one firing for nginx", got)
	}
	if rcv.bodies[0].Data.Alerts[0].Reason != "state down" || rcv.bodies[0].Data.Alerts[0].Label != "systemd:nginx.service" {
		t.Errorf("got %+v, want the agent's reason and the service", rcv.bodies[0].Data.Alerts[0])
	}
}
