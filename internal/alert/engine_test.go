package alert

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"gopkg.in/yaml.v3"
)

// harness drives an engine inside a synctest bubble: time.Sleep advances the fake clock and
// time.Now() is what the test feeds the engine, which itself never reads the clock.
type harness struct {
	t  *testing.T
	e  *Engine
	ts []Transition
	ns []Notification
}

func newHarness(t *testing.T, cfg Config, rules ...Rule) *harness {
	t.Helper()
	e := NewEngine(cfg)
	if err := e.SetRules(rules, nil); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, e: e}
}

func (h *harness) take(ts []Transition, ns []Notification) {
	h.ts = append(h.ts, ts...)
	h.ns = append(h.ns, ns...)
}

func (h *harness) observe(host, metric, label string, v float64) {
	h.take(h.e.Observe(host, Labels{metric, label}, time.Now(), v))
}

func (h *harness) tick() { h.take(h.e.Tick(time.Now())) }

// path renders the transitions of key k as "ok>pending pending>firing(warning) ...".
func (h *harness) path() string {
	var b []string
	for _, t := range h.ts {
		s := fmt.Sprintf("%s>%s", t.From, t.To)
		if t.Severity != "" && t.To == StateFiring {
			s += "(" + string(t.Severity) + ")"
		}
		b = append(b, s)
	}
	h.ts = nil
	return strings.Join(b, " ")
}

// events renders and clears the notifications as "firing(warning)->[ops] resolved ...".
func (h *harness) events() string {
	var b []string
	for _, n := range h.ns {
		b = append(b, fmt.Sprintf("%s(%s)->%v", n.Event, n.Severity, n.Channels))
	}
	h.ns = nil
	return strings.Join(b, " ")
}

func (h *harness) want(gotPath, wantPath, gotEvents, wantEvents string) {
	h.t.Helper()
	if gotPath != wantPath {
		h.t.Errorf("transitions: got %q, want %q", gotPath, wantPath)
	}
	if gotEvents != wantEvents {
		h.t.Errorf("notifications: got %q, want %q", gotEvents, wantEvents)
	}
}

func cpuRule() Rule {
	return Rule{ID: "cpu", Name: "CPU", Kind: KindMetric, Enabled: true, Metric: "cpu.used_pct",
		Aggregation: AggLast, Comparison: GT, Warning: fp(80), Critical: fp(90), Recovery: fp(70),
		For: Duration(time.Minute), Routing: Routing{Warning: []string{"chat"}, Critical: []string{"chat", "pager"}}}
}

func TestLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, Config{}, cpuRule())
		step := func(v float64) (string, string) {
			time.Sleep(10 * time.Second)
			h.observe("h1", "cpu.used_pct", "", v)
			h.tick()
			return h.path(), h.events()
		}
		steps := []struct {
			name             string
			v                float64
			path, notified   string
			waitBeforeSample time.Duration
		}{
			{"below threshold stays ok", 50, "", "", 0},
			{"crossing goes pending", 85, "ok>pending", "", 0},
			{"pending that clears goes back to ok", 60, "pending>ok", "", 0},
			{"pending again", 85, "ok>pending", "", 0},
			{"still pending before for", 85, "", "", 40 * time.Second},
			{"held for a minute fires warning", 85, "pending>firing(warning)", "firing(warning)->[chat]", 0},
			{"escalates to critical", 95, "firing>firing(critical)", "escalated(critical)->[chat pager]", 0},
			{"hysteresis holds critical just under 90", 85, "", "", 0},
			{"de-escalates below 90-gap", 79, "firing>firing(warning)", "downgraded(warning)->[chat]", 0},
			{"hysteresis holds warning between 70 and 80", 75, "", "", 0},
			{"recovers below 70: resolved then ok on tick", 65, "firing>resolved resolved>ok", "resolved(warning)->[chat]", 0},
		}
		for _, s := range steps {
			time.Sleep(s.waitBeforeSample)
			gotPath, gotNotified := step(s.v)
			if gotPath != s.path || gotNotified != s.notified {
				t.Errorf("%s: got %q / %q, want %q / %q", s.name, gotPath, gotNotified, s.path, s.notified)
			}
		}
	})
}

func TestForZeroFiresAtOnceAndResolvedRetriggers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For = 0
		h := newHarness(t, Config{}, r)
		h.observe("h1", "cpu.used_pct", "", 95)
		h.want(h.path(), "ok>pending pending>firing(critical)", h.events(), "firing(critical)->[chat pager]")
		h.observe("h1", "cpu.used_pct", "", 10)
		h.observe("h1", "cpu.used_pct", "", 85)
		h.want(h.path(), "firing>resolved resolved>pending pending>firing(warning)", h.events(), "resolved(critical)->[chat pager] firing(warning)->[chat]")
	})
}

func TestAggregationOverWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tests := []struct {
			agg  Aggregation
			want string
		}{{AggAvg, "ok>pending"}, {AggMax, "ok>pending"}, {AggMin, ""}, {AggLast, "ok>pending pending>ok"}}
		for _, tt := range tests {
			r := cpuRule()
			r.Aggregation, r.Window = tt.agg, Duration(time.Minute)
			h := newHarness(t, Config{}, r)
			for _, v := range []float64{50, 100, 100, 79} { // avg 82.25, max 100, min 50, last 79
				h.observe("h1", "cpu.used_pct", "", v)
				time.Sleep(10 * time.Second)
			}
			if got := h.path(); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.agg, got, tt.want)
			}
		}
	})
}

func TestScopeAndPerCore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		load := DefaultRules()[1]
		load.For = 0
		disk := DefaultRules()[4]
		disk.For, disk.Aggregation, disk.Scope = 0, AggLast, Scope{Tags: []string{"db"}, Label: "/var/*"}
		h := newHarness(t, Config{}, load, disk)
		h.e.SetHost(Host{ID: "big", Cores: 8, Tags: []string{"db"}})
		h.e.SetHost(Host{ID: "small", Cores: 2})
		h.observe("big", "load.5", "", 10)                // 10 < 8×1.5
		h.observe("small", "load.5", "", 3.5)             // 2×1.5 ≤ 3.5 < 2×2: warning
		h.observe("big", "fs.used_pct", "/", 99)          // label out of scope
		h.observe("small", "fs.used_pct", "/var/lib", 99) // tag out of scope
		h.observe("big", "fs.used_pct", "/var/lib", 99)
		var got []string
		for _, n := range h.ns {
			got = append(got, n.Key.HostID+" "+n.Key.RuleID+" "+n.Key.Label+" "+string(n.Severity))
		}
		want := "small default-load  warning|big default-disk /var/lib critical"
		if strings.Join(got, "|") != want {
			t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
		}
	})
}

func TestFlapping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For, r.Recovery = 0, nil
		h := newHarness(t, Config{FlapWindow: 10 * time.Minute, FlapLimit: 4}, r)
		for range 4 { // 8 changes in 4 minutes
			h.observe("h1", "cpu.used_pct", "", 85)
			time.Sleep(30 * time.Second)
			h.observe("h1", "cpu.used_pct", "", 50)
			time.Sleep(30 * time.Second)
		}
		path := h.path()
		if !strings.Contains(path, "resolved>pending pending>firing(warning)") {
			t.Errorf("got transitions %q, want them recorded while flapping", path)
		}
		if got, want := h.events(), "firing(warning)->[chat] resolved(warning)->[chat] firing(warning)->[chat] resolved(warning)->[chat]"; got != want {
			t.Errorf("notifications before damping: got %q, want %q", got, want)
		}
		flapped := false
		for _, s := range h.e.Active(time.Now()) {
			flapped = flapped || s.Flapping
		}
		if !flapped {
			t.Fatal("got not flapping, want flapping after 8 changes in 4m with limit 4")
		}
		// It settles firing: nothing is sent until the change count in the window falls to 2.
		h.observe("h1", "cpu.used_pct", "", 85)
		h.path()
		for range 20 {
			time.Sleep(30 * time.Second)
			h.observe("h1", "cpu.used_pct", "", 85)
			h.tick()
		}
		if got := strings.Join(reasons(h), "|"); !strings.Contains(got, "flapping stopped, notifications resumed") {
			t.Errorf("got transition reasons %q, want flapping to stop", got)
		}
		if got, want := h.events(), "firing(warning)->[chat]"; got != want {
			t.Errorf("notifications after settling: got %q, want %q (one catch-up)", got, want)
		}
	})
}

func reasons(h *harness) []string {
	var out []string
	for _, t := range h.ts {
		out = append(out, t.Reason)
	}
	return out
}

func TestAckRepeatEscalation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For, r.Repeat = 0, Duration(time.Hour)
		r.Routing.EscalateTo, r.Routing.EscalateAfter = "oncall", Duration(90*time.Minute)
		h := newHarness(t, Config{}, r)
		key := Key{RuleID: "cpu", HostID: "h1"}
		if _, err := h.e.Ack(key, "ann", "", time.Now()); !errors.Is(err, ErrNotFiring) {
			t.Errorf("ack of ok alert: got %v, want ErrNotFiring", err)
		}
		h.observe("h1", "cpu.used_pct", "", 85)
		h.events()
		h.path()
		time.Sleep(time.Hour)
		h.tick()
		h.want(h.path(), "", h.events(), "repeat(warning)->[chat]")
		time.Sleep(30 * time.Minute)
		h.tick()
		h.want(h.path(), "", h.events(), "escalation(warning)->[oncall]")
		time.Sleep(30 * time.Minute)
		h.tick()
		h.want(h.path(), "", h.events(), "repeat(warning)->[chat]")

		tr, err := h.e.Ack(key, "ann", "looking into it", time.Now())
		if err != nil || tr.Actor != "ann" || tr.Comment != "looking into it" || tr.Reason != "acknowledged" {
			t.Fatalf("ack: got %+v, %v, want a transition by ann with her comment", tr, err)
		}
		time.Sleep(3 * time.Hour)
		h.tick()
		h.want(h.path(), "", h.events(), "")
		if st := h.e.Active(time.Now()); len(st) != 1 || st[0].AckedBy != "ann" {
			t.Errorf("got status %+v, want acked by ann", st)
		}
		h.observe("h1", "cpu.used_pct", "", 10)
		h.want(h.path(), "firing>resolved", h.events(), "resolved(warning)->[chat]")
		// A new firing is not acknowledged any more and escalates again.
		h.observe("h1", "cpu.used_pct", "", 85)
		time.Sleep(90 * time.Minute)
		h.tick()
		h.want(h.path(), "resolved>pending pending>firing(warning)", h.events(), "firing(warning)->[chat] repeat(warning)->[chat] escalation(warning)->[oncall]")
	})
}

func TestHostDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, Config{}, DefaultRules()[7])
		h.e.SetHost(Host{ID: "h1", Interval: 10 * time.Second})
		h.take(h.e.Heartbeat("h1", time.Now()))
		time.Sleep(30 * time.Second) // exactly 3 intervals: not yet missed
		h.tick()
		h.want(h.path(), "", h.events(), "")
		time.Sleep(time.Second)
		h.tick()
		h.want(h.path(), "ok>pending pending>firing(critical)", h.events(), "firing(critical)->[]")
		h.observe("h1", "cpu.used_pct", "", 1) // any sample is a sign of life
		h.want(h.path(), "firing>resolved", h.events(), "resolved(critical)->[]")
	})
}

func TestRuleYAMLRoundTrip(t *testing.T) {
	rules := DefaultRules()
	b, err := yaml.Marshal(rules)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "for: 5m0s") {
		t.Errorf("got YAML without readable durations:\n%s", b)
	}
	var back []Rule
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rules) || back[1].For != rules[1].For || *back[1].Critical != 2 || !back[1].PerCore {
		t.Errorf("got %+v after round trip, want %+v", back[1], rules[1])
	}
}
