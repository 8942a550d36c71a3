package alert

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestFiringOn checks the per-host badge against what Active reports for the same host, through
// firing, escalation, resolution, host removal and rule removal (the index must follow each).
func TestFiringOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For = 0
		mem := Rule{ID: "mem", Name: "Memory", Kind: KindMetric, Enabled: true, Metric: "mem.used_pct",
			Aggregation: AggLast, Comparison: GT, Warning: fp(80), Recovery: fp(70)}
		h := newHarness(t, Config{}, r, mem)
		fromActive := func(host string) (int, Severity) {
			n, worst := 0, SevNone
			for _, s := range h.e.Active(time.Now()) {
				if s.Key.HostID == host && s.State == StateFiring {
					n++
					if s.Severity == SevCritical || worst == SevNone {
						worst = s.Severity
					}
				}
			}
			return n, worst
		}
		steps := []struct {
			name  string
			do    func()
			host  string
			n     int
			worst Severity
		}{
			{"nothing yet", func() {}, "h1", 0, SevNone},
			{"memory warning", func() { h.observe("h1", "mem.used_pct", "", 85) }, "h1", 1, SevWarning},
			{"cpu critical on top", func() { h.observe("h1", "cpu.used_pct", "", 95) }, "h1", 2, SevCritical},
			{"another host is separate", func() { h.observe("h2", "cpu.used_pct", "", 85) }, "h1", 2, SevCritical},
			{"the other host", func() {}, "h2", 1, SevWarning},
			{"cpu resolves", func() { h.observe("h1", "cpu.used_pct", "", 10) }, "h1", 1, SevWarning},
			{"host removed", func() { h.e.RemoveHost("h1") }, "h1", 0, SevNone},
			{"memory fires again", func() { h.observe("h1", "mem.used_pct", "", 90) }, "h1", 1, SevWarning},
			{"memory rule removed", func() {
				if err := h.e.SetRules([]Rule{r}, nil); err != nil {
					t.Fatal(err)
				}
			}, "h1", 0, SevNone},
		}
		for _, s := range steps {
			s.do()
			n, worst := h.e.FiringOn(s.host)
			an, aworst := fromActive(s.host)
			if n != s.n || worst != s.worst || n != an || worst != aworst {
				t.Errorf("%s: FiringOn(%s) = %d %q, Active says %d %q, want %d %q", s.name, s.host, n, worst, an, aworst, s.n, s.worst)
			}
		}
	})
}
