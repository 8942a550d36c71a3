package series

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// Query asks for the series of one host over a time range.
type Query struct {
	HostID    int64
	Names     []string // metric names; empty = all
	From, To  int64    // unix ms, inclusive
	Step      int64    // ms between points; 0 = chosen from MaxPoints
	MaxPoints int      // cap on returned points; 0 = DefaultMaxPoints
}

// DefaultMaxPoints caps a query's points when Query.MaxPoints is 0: about one per pixel of a
// wide chart.
const DefaultMaxPoints = 1500

// ResultSeries is one series' values aligned with Result.Times; NaN marks no data.
type ResultSeries struct {
	Name, Label string
	Values      []float64
}

// Result is columnar: one shared time axis, one value slice per series. Each point is the mean
// of the series over its step (weighted by sample count); only steps holding data appear.
// On the raw tier a point's time is that of its first snapshot, on rollup tiers the start of
// its step.
type Result struct {
	From, To, Step int64
	Tier           string
	Times          []int64
	Series         []ResultSeries
}

// plan picks step and tier: the step is at least the requested one and large enough for
// MaxPoints; the tier is the coarsest whose resolution divides it (1-hour from 1 h, 1-minute
// from 1 min), and the step is then rounded up to a whole number of that resolution so tier
// buckets nest in result steps.
func plan(q Query) (step int64, tier int) {
	maxPts := int64(q.MaxPoints)
	span := q.To - q.From + 1
	step = max(q.Step, (span+maxPts-1)/maxPts, 1)
	switch {
	case step >= tierRes[tierHour]:
		tier = tierHour
	case step >= tierRes[tierMinute]:
		tier = tierMinute
	}
	unit := max(tierRes[tier], 1)
	step = (step + unit - 1) / unit * unit
	for floorTo(q.To, step)/step-floorTo(q.From, step)/step+1 > maxPts {
		step += max(unit, step/maxPts/unit*unit)
	}
	return step, tier
}

// Query reads one host's series over a range as columnar data.
func (s *Store) Query(ctx context.Context, q Query) (*Result, error) {
	if q.To < q.From {
		return nil, fmt.Errorf("query host %d: to %d before from %d", q.HostID, q.To, q.From)
	}
	if q.MaxPoints <= 0 {
		q.MaxPoints = DefaultMaxPoints
	}
	keys, _, err := s.readerDict(ctx, q.HostID)
	if err != nil {
		return nil, err
	}
	step, tier := plan(q)
	res := &Result{From: q.From, To: q.To, Step: step, Tier: tierNames[tier], Times: []int64{}, Series: []ResultSeries{}}
	acc := &accum{colOf: selectSeries(keys, q.Names, res), b0: floorTo(q.From, step), step: step}
	n := int(floorTo(q.To, step)/step - acc.b0/step + 1)
	acc.first = make([]int64, n)
	for i := range acc.first {
		acc.first[i] = math.MaxInt64
	}
	acc.sum = make([][]float64, len(res.Series))
	acc.cnt = make([][]float64, len(res.Series))
	for i := range res.Series {
		acc.sum[i], acc.cnt[i] = make([]float64, n), make([]float64, n)
	}
	if len(res.Series) > 0 {
		if err := s.scan(ctx, q.HostID, tier, q.From, q.To, acc.wants, acc); err != nil {
			return nil, err
		}
	}
	for b := range n {
		if acc.first[b] == math.MaxInt64 {
			continue
		}
		t := acc.b0 + int64(b)*step
		if tier == tierRaw {
			t = acc.first[b]
		}
		res.Times = append(res.Times, t)
		for i := range res.Series {
			v := math.NaN()
			if c := acc.cnt[i][b]; c > 0 {
				v = acc.sum[i][b] / c
			}
			res.Series[i].Values = append(res.Series[i].Values, v)
		}
	}
	for i := range res.Series {
		if res.Series[i].Values == nil {
			res.Series[i].Values = []float64{}
		}
	}
	return res, nil
}

// selectSeries appends the wanted series to res and returns the result column per series id
// (-1 = not wanted).
func selectSeries(keys []Key, names []string, res *Result) []int {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	colOf := make([]int, len(keys))
	for id, k := range keys {
		colOf[id] = -1
		if k.Name != "" && (len(names) == 0 || want[k.Name]) {
			colOf[id] = len(res.Series)
			res.Series = append(res.Series, ResultSeries{Name: k.Name, Label: k.Label})
		}
	}
	return colOf
}

// sink receives points from scan: a series' mean over weight samples at time t.
type sink interface {
	add(t int64, id uint32, mean, weight float64)
}

// accum buckets points into result steps.
type accum struct {
	colOf    []int
	b0, step int64
	first    []int64
	sum, cnt [][]float64
}

func (a *accum) wants(id uint32) bool { return int(id) < len(a.colOf) && a.colOf[id] >= 0 }

func (a *accum) add(t int64, id uint32, mean, w float64) {
	col := a.colOf[id]
	b := (t - a.b0) / a.step
	a.sum[col][b] += mean * w
	a.cnt[col][b] += w
	if t < a.first[b] {
		a.first[b] = t
	}
}

// scan feeds every point of the host's series in [from, to] at the given tier to out. Time
// after the tier's newest block (not rolled up yet) comes from the next finer tier, down to
// the head rows.
func (s *Store) scan(ctx context.Context, hostID int64, tier int, from, to int64, want func(uint32) bool, out sink) error {
	if tier == tierRaw {
		return s.scanRaw(ctx, hostID, from, to, want, out)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT data FROM series_blocks WHERE host_id = ? AND tier = ? AND end_ms > ? AND start_ms <= ? ORDER BY start_ms`), hostID, tier, from, to)
	if err != nil {
		return fmt.Errorf("query host %d %s blocks: %w", hostID, tierNames[tier], err)
	}
	defer rows.Close()
	wantCol := func(c uint32) bool { return (c&7 == statAvg || c&7 == statCount) && want(c>>3) }
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("query host %d %s blocks: %w", hostID, tierNames[tier], err)
		}
		b, err := s.readBlob(data, wantCol)
		if err != nil {
			return fmt.Errorf("query host %d %s blocks: %w", hostID, tierNames[tier], err)
		}
		for ci := 0; ci+1 < len(b.cols); ci++ {
			avg, cnt := &b.cols[ci], &b.cols[ci+1]
			if avg.id&7 != statAvg || cnt.id != avg.id+3 {
				continue
			}
			for i, t := range b.times {
				if t >= from && t <= to && cnt.has(i) && !math.IsNaN(avg.values[i]) {
					out.add(t, avg.id>>3, avg.values[i], cnt.values[i])
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query host %d %s blocks: %w", hostID, tierNames[tier], err)
	}
	rows.Close()
	var newest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT MAX(end_ms) FROM series_blocks WHERE host_id = ? AND tier = ?`), hostID, tier).Scan(&newest); err != nil {
		return fmt.Errorf("query host %d newest %s block: %w", hostID, tierNames[tier], err)
	}
	if newest.Valid && newest.Int64 > to {
		return nil
	}
	if newest.Valid {
		from = max(from, newest.Int64)
	}
	return s.scan(ctx, hostID, tier-1, from, to, want, out)
}

// scanRaw feeds raw blocks and head rows. A head row whose time a block already holds (a
// retransmission not yet compacted away) is skipped.
func (s *Store) scanRaw(ctx context.Context, hostID int64, from, to int64, want func(uint32) bool, out sink) error {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT data FROM series_blocks WHERE host_id = ? AND tier = 0 AND end_ms > ? AND start_ms <= ? ORDER BY start_ms`), hostID, from, to)
	if err != nil {
		return fmt.Errorf("query host %d raw blocks: %w", hostID, err)
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return fmt.Errorf("query host %d raw blocks: %w", hostID, err)
		}
		b, err := s.readBlob(data, want)
		if err != nil {
			return fmt.Errorf("query host %d raw blocks: %w", hostID, err)
		}
		for _, t := range b.times {
			seen[t] = true
		}
		for ci := range b.cols {
			c := &b.cols[ci]
			for i, t := range b.times {
				if t >= from && t <= to && c.has(i) && !math.IsNaN(c.values[i]) {
					out.add(t, c.id, c.values[i], 1)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query host %d raw blocks: %w", hostID, err)
	}
	rows.Close()
	_, scales, err := s.dict(ctx, hostID)
	if err != nil {
		return err
	}
	head, err := s.db.QueryContext(ctx, s.rebind(`SELECT ts, data FROM series_head WHERE host_id = ? AND ts >= ? AND ts <= ? ORDER BY ts`), hostID, from, to)
	if err != nil {
		return fmt.Errorf("query host %d head: %w", hostID, err)
	}
	defer head.Close()
	for head.Next() {
		var ts int64
		var data []byte
		if err := head.Scan(&ts, &data); err != nil {
			return fmt.Errorf("query host %d head: %w", hostID, err)
		}
		if seen[ts] {
			continue
		}
		samples, sc, err := s.decodeRowOf(ctx, hostID, data, scales)
		scales = sc
		if err != nil {
			return fmt.Errorf("query host %d head row %d: %w", hostID, ts, err)
		}
		for _, v := range samples {
			if want(v.ID) && !math.IsNaN(v.Value) {
				out.add(ts, v.ID, v.Value, 1)
			}
		}
	}
	if err := head.Err(); err != nil {
		return fmt.Errorf("query host %d head: %w", hostID, err)
	}
	return nil
}
