package series

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys are 150 series named so that Options.Scale gives hostLikeBlock's scales.
func benchKeys() ([]Key, func(string) int) {
	keys := make([]Key, 150)
	for i := range keys {
		keys[i] = Key{Name: fmt.Sprintf("m%d.%d", i%8, i), Label: ""}
	}
	return keys, func(name string) int { return int(hostLikeScale(uint32(name[1] - '0'))) }
}

// BenchmarkIngest measures Append alone: many goroutines (agent connections) each appending
// one 150-value snapshot per call for its own hosts, group-committed into SQLite.
//
//	go test ./internal/series -run XXX -bench BenchmarkIngest -benchtime 20000x
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	db := openSQLite(b)
	keys, scale := benchKeys()
	s, err := Open(ctx, db, "sqlite", Options{Scale: scale})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const hosts = 1000
	ids := make([][]uint32, hosts+1)
	for h := 1; h <= hosts; h++ {
		if ids[h], err = s.SeriesIDs(ctx, int64(h), keys); err != nil {
			b.Fatal(err)
		}
	}
	src := hostLikeBlock(rand.New(rand.NewPCG(1, 1)), 720, 150, 10_000)
	var next atomic.Int64
	b.SetParallelism(32) // 64 concurrent appenders on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			h := n%hosts + 1
			i := int(n/hosts) % 720
			snap := Snapshot{TimeMs: t0 + n/hosts*10_000, Samples: make([]Sample, 150)}
			for c := range snap.Samples {
				snap.Samples[c] = Sample{ID: ids[h][c], Value: src.cols[c].values[i]}
			}
			if err := s.Append(ctx, h, []Snapshot{snap}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)*150/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkQuery30Days measures the API's heaviest chart query: one host, all 150 series,
// the last 30 days (1-minute tier for closed days, raw for today), default MaxPoints.
//
//	go test ./internal/series -run XXX -bench BenchmarkQuery -benchtime 20x
func BenchmarkQuery30Days(b *testing.B) {
	ctx := context.Background()
	db := openSQLite(b)
	keys, scale := benchKeys()
	s, err := Open(ctx, db, "sqlite", Options{Scale: scale})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ids, err := s.SeriesIDs(ctx, 1, keys)
	if err != nil {
		b.Fatal(err)
	}
	_, scales, _ := s.dict(ctx, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	now := t0 + 30*day + 10*hour
	for start := now - 31*day; start+tierWindow[tierRaw] <= floorTo(now, tierWindow[tierRaw]); start += tierWindow[tierRaw] {
		blk := hostLikeBlock(rng, 720, 150, 10_000)
		for i := range blk.times {
			blk.times[i] = start + int64(i)*10_000 + blk.times[i]%15
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.putBlock(ctx, tx, 1, tierRaw, start, blk, rawScale(scales)); err != nil {
			b.Fatal(err)
		}
		for _, tier := range []int{tierMinute, tierHour} {
			tx.ExecContext(ctx, `INSERT INTO series_pending VALUES (1, ?, ?) ON CONFLICT DO NOTHING`, tier, floorTo(start, tierWindow[tier]))
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	// The current window is still in the head.
	for ts := floorTo(now, tierWindow[tierRaw]); ts < now; ts += 10_000 {
		snap := Snapshot{TimeMs: ts}
		for c, id := range ids {
			snap.Samples = append(snap.Samples, Sample{ID: id, Value: float64(c)})
		}
		mustAppendB(b, s, snap)
	}
	if err := s.Maintain(ctx, time.UnixMilli(now)); err != nil {
		b.Fatal(err)
	}
	st, _ := s.Stats(ctx)
	for _, t := range st.Tiers {
		b.Logf("%s: %d blocks, %d samples, %d bytes (%.3f B/sample)", t.Tier, t.Blocks, t.Samples, t.Bytes, float64(t.Bytes)/float64(max(t.Samples, 1)))
	}
	// "default" is the API's default of 1500 points (a 29-minute step, served from the 1-minute
	// tier); "ui" is what the dashboard asks for: 720 points, a 1-hour step, the 1-hour tier.
	for _, bc := range []struct {
		name      string
		step      int64
		minPoints int
	}{{"default-1500-points", 0, 1000}, {"ui-720-points", 30 * day / 720, 700}} {
		b.Run(bc.name, func(b *testing.B) {
			q := Query{HostID: 1, From: now - 30*day, To: now, Step: bc.step}
			for b.Loop() {
				res, err := s.Query(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Series) != 150 || len(res.Times) < bc.minPoints {
					b.Fatalf("got %d series × %d points, want 150 × ≥%d", len(res.Series), len(res.Times), bc.minPoints)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/query")
		})
	}
}

func mustAppendB(b *testing.B, s *Store, snap Snapshot) {
	if err := s.Append(context.Background(), 1, []Snapshot{snap}); err != nil {
		b.Fatal(err)
	}
}
