package api

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/series"
)

func TestPresenceDays(t *testing.T) {
	from := int64(1000) * dayMs // midnight
	day := func(d int) int64 { return from + int64(d)*dayMs }
	hours := func(start int64, n int) map[int64]bool {
		m := map[int64]bool{}
		for i := range n {
			m[start+int64(i)*hourMs] = true
		}
		return m
	}
	merge := func(ms ...map[int64]bool) map[int64]bool {
		out := map[int64]bool{}
		for _, m := range ms {
			for k := range m {
				out[k] = true
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		present map[int64]bool
		now     int64
		want    map[int]float64 // day → pct; other days null
		total   float64         // -1: null
	}{
		{"no data", nil, day(89) + 5*hourMs, nil, -1},
		{"first reported yesterday at noon, all the time since, now mid-hour", hours(day(88)+12*hourMs, 12+6), day(89) + 5*hourMs + 30*60_000,
			map[int]float64{88: 100, 89: 100}, 100},
		{"current hour without data yet does not count", hours(day(89), 5), day(89) + 5*hourMs + 60_000, map[int]float64{89: 100}, 100},
		{"six hours missing of a full day", merge(hours(day(87), 18), hours(day(88), 24)), day(88) + 23*hourMs + 1,
			map[int]float64{87: 75, 88: 100}, 100 * 42.0 / 48},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, total := presenceDays(tc.present, from, tc.now)
			for d, v := range days {
				want, ok := tc.want[d]
				switch {
				case !ok && v != nil:
					t.Errorf("day %d: got %v, want null", d, *v)
				case ok && (v == nil || *v != want):
					t.Errorf("day %d: got %v, want %v", d, v, want)
				}
			}
			if (tc.total < 0) != (total == nil) || (total != nil && *total != tc.total) {
				t.Errorf("total: got %v, want %v", total, tc.total)
			}
		})
	}
}

// TestStatusPageHostBars reads a host's bars through the real series store: snapshots stored
// for the host make today's bar, and the 90-day figure, 100 %.
func TestStatusPageHostBars(t *testing.T) {
	var store *series.Store
	e := newEnv(t, withRunningChecks(t), func(cfg *Config) { store = cfg.Series.(storeSeries).s })
	owner := e.owner(t)
	_, body := owner.do(t, "POST", "/api/v1/hosts", `{"name":"db1"}`)
	hostID := int64(body["host"].(map[string]any)["id"].(float64))
	ctx := context.Background()
	ids, err := store.SeriesIDs(ctx, hostID, []series.Key{{Name: "cpu.used_pct"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := store.Append(ctx, hostID, []series.Snapshot{{TimeMs: now.Add(-time.Minute).UnixMilli(), Samples: []series.Sample{{ID: ids[0], Value: 12}}}}); err != nil {
		t.Fatal(err)
	}
	if code, b := owner.do(t, "POST", "/api/v1/status-pages", `{"slug":"hosts","title":"Hosts","items":[{"kind":"host","id":`+itoa(hostID)+`}]}`); code != 201 {
		t.Fatalf("create page: got %d %v", code, b)
	}
	_, pub := owner.do(t, "GET", "/api/v1/status/hosts", "")
	item := pub["items"].([]any)[0].(map[string]any)
	days, _ := item["days"].([]any)
	// A minute after midnight UTC the snapshot is yesterday's, and today has no hour yet.
	today := days[89] == 100.0 || (days[89] == nil && days[88] == 100.0)
	if len(days) != 90 || !today || days[0] != nil || item["uptime_90d"] != 100.0 {
		t.Errorf("host item: got %v, want 90 days, today 100 %%, earlier null", item)
	}
}
