package alert

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
)

func fp(v float64) *float64 { return &v }

// known is the real agent catalogue, so the defaults are checked against what agents send.
func known(t *testing.T) func(string) bool {
	t.Helper()
	names := map[string]bool{}
	for _, m := range collect.Catalog() {
		names[m.Name] = true
	}
	return func(n string) bool { return names[n] }
}

func validMetricRule() Rule {
	return Rule{ID: "r1", Name: "disk", Kind: KindMetric, Enabled: true, Metric: "fs.used_pct",
		Aggregation: AggAvg, Window: Duration(time.Minute), Comparison: GT, Warning: fp(85), Critical: fp(95)}
}

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Rule)
		fields []string
	}{
		{"valid", func(*Rule) {}, nil},
		{"unknown metric", func(r *Rule) { r.Metric = "cpu.bogus" }, []string{"metric"}},
		{"warning above critical for >", func(r *Rule) { r.Warning = fp(99) }, []string{"warning"}},
		{"warning below critical for <", func(r *Rule) { r.Comparison = LT; r.Warning = fp(5); r.Critical = fp(10) }, []string{"warning"}},
		{"mirror ok for <", func(r *Rule) { r.Comparison = LT; r.Warning = fp(10); r.Critical = fp(5) }, nil},
		{"no thresholds", func(r *Rule) { r.Warning, r.Critical = nil, nil }, []string{"warning"}},
		{"only critical", func(r *Rule) { r.Warning = nil }, nil},
		{"negative for", func(r *Rule) { r.For = Duration(-time.Second) }, []string{"for"}},
		{"negative window", func(r *Rule) { r.Window = Duration(-time.Second) }, []string{"window"}},
		{"negative repeat", func(r *Rule) { r.Repeat = Duration(-time.Minute) }, []string{"repeat"}},
		{"empty name", func(r *Rule) { r.Name = "" }, []string{"name"}},
		{"empty id", func(r *Rule) { r.ID = "" }, []string{"id"}},
		{"bad kind", func(r *Rule) { r.Kind = "weather" }, []string{"kind"}},
		{"bad comparison", func(r *Rule) { r.Comparison = "==" }, []string{"comparison"}},
		{"bad aggregation", func(r *Rule) { r.Aggregation = "p99" }, []string{"aggregation"}},
		{"recovery above threshold", func(r *Rule) { r.Recovery = fp(90) }, []string{"recovery"}},
		{"bad label pattern", func(r *Rule) { r.Scope.Label = "[" }, []string{"scope.label"}},
		{"escalation without channel", func(r *Rule) { r.Routing.EscalateAfter = Duration(time.Hour) }, []string{"routing.escalate_to"}},
		{"host down zero intervals", func(r *Rule) { *r = Rule{ID: "h", Name: "h", Kind: KindHostDown} }, []string{"missed_intervals"}},
		{"two problems", func(r *Rule) { r.Name = ""; r.For = Duration(-1) }, []string{"name", "for"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validMetricRule()
			tt.edit(&r)
			err := r.Validate(known(t))
			if got := Fields(err); !slices.Equal(got, tt.fields) {
				t.Fatalf("got fields %v (err %v), want %v", got, err, tt.fields)
			}
			for _, f := range tt.fields {
				if !strings.Contains(err.Error(), f+": ") {
					t.Errorf("got error %q, want it to name %q", err, f)
				}
			}
		})
	}
}

func TestWindowValidate(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		w     Window
		field string
	}{
		{"one-off", Window{Name: "w", Start: t0, End: t0.Add(time.Hour)}, ""},
		{"recurring", Window{Name: "w", Cron: "0 2 * * 0", Duration: Duration(2 * time.Hour), TimeZone: "Europe/Berlin"}, ""},
		{"cron list range step", Window{Name: "w", Cron: "*/15 1-3,22 1,15 * 1-5", Duration: Duration(time.Hour), TimeZone: "UTC"}, ""},
		{"bad cron fields", Window{Name: "w", Cron: "0 2 * *", Duration: Duration(time.Hour), TimeZone: "UTC"}, "cron"},
		{"bad cron minute", Window{Name: "w", Cron: "61 2 * * *", Duration: Duration(time.Hour), TimeZone: "UTC"}, "cron"},
		{"bad cron step", Window{Name: "w", Cron: "*/0 2 * * *", Duration: Duration(time.Hour), TimeZone: "UTC"}, "cron"},
		{"bad cron word", Window{Name: "w", Cron: "0 two * * *", Duration: Duration(time.Hour), TimeZone: "UTC"}, "cron"},
		{"bad zone", Window{Name: "w", Cron: "0 2 * * *", Duration: Duration(time.Hour), TimeZone: "Mars/Olympus"}, "time_zone"},
		{"negative duration", Window{Name: "w", Cron: "0 2 * * *", Duration: Duration(-time.Hour), TimeZone: "UTC"}, "duration"},
		{"end before start", Window{Name: "w", Start: t0, End: t0.Add(-time.Hour)}, "end"},
		{"no name", Window{Start: t0, End: t0.Add(time.Hour)}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(Fields(tt.w.Validate()), ",")
			if got != tt.field {
				t.Errorf("got fields %q (err %v), want %q", got, tt.w.Validate(), tt.field)
			}
		})
	}
}

func TestDefaultRules(t *testing.T) {
	rules := DefaultRules()
	want := map[string][2]float64{
		"cpu.used_pct": {80, 90}, "load.5": {1.5, 2}, "mem.used_pct": {80, 90}, "swap.used_pct": {60, 90},
		"fs.used_pct": {85, 95}, "fs.inodes_used_pct": {85, 95}, "cpu.iowait_pct": {20, 40},
	}
	for _, r := range rules {
		if err := r.Validate(known(t)); err != nil {
			t.Errorf("default rule %s: got %v, want valid", r.ID, err)
		}
		switch r.Kind {
		case KindHostDown:
			if r.MissedIntervals != 3 {
				t.Errorf("host down: got %d missed intervals, want 3", r.MissedIntervals)
			}
			continue
		case KindCheck, KindServiceDown:
			if r.Severity != SevCritical || !r.Enabled {
				t.Errorf("%s: got severity %q enabled %v, want an enabled critical rule", r.ID, r.Severity, r.Enabled)
			}
			continue
		}
		w, ok := want[r.Metric]
		if !ok {
			t.Errorf("unexpected default rule on %s", r.Metric)
			continue
		}
		delete(want, r.Metric)
		if *r.Warning != w[0] || *r.Critical != w[1] || r.Comparison != GT || r.For.Std() != 5*time.Minute {
			t.Errorf("%s: got %s %g/%g for %s, want > %g/%g for 5m", r.Metric, r.Comparison, *r.Warning, *r.Critical, r.For.Std(), w[0], w[1])
		}
		if got := r.Metric == "load.5"; r.PerCore != got {
			t.Errorf("%s: got per_core %v, want %v", r.Metric, r.PerCore, got)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing default rules for %v", want)
	}
	if DefaultRules()[0].Warning == rules[0].Warning {
		t.Error("got shared threshold pointers between calls, want fresh rules each call")
	}
}
