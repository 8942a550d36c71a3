package demo

import (
	"math"
	"testing"
	"time"
)

// mean of one series (by name and label) over snapshots at the given times of day.
func mean(m *machine, name, label string, day time.Time, hours ...int) float64 {
	idx := -1
	for i, s := range m.series {
		if s.Name == name && s.Label == label {
			idx = i
		}
	}
	sum, n := 0.0, 0
	for _, hr := range hours {
		for min := 0; min < 60; min++ {
			s := m.snapshot(1, day.Add(time.Duration(hr)*time.Hour+time.Duration(min)*time.Minute))
			sum += s.Values[idx].V
			n++
		}
	}
	return sum / float64(n)
}

// TestMachineBehavesLikeAServer checks the simulated personalities: busier afternoons than
// nights, a data disk that fills through the day on the host meant to, and values that fit the
// series dictionary (one per series, rounded to its scale).
func TestMachineBehavesLikeAServer(t *testing.T) {
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		host Host
	}{
		{"plain", Host{Name: "web-1", Seed: 1}},
		{"filling disk", Host{Name: "db-1", Seed: 3, FillingDisk: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(tt.host)
			afternoon := mean(m, "cpu.used_pct", "", day, 14, 15, 16)
			night := mean(m, "cpu.used_pct", "", day, 2, 3, 4)
			if afternoon <= night*1.3 {
				t.Errorf("CPU: afternoon %.1f%%, night %.1f%%; want a clear daily cycle", afternoon, night)
			}
			morning := mean(m, "fs.used_pct", "/data", day, 1)
			evening := mean(m, "fs.used_pct", "/data", day, 22)
			if tt.host.FillingDisk != (evening > morning+10) {
				t.Errorf("/data: %.1f%% at 01:00, %.1f%% at 22:00; filling=%v", morning, evening, tt.host.FillingDisk)
			}
			s := m.snapshot(7, day)
			if len(s.Values) != len(m.series) || s.Seq != 7 || s.TimeMs != day.UnixMilli() {
				t.Fatalf("snapshot: %d values for %d series, seq %d, time %d", len(s.Values), len(m.series), s.Seq, s.TimeMs)
			}
			for i, v := range s.Values {
				p := math.Pow10(int(m.series[i].Scale))
				if v.ID != uint32(i) || math.Abs(v.V*p-math.Round(v.V*p)) > 1e-6 || math.IsNaN(v.V) {
					t.Errorf("value %d (%s): id %d, %v not rounded to scale %d", i, m.series[i].Name, v.ID, v.V, m.series[i].Scale)
				}
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	for _, tt := range []struct {
		name       string
		in         Config
		hosts      int
		step       time.Duration
		spread     time.Duration
		hasHistory bool
	}{
		{"day of history at 1 min", Config{}, 12, time.Minute, 600 * time.Millisecond, true},
		{"a month at 5 min", Config{History: 720 * time.Hour}, 3, 5 * time.Minute, 150 * time.Millisecond, true},
		{"a thousand hosts connect over 10 s", Config{History: -1}, 1000, time.Minute, 10 * time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			c.defaults(tt.hosts)
			if c.Step != tt.step || c.Spread != tt.spread || (c.History > 0) != tt.hasHistory || c.Interval != 10*time.Second {
				t.Errorf("got step %s spread %s history %s interval %s, want %s %s", c.Step, c.Spread, c.History, c.Interval, tt.step, tt.spread)
			}
		})
	}
}
