package alert

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestRecurringWindowAcrossDST(t *testing.T) {
	// Daily 02:00–04:00 in New York; local 02:00 is 07:00 UTC in winter and 06:00 UTC in
	// summer. On 2025-03-09 02:00 does not exist (spring forward); on 2025-11-02 01:00
	// happens twice (fall back) and a 01:00 start counts once.
	nightly := Window{Name: "nightly", Cron: "0 2 * * *", Duration: Duration(2 * time.Hour), TimeZone: "America/New_York"}
	fallback := Window{Name: "fallback", Cron: "0 1 * * *", Duration: Duration(30 * time.Minute), TimeZone: "America/New_York"}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		w    Window
		at   string
		want bool
	}{
		{"winter start", nightly, "2025-01-15T07:00:00Z", true},
		{"winter before", nightly, "2025-01-15T06:59:00Z", false},
		{"winter last minute", nightly, "2025-01-15T08:59:00Z", true},
		{"winter end", nightly, "2025-01-15T09:00:00Z", false},
		{"summer start follows local time", nightly, "2025-07-15T06:00:00Z", true},
		{"summer end", nightly, "2025-07-15T08:00:00Z", false},
		{"spring-forward day: 02:00 never happens", nightly, "2025-03-09T07:30:00Z", false},
		{"day after spring forward", nightly, "2025-03-10T06:30:00Z", true},
		{"fall back: first 01:00 (EDT)", fallback, "2025-11-02T05:10:00Z", true},
		{"fall back: second 01:00 (EST) is not a new start", fallback, "2025-11-02T06:10:00Z", false},
		{"Sunday-only cron on a Monday", Window{Name: "w", Cron: "0 2 * * 0", Duration: Duration(time.Hour), TimeZone: "UTC"}, "2025-01-13T02:30:00Z", false},
		{"Sunday as 7", Window{Name: "w", Cron: "0 2 * * 7", Duration: Duration(time.Hour), TimeZone: "UTC"}, "2025-01-12T02:30:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := compileWindow(tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.active(utc(tt.at)); got != tt.want {
				t.Errorf("active at %s (%s local): got %v, want %v", tt.at, utc(tt.at).In(c.loc).Format("Jan 2 15:04 MST"), got, tt.want)
			}
		})
	}
}

func TestSilenceAndMaintenanceHoldNotifications(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For = 0
		other := cpuRule()
		other.ID, other.Metric, other.For = "mem", "mem.used_pct", 0
		h := newHarness(t, Config{}, r, other)
		h.e.SetHost(Host{ID: "db1", Tags: []string{"db"}})
		now := time.Now()
		// A one-off silence on rule cpu for an hour, and a daily maintenance window for tag db
		// starting at 01:00 UTC (the bubble starts at midnight).
		err := h.e.SetWindows([]Window{
			{ID: "s1", Name: "deploy", Rules: []string{"cpu"}, Start: now, End: now.Add(time.Hour), CreatedBy: "ann"},
			{ID: "m1", Name: "backup", Tags: []string{"db"}, Cron: "0 1 * * *", Duration: Duration(time.Hour), TimeZone: "UTC"},
		})
		if err != nil {
			t.Fatal(err)
		}
		h.observe("db1", "cpu.used_pct", "", 95)
		h.observe("db1", "mem.used_pct", "", 95)
		h.want(h.path(), "ok>pending pending>firing(critical) ok>pending pending>firing(critical)", h.events(), "firing(critical)->[chat pager]")
		if st := h.e.Active(now); !st[0].Muted || st[1].Muted {
			t.Errorf("got muted %v/%v, want cpu muted, mem not", st[0].Muted, st[1].Muted)
		}
		time.Sleep(59 * time.Minute)
		h.tick()
		h.want(h.path(), "", h.events(), "")
		time.Sleep(time.Minute) // silence over but maintenance begins: cpu stays held, mem resolves held
		h.tick()
		h.observe("db1", "mem.used_pct", "", 10)
		h.tick()
		h.want(h.path(), "firing>resolved resolved>ok", h.events(), "")
		time.Sleep(time.Hour) // maintenance over: cpu's firing and mem's resolution go out once
		h.tick()
		h.want(h.path(), "", h.events(), "firing(critical)->[chat pager] resolved(critical)->[chat pager]")
		time.Sleep(time.Minute)
		h.tick()
		h.want(h.path(), "", h.events(), "")
	})
}
