package alert

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

func checkRule() Rule {
	return Rule{ID: "http", Name: "HTTP check", Kind: KindCheck, Enabled: true, For: Duration(time.Minute),
		Routing: Routing{Critical: []string{"chat"}}}
}

func hostDownRule() Rule {
	r := DefaultRules()[7]
	r.Routing = Routing{Critical: []string{"chat", "email"}}
	return r
}

// TestStorm: 200 hosts go silent at once while each one's HTTP check and service fail.
// The grouper turns 200 host-down alerts into one message per channel, and the dependent
// checks and services send nothing, neither while held nor after the hosts come back.
func TestStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		svc := Rule{ID: "svc", Name: "nginx", Kind: KindServiceDown, Enabled: true, Routing: Routing{Critical: []string{"chat"}}}
		h := newHarness(t, Config{}, hostDownRule(), checkRule(), svc)
		g := NewGrouper(30 * time.Second)
		var batches []Batch
		run := func() {
			h.tick()
			g.Add(time.Now(), h.ns...)
			h.ns = nil
			batches = append(batches, g.Due(time.Now())...)
		}
		hosts := make([]string, 200)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("h%03d", i)
			h.e.SetHost(Host{ID: hosts[i], Interval: 10 * time.Second})
			h.observe(hosts[i], MetricServiceUp, "nginx", 1)
			h.observe(hosts[i], MetricCheckUp, "https://"+hosts[i], 1)
		}
		run()
		time.Sleep(5 * time.Second)
		for _, id := range hosts { // the checker sees them fail before host-down can
			h.observe(id, MetricCheckUp, "https://"+id, 0)
		}
		for range 30 { // five minutes of ticks every 10 s while the hosts are dead
			time.Sleep(10 * time.Second)
			for _, id := range hosts {
				h.observe(id, MetricCheckUp, "https://"+id, 0)
			}
			run()
		}
		if len(batches) != 2 {
			for _, b := range batches {
				t.Logf("batch %q: %d, first %+v", b.Channel, len(b.Notifications), b.Notifications[0])
			}
			t.Fatalf("got %d batches, want 2 (one per channel)", len(batches))
		}
		for _, b := range batches {
			if len(b.Notifications) != 200 {
				t.Errorf("batch %q: got %d notifications, want 200", b.Channel, len(b.Notifications))
			}
			for _, n := range b.Notifications {
				if n.Key.RuleID != "default-host-down" {
					t.Fatalf("got a %s notification, want only host down", n.Key.RuleID)
				}
			}
		}
		if got, want := batches[0].Summary(), "200 firing: Host down"; got != want {
			t.Errorf("summary: got %q, want %q", got, want)
		}
		// The hosts return and their checks recover: 200 resolutions, grouped, nothing else.
		batches = nil
		for _, id := range hosts {
			h.take(h.e.Heartbeat(id, time.Now()))
			h.observe(id, MetricCheckUp, "https://"+id, 1)
		}
		for range 4 {
			time.Sleep(10 * time.Second)
			for _, id := range hosts {
				h.take(h.e.Heartbeat(id, time.Now()))
			}
			run()
		}
		if len(batches) != 2 || len(batches[0].Notifications) != 200 || batches[0].Notifications[0].Event != EventResolved {
			t.Errorf("after recovery: got %d batches, want 2 of 200 resolutions", len(batches))
		}
	})
}

// TestDependencyReleasesWhenHostAlive: a check failing on a host that is alive notifies once
// its For has passed; while the host's data is late it is held.
func TestDependencyReleasesWhenHostAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, Config{}, hostDownRule(), checkRule())
		h.e.SetHost(Host{ID: "web", Interval: 10 * time.Second})
		h.take(h.e.Heartbeat("web", time.Now()))
		h.observe("web", MetricCheckUp, "https://web", 0)
		for range 6 {
			time.Sleep(10 * time.Second)
			h.take(h.e.Heartbeat("web", time.Now()))
			h.observe("web", MetricCheckUp, "https://web", 0)
			h.tick()
		}
		h.want(h.path(), "ok>pending pending>firing(critical)", h.events(), "firing(critical)->[chat]")
		h.observe("web", MetricCheckUp, "https://web", 1)
		h.want(h.path(), "firing>resolved", h.events(), "resolved(critical)->[chat]")
	})
}

func TestGrouperWindow(t *testing.T) {
	g := NewGrouper(30 * time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := func(host string, chans ...string) Notification {
		return Notification{Key: Key{RuleID: "r", HostID: host}, RuleName: "R", Event: EventFiring, Channels: chans}
	}
	g.Add(t0, n("a", "chat"), n("b", "chat", "email"), n("c"))
	g.Add(t0.Add(20*time.Second), n("d", "chat"))
	if got := g.Due(t0.Add(29 * time.Second)); len(got) != 0 {
		t.Errorf("before the window: got %d batches, want 0", len(got))
	}
	got := g.Due(t0.Add(30 * time.Second))
	var sizes []string
	for _, b := range got {
		sizes = append(sizes, fmt.Sprintf("%q:%d", b.Channel, len(b.Notifications)))
	}
	if fmt.Sprint(sizes) != `["":1 "chat":3 "email":1]` {
		t.Errorf("got batches %v, want [\"\":1 \"chat\":3 \"email\":1]", sizes)
	}
	g.Add(t0.Add(31*time.Second), n("e", "chat"))
	if got := g.Flush(); len(got) != 1 || len(got[0].Notifications) != 1 {
		t.Errorf("flush: got %v, want one batch of one", got)
	}
}
