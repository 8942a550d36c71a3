package series

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openSQLite opens a fresh SQLite database with the hub's pragmas.
func openSQLite(t testing.TB) *sql.DB {
	dsn := "file:" + filepath.Join(t.TempDir(), "s.db") +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformanceSQLite(t *testing.T) {
	runConformance(t, func(t *testing.T) *sql.DB { return openSQLite(t) }, "sqlite")
}

func testScale(name string) int {
	switch {
	case strings.HasSuffix(name, "_bytes"):
		return 0
	case name == "temp.celsius":
		return 1
	}
	return 2
}

const (
	hour = int64(3600_000)
	day  = 24 * hour
	// t0 is a Monday 00:00 UTC far enough from the epoch for every window size.
	t0 = int64(1_750_032_000_000)
)

var testKeys = []Key{{"cpu.used_pct", ""}, {"mem.used_bytes", ""}, {"fs.used_pct", "/"}, {"temp.celsius", "cpu"}}

// fixture is one store over one database with a host whose series ids are registered.
type fixture struct {
	db  *sql.DB
	s   *Store
	ids []uint32
}

func newFixture(t *testing.T, open func(t *testing.T) *sql.DB, dialect string) *fixture {
	t.Helper()
	f := &fixture{db: open(t)}
	f.s = f.reopen(t, dialect)
	var err error
	if f.ids, err = f.s.SeriesIDs(context.Background(), 7, testKeys); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) reopen(t *testing.T, dialect string) *Store {
	t.Helper()
	s, err := Open(context.Background(), f.db, dialect, Options{Scale: testScale})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// snapsEvery makes n snapshots from start every step ms with cpu = i%100 and mem = i*4096.
func (f *fixture) snapsEvery(start, step int64, n int) []Snapshot {
	out := make([]Snapshot, n)
	for i := range out {
		out[i] = Snapshot{TimeMs: start + int64(i)*step, Samples: []Sample{
			{f.ids[0], float64(i % 100)}, {f.ids[1], float64(i) * 4096}, {f.ids[3], 40.5},
		}}
	}
	return out
}

func mustAppend(t *testing.T, s *Store, host int64, snaps []Snapshot) {
	t.Helper()
	if err := s.Append(context.Background(), host, snaps); err != nil {
		t.Fatal(err)
	}
}

func mustQuery(t *testing.T, s *Store, q Query) *Result {
	t.Helper()
	res, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func seriesOf(t *testing.T, r *Result, name string) []float64 {
	t.Helper()
	for _, s := range r.Series {
		if s.Name == name {
			return s.Values
		}
	}
	t.Fatalf("got no series %q in result", name)
	return nil
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// runConformance is the series store's behaviour, run against every SQL backend.
func runConformance(t *testing.T, open func(t *testing.T) *sql.DB, dialect string) {
	ctx := context.Background()

	t.Run("series ids are stable and persisted", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		again, err := f.s.SeriesIDs(ctx, 7, []Key{testKeys[2], {"net.rx_bps", "eth0"}, {"net.rx_bps", "eth0"}})
		if err != nil {
			t.Fatal(err)
		}
		if again[0] != f.ids[2] || again[1] != 4 || again[2] != 4 {
			t.Errorf("got ids %v, want [%d 4 4]", again, f.ids[2])
		}
		other, err := f.reopen(t, dialect).SeriesIDs(ctx, 7, []Key{{"net.rx_bps", "eth0"}, testKeys[0]})
		if err != nil || other[0] != 4 || other[1] != f.ids[0] {
			t.Errorf("after reopen got ids %v (err %v), want [4 %d]", other, err, f.ids[0])
		}
	})

	t.Run("append query latest and dedupe", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		snaps := []Snapshot{
			{TimeMs: t0 + 1000, Samples: []Sample{{f.ids[0], 12.5}, {f.ids[1], 1 << 30}, {f.ids[2], 1.0 / 3}}},
			{TimeMs: t0 + 2000, Samples: []Sample{{f.ids[0], math.Inf(1)}, {f.ids[1], 5}}},
			{TimeMs: t0 + 3000, Samples: []Sample{{f.ids[0], 99.99}, {f.ids[1], 6}, {f.ids[2], 50}}},
		}
		mustAppend(t, f.s, 7, snaps)
		mustAppend(t, f.s, 7, snaps[1:2]) // retransmission
		s2 := f.reopen(t, dialect)
		res := mustQuery(t, s2, Query{HostID: 7, From: t0, To: t0 + 5000, Names: []string{"cpu.used_pct", "fs.used_pct"}})
		if res.Tier != "raw" || len(res.Times) != 3 || len(res.Series) != 2 {
			t.Fatalf("got tier %s, %d times, %d series, want raw, 3, 2", res.Tier, len(res.Times), len(res.Series))
		}
		if got, want := seriesOf(t, res, "cpu.used_pct"), []float64{12.5, math.Inf(1), 99.99}; !sameFloats(got, want) {
			t.Errorf("got cpu %v, want %v", got, want)
		}
		if got, want := seriesOf(t, res, "fs.used_pct"), []float64{1.0 / 3, math.NaN(), 50}; !sameFloats(got, want) {
			t.Errorf("got fs %v, want %v", got, want)
		}
		tm, latest, ok := s2.Latest(7)
		if !ok || tm != t0+3000 || latest[Key{"mem.used_bytes", ""}] != 6 {
			t.Errorf("got latest %d %v %v, want %d with mem 6", tm, latest, ok, t0+3000)
		}
		if _, _, ok := s2.Latest(99); ok {
			t.Error("got latest for unknown host, want none")
		}
		st, err := s2.Stats(ctx)
		if err != nil || st.Snapshots != 3 || st.Samples != 8 {
			t.Errorf("got stats %+v (err %v), want 3 snapshots, 8 samples", st, err)
		}
		if _, err := s2.Query(ctx, Query{HostID: 7, From: 5, To: 1}); err == nil {
			t.Error("got nil error for to before from, want one")
		}
		if err := s2.Append(ctx, 7, []Snapshot{{TimeMs: 1, Samples: []Sample{{99, 1}}}}); err == nil {
			t.Error("got nil error for unknown series id, want one")
		}
	})

	t.Run("compaction keeps data and latest", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		snaps := f.snapsEvery(t0, 10_000, 6*360) // 6 hours
		mustAppend(t, f.s, 7, snaps)
		before := mustQuery(t, f.s, Query{HostID: 7, From: t0, To: t0 + 6*hour, Step: 10_000, MaxPoints: 5000})
		if err := f.s.Maintain(ctx, time.UnixMilli(t0+6*hour+10*60_000)); err != nil {
			t.Fatal(err)
		}
		st, err := f.s.Stats(ctx)
		if err != nil || st.Snapshots != 0 || st.Tiers[1].Blocks != 3 {
			t.Fatalf("got stats %+v (err %v), want 0 head rows and 3 raw blocks", st, err)
		}
		s2 := f.reopen(t, dialect)
		after := mustQuery(t, s2, Query{HostID: 7, From: t0, To: t0 + 6*hour, Step: 10_000, MaxPoints: 5000})
		if len(after.Times) != len(snaps) {
			t.Fatalf("got %d times after compaction, want %d", len(after.Times), len(snaps))
		}
		for i, rs := range before.Series {
			if !sameFloats(rs.Values, after.Series[i].Values) {
				t.Errorf("series %s changed by compaction", rs.Name)
			}
		}
		if tm, _, ok := s2.Latest(7); !ok || tm != snaps[len(snaps)-1].TimeMs {
			t.Errorf("got latest time %d ok=%v from blocks, want %d", tm, ok, snaps[len(snaps)-1].TimeMs)
		}
	})

	t.Run("tiers are picked by step and rollups agree with raw", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		mustAppend(t, f.s, 7, f.snapsEvery(t0, 10_000, 8*24*360)) // 8 days
		tests := []struct {
			name     string
			maintain int64 // when Maintain runs, 0 = never
			q        Query
			tier     string
			step     int64
		}{
			{"raw from head", 0, Query{From: t0, To: t0 + hour - 1}, "raw", 2400},
			{"raw for a day", 0, Query{From: t0, To: t0 + day - 1}, "raw", 57_600},
			{"1m before rollup falls back to raw", 0, Query{From: t0, To: t0 + 2*day - 1}, "1m", 120_000},
			{"1m from rollup", t0 + 8*day + hour, Query{From: t0, To: t0 + 2*day - 1}, "1m", 120_000},
			{"1m from rollup and raw", t0 + 8*day + hour, Query{From: t0, To: t0 + 8*day - 1}, "1m", 480_000},
			{"1h from rollup", t0 + 8*day + hour, Query{From: t0, To: t0 + 8*day - 1, MaxPoints: 100}, "1h", 7200_000},
			{"explicit step", t0 + 8*day + hour, Query{From: t0, To: t0 + day - 1, Step: 10 * 60_000}, "1m", 600_000},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.maintain != 0 {
					if err := f.s.Maintain(ctx, time.UnixMilli(tt.maintain)); err != nil {
						t.Fatal(err)
					}
				}
				tt.q.HostID = 7
				res := mustQuery(t, f.s, tt.q)
				if res.Tier != tt.tier || res.Step != tt.step {
					t.Errorf("got tier %s step %d, want %s step %d", res.Tier, res.Step, tt.tier, tt.step)
				}
				if len(res.Times) > DefaultMaxPoints {
					t.Errorf("got %d points, want ≤ %d", len(res.Times), DefaultMaxPoints)
				}
				// mem grows 4096 per 10 s, so a step's mean is the value at its middle.
				mem := seriesOf(t, res, "mem.used_bytes")
				for i, tm := range res.Times {
					first := (tm - t0) / 10_000
					want := float64(first)*4096 + float64(min(res.Step, 8*day-(tm-t0))/10_000-1)*2048
					if tt.tier == "raw" { // mean of the 10 s snapshots in the step
						want = float64(first)*4096 + float64((floorTo(tm, res.Step)+res.Step-1-tm)/10_000)*2048
					}
					if math.Abs(mem[i]-want) > 1e-6 {
						t.Fatalf("point %d at %d: got mem %v, want %v", i, tm, mem[i], want)
					}
				}
			})
		}
	})

	t.Run("late data merges into blocks and rollups", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		all := f.snapsEvery(t0, 10_000, 2*24*360)
		var early, late []Snapshot
		for i, sn := range all {
			if i%7 == 3 {
				late = append(late, sn)
			} else {
				early = append(early, sn)
			}
		}
		mustAppend(t, f.s, 7, early)
		now := t0 + 2*day + hour
		if err := f.s.Maintain(ctx, time.UnixMilli(now)); err != nil {
			t.Fatal(err)
		}
		mustAppend(t, f.s, 7, late)
		mustAppend(t, f.s, 7, all[:50]) // duplicates of compacted snapshots
		if err := f.s.Maintain(ctx, time.UnixMilli(now+60_000)); err != nil {
			t.Fatal(err)
		}
		st, err := f.s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(all) * 3); st.Tiers[1].Samples != want || st.Snapshots != 0 {
			t.Errorf("got %d raw samples, %d head rows, want %d and 0", st.Tiers[1].Samples, st.Snapshots, want)
		}
		res := mustQuery(t, f.s, Query{HostID: 7, From: t0, To: t0 + 2*day - 1, Step: hour})
		mem := seriesOf(t, res, "mem.used_bytes")
		for i, tm := range res.Times {
			want := float64((tm-t0)/10_000)*4096 + 359*2048
			if mem[i] != want {
				t.Fatalf("hour %d: got mem %v, want %v (late data missing from rollup)", i, mem[i], want)
			}
		}
	})

	t.Run("retention and deletion", func(t *testing.T) {
		f := newFixture(t, open, dialect)
		mustAppend(t, f.s, 7, f.snapsEvery(t0, 60_000, 3*24*60))
		if err := f.s.Maintain(ctx, time.UnixMilli(t0+3*day+hour)); err != nil {
			t.Fatal(err)
		}
		short := f.reopen(t, dialect)
		short.opts.RawRetention = 24 * time.Hour
		if err := short.Maintain(ctx, time.UnixMilli(t0+3*day+hour)); err != nil {
			t.Fatal(err)
		}
		res := mustQuery(t, short, Query{HostID: 7, From: t0, To: t0 + 3*day, Step: 60_000, MaxPoints: 10_000, Names: []string{"cpu.used_pct"}})
		if res.Tier != "1m" || len(res.Times) != 3*24*60 {
			t.Errorf("got tier %s with %d points, want 1m with %d (rollups outlive raw)", res.Tier, len(res.Times), 3*24*60)
		}
		if err := short.DeleteBefore(ctx, 7, time.UnixMilli(t0+day+30*60_000)); err != nil {
			t.Fatal(err)
		}
		res = mustQuery(t, short, Query{HostID: 7, From: t0, To: t0 + 3*day, Step: 60_000, MaxPoints: 10_000})
		if len(res.Times) == 0 || res.Times[0] != t0+day+30*60_000 {
			t.Errorf("got first time %v after DeleteBefore, want %d", res.Times[:min(1, len(res.Times))], t0+day+30*60_000)
		}
		var csvOut bytes.Buffer
		if err := short.WriteCSV(ctx, &csvOut, Query{HostID: 7, From: t0 + 2*day, To: t0 + 2*day + 120_000, Names: []string{"cpu.used_pct", "temp.celsius"}}); err != nil {
			t.Fatal(err)
		}
		wantCSV := "timestamp_ms,series,value\n" +
			"1750204800000,cpu.used_pct,80\n1750204800000,temp.celsius{cpu},40.5\n" +
			"1750204860000,cpu.used_pct,81\n1750204860000,temp.celsius{cpu},40.5\n" +
			"1750204920000,cpu.used_pct,82\n1750204920000,temp.celsius{cpu},40.5\n"
		if strings.ReplaceAll(csvOut.String(), "\r", "") != wantCSV {
			t.Errorf("got csv\n%s\nwant\n%s", csvOut.String(), wantCSV)
		}
		cs, err := CodecReport(&csvOut)
		if err != nil || cs.Samples != 6 || cs.Series != 2 {
			t.Errorf("got codec stats %+v (err %v), want 6 samples of 2 series", cs, err)
		}
		if err := short.DeleteHost(ctx, 7); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := short.Latest(7); ok {
			t.Error("got latest values after DeleteHost, want none")
		}
		st, err := short.Stats(ctx)
		if err != nil || st.Samples != 0 || st.Hosts != 0 {
			t.Errorf("got stats %+v (err %v) after DeleteHost, want empty", st, err)
		}
	})
}
