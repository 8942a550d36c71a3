package series

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

type backend struct {
	name string
	open func(t *testing.T) *sql.DB
}

// backends lists every database the conformance suite runs on. PostgreSQL runs when
// VIGIL_TEST_PG names a server (CI starts one); each test gets its own schema there.
func backends(t *testing.T) []backend {
	out := []backend{{"sqlite", func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}}}
	if dsn := os.Getenv("VIGIL_TEST_PG"); dsn != "" {
		out = append(out, backend{"postgres", func(t *testing.T) *sql.DB {
			admin, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			schema := fmt.Sprintf("t%d", time.Now().UnixNano())
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			admin.Close()
			db, err := sql.Open("pgx", dsn+"&search_path="+schema)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() })
			return db
		}})
	} else if os.Getenv("CI") == "true" {
		t.Error("CI must set VIGIL_TEST_PG so the PostgreSQL backend is tested")
	}
	return out
}

func scale(name string) int {
	if name == "mem.used_bytes" {
		return 0
	}
	return 2
}

func TestConformance(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dialect := b.name
			db := b.open(t)
			s, err := Open(ctx, db, dialect, Options{Scale: scale})
			if err != nil {
				t.Fatal(err)
			}
			keys := []Key{{"cpu.used_pct", ""}, {"mem.used_bytes", ""}, {"fs.used_pct", "/"}}
			ids, err := s.SeriesIDs(ctx, 7, keys)
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.SeriesIDs(ctx, 7, []Key{keys[2], {"net.rx_bps", "eth0"}})
			if err != nil {
				t.Fatal(err)
			}
			if again[0] != ids[2] || again[1] != 3 {
				t.Errorf("got ids %v for repeat and new key, want [%d 3]", again, ids[2])
			}
			snaps := []Snapshot{
				{TimeMs: 1000, Samples: []Sample{{ids[0], 12.5}, {ids[1], 1 << 30}, {ids[2], 1.0 / 3}}},
				{TimeMs: 2000, Samples: []Sample{{ids[0], math.Inf(1)}, {ids[1], 5}}},
				{TimeMs: 3000, Samples: []Sample{{ids[0], 99.99}, {ids[1], 6}, {ids[2], 50}}},
			}
			if err := s.Append(ctx, 7, snaps); err != nil {
				t.Fatal(err)
			}
			// The same snapshot twice (agent retransmission) is stored once.
			if err := s.Append(ctx, 7, snaps[1:2]); err != nil {
				t.Fatal(err)
			}

			// A fresh store over the same database sees everything: nothing lives only in memory.
			s2, err := Open(ctx, db, dialect, Options{Scale: scale})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s2.Query(ctx, Query{HostID: 7, From: 0, To: 5000, Names: []string{"cpu.used_pct", "fs.used_pct"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Times) != 3 || len(res.Series) != 2 {
				t.Fatalf("got %d times and %d series, want 3 and 2", len(res.Times), len(res.Series))
			}
			cpu, fs := res.Series[0].Values, res.Series[1].Values
			if cpu[0] != 12.5 || !math.IsInf(cpu[1], 1) || cpu[2] != 99.99 {
				t.Errorf("got cpu %v, want [12.5 +Inf 99.99]", cpu)
			}
			if fs[0] != 1.0/3 || !math.IsNaN(fs[1]) || fs[2] != 50 {
				t.Errorf("got fs %v, want [0.333… NaN 50]", fs)
			}
			tm, latest, ok := s2.Latest(7)
			if !ok || tm != 3000 || latest[Key{"mem.used_bytes", ""}] != 6 {
				t.Errorf("got latest %d %v %v, want 3000 with mem 6", tm, latest, ok)
			}

			// Bucketing caps the points.
			res, err = s2.Query(ctx, Query{HostID: 7, From: 0, To: 4000, MaxPoints: 2, Names: []string{"mem.used_bytes"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Times) > 3 || res.Step != 2000 {
				t.Errorf("got %d points with step %d, want ≤ 3 with step 2000", len(res.Times), res.Step)
			}

			if err := s2.DeleteBefore(ctx, 7, time.UnixMilli(2500)); err != nil {
				t.Fatal(err)
			}
			st, err := s2.Stats(ctx)
			if err != nil || st.Snapshots != 1 {
				t.Errorf("got stats %+v (err %v), want 1 snapshot left", st, err)
			}
			if err := s2.DeleteHost(ctx, 7); err != nil {
				t.Fatal(err)
			}
			if _, _, ok := s2.Latest(7); ok {
				t.Error("got latest values after DeleteHost, want none")
			}
			if _, err := s2.Query(ctx, Query{HostID: 7, From: 5, To: 1}); err == nil {
				t.Error("got nil error for to before from, want one")
			}
		})
	}
}

func TestRowRoundTrip(t *testing.T) {
	scales := []int8{2, 0, -1, 3}
	tests := []struct {
		name    string
		samples []Sample
	}{
		{"empty", nil},
		{"exact", []Sample{{0, 12.34}, {1, 1 << 40}, {3, -0.001}}},
		{"floats", []Sample{{0, math.NaN()}, {1, 0.5}, {2, math.Pi}, {3, math.Copysign(0, -1)}}},
		{"unsorted", []Sample{{3, 1}, {1, 2}, {2, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRow(encodeRow(tt.samples, scales), scales)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.samples) {
				t.Fatalf("got %d samples, want %d", len(got), len(tt.samples))
			}
			for i := range got {
				if got[i].ID != tt.samples[i].ID || math.Float64bits(got[i].Value) != math.Float64bits(tt.samples[i].Value) {
					t.Errorf("sample %d: got %+v, want %+v", i, got[i], tt.samples[i])
				}
			}
		})
	}
}

func FuzzDecodeRow(f *testing.F) {
	f.Add(encodeRow([]Sample{{0, 1.5}, {2, math.NaN()}}, []int8{2, 2, 2}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeRow(b, []int8{2, 0, -1})
	})
}
