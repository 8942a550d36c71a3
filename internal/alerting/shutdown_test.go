package alerting

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
)

// TestShutdownKeepsLastTransitions: transitions produced just before the hub stops are in
// the history, and their alerts are firing, after a restart. Each round queues a burst of
// check failures and then stops a running service; Run then sees both its stop signal and
// the queued work ready at once and picks either, so over eight rounds a service that
// drained the queue with the cancelled context (losing it with "context canceled") fails
// this test with probability 1 − 2⁻⁸.
func TestShutdownKeepsLastTransitions(t *testing.T) {
	f := newFixture(t, 0)
	bg := context.Background()
	if _, err := f.s.PutRule(bg, f.org, alert.Rule{ID: "site-up", Name: "Site up", Kind: alert.KindCheck, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	const rounds, perRound = 8, 50
	for r := range rounds {
		s := f.service(0) // a restarted hub: state and history come from the store
		if got := firing(t, s, f.org); got != r*perRound {
			t.Fatalf("round %d: got %d firing alerts after restart, want %d", r, got, r*perRound)
		}
		for i := range perRound {
			s.ObserveCheck(f.org, int64(r*perRound+i), nil, fmt.Sprintf("https://site-%d-%d/", r, i), false, "connection refused", f.now)
		}
		ctx, stop := context.WithCancel(bg)
		stop()
		s.Run(ctx) // returns after its shutdown
		f.now = f.now.Add(time.Second)
	}
	hist, err := f.db.ListAlertEvents(bg, f.org, meta.AlertEventFilter{RuleID: "site-up", State: "firing", Limit: 1000})
	if err != nil || len(hist) != rounds*perRound {
		t.Errorf("got %d firing transitions in history (%v), want %d", len(hist), err, rounds*perRound)
	}
	if got := firing(t, f.service(0), f.org); got != rounds*perRound {
		t.Errorf("got %d firing alerts after the last restart, want %d", got, rounds*perRound)
	}
}

// TestHistoryKeptWhenWriteFails: an acknowledgement whose request is cancelled while its
// history entry is written still reaches the history at the next step, once, in order.
func TestHistoryKeptWhenWriteFails(t *testing.T) {
	f := newFixture(t, 0)
	bg := context.Background()
	if _, err := f.s.PutRule(bg, f.org, alert.Rule{ID: "site-up", Name: "Site up", Kind: alert.KindCheck, Enabled: true}, true); err != nil {
		t.Fatal(err)
	}
	f.s.ObserveCheck(f.org, 1, nil, "https://site/", false, "connection refused", f.now)
	f.step(time.Second)
	gone, cancel := context.WithCancel(bg)
	cancel()
	k := alert.Key{RuleID: "site-up", Label: "https://site/"}
	if err := f.s.Ack(gone, f.org, k, "ann@example.com", "on it"); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		hist, err := f.db.ListAlertEvents(bg, f.org, meta.AlertEventFilter{RuleID: "site-up"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range hist {
			if e.Actor == "ann@example.com" && e.Comment == "on it" {
				n++
			}
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("got %d ack entries written with a cancelled context, want 0 (the test needs the write to fail)", n)
	}
	f.step(time.Second)
	f.step(time.Second)
	if n := count(); n != 1 {
		t.Errorf("got %d ack entries after the next steps, want 1", n)
	}
}

// firing counts the firing alerts of the test rule "site-up" (default rules watch checks too).
func firing(t *testing.T, s *Service, org int64) int {
	t.Helper()
	as, err := s.Active(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range as {
		if a.State == alert.StateFiring && a.Key.RuleID == "site-up" {
			n++
		}
	}
	return n
}

// TestHostAlertsChanged: the hub is told a host's firing alerts when they change — first
// firing, severity up, recovery to none — and not again while nothing changes.
func TestHostAlertsChanged(t *testing.T) {
	f := newFixture(t, 0)
	var got []string
	f.s = New(Config{DB: f.db, KnownMetric: knownMetric, Now: func() time.Time { return f.now }, Secrets: f.key,
		HostAlertsChanged: func(org, host int64, a HostAlerts) {
			got = append(got, fmt.Sprintf("%d:%d:%d:%s", org, host, a.Firing, a.Severity))
		}})
	ctx := context.Background()
	if err := f.s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w, c := 2.0, 4.0
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "load", Name: "Load", Kind: alert.KindMetric, Enabled: true, Metric: "load.1",
		Aggregation: alert.AggLast, Comparison: alert.GT, Warning: &w, Critical: &c}, true); err != nil {
		t.Fatal(err)
	}
	h := f.host("web-1")
	for _, v := range []float64{1, 3, 3, 5, 5, 1} {
		f.snapshot(h, "load.1", v)
		f.step(10 * time.Second)
	}
	want := []string{
		fmt.Sprintf("%d:%d:1:warning", f.org, h),
		fmt.Sprintf("%d:%d:1:critical", f.org, h),
		fmt.Sprintf("%d:%d:0:", f.org, h),
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
}
