package series

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Query asks for the series of one host over a time range.
type Query struct {
	HostID    int64
	Names     []string // metric names; empty = all
	From, To  int64    // unix ms, inclusive
	Step      int64    // ms between points; 0 = chosen from MaxPoints
	MaxPoints int      // cap on returned points; 0 = 1500
}

// ResultSeries is one series' values aligned with Result.Times; NaN marks no data.
type ResultSeries struct {
	Name, Label string
	Values      []float64
}

// Result is columnar: one shared time axis, one value slice per series.
type Result struct {
	From, To, Step int64
	Tier           string
	Times          []int64
	Series         []ResultSeries
}

// Query reads the range and, when it holds more snapshots than MaxPoints, averages them into
// buckets of Step so the browser never receives more points than it can draw.
func (s *Store) Query(ctx context.Context, q Query) (*Result, error) {
	if q.To < q.From {
		return nil, fmt.Errorf("query: to %d before from %d", q.To, q.From)
	}
	if q.MaxPoints <= 0 {
		q.MaxPoints = 1500
	}
	step := q.Step
	if minStep := (q.To - q.From) / int64(q.MaxPoints); step < minStep {
		step = minStep
	}
	s.mu.Lock()
	c, err := s.cache(ctx, q.HostID)
	var keys []Key
	var scales []int8
	if c != nil {
		keys, scales = slices.Clone(c.keys), slices.Clone(c.scales)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	want := make([]int, len(keys)) // series id -> column in the result, -1 = not asked for
	res := &Result{From: q.From, To: q.To, Step: step, Tier: "raw"}
	for id, k := range keys {
		want[id] = -1
		if k.Name != "" && (len(q.Names) == 0 || slices.Contains(q.Names, k.Name)) {
			want[id] = len(res.Series)
			res.Series = append(res.Series, ResultSeries{Name: k.Name, Label: k.Label})
		}
	}

	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT ts, data FROM series_raw WHERE host_id = ? AND ts >= ? AND ts <= ? ORDER BY ts`), q.HostID, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("query host %d: %w", q.HostID, err)
	}
	defer rows.Close()
	var sums, counts []float64
	bucket := int64(math.MinInt64)
	flush := func() {
		if bucket == math.MinInt64 {
			return
		}
		res.Times = append(res.Times, bucket)
		for i := range res.Series {
			v := math.NaN()
			if counts[i] > 0 {
				v = sums[i] / counts[i]
			}
			res.Series[i].Values = append(res.Series[i].Values, v)
			sums[i], counts[i] = 0, 0
		}
	}
	sums, counts = make([]float64, len(res.Series)), make([]float64, len(res.Series))
	for rows.Next() {
		var ts int64
		var data []byte
		if err := rows.Scan(&ts, &data); err != nil {
			return nil, fmt.Errorf("query host %d: %w", q.HostID, err)
		}
		b := ts
		if step > 0 {
			b = ts - ((ts-q.From)%step+step)%step
		}
		if b != bucket {
			flush()
			bucket = b
		}
		samples, err := decodeRow(data, scales)
		if err != nil {
			return nil, fmt.Errorf("query host %d at %d: %w", q.HostID, ts, err)
		}
		for _, v := range samples {
			if col := want[v.ID]; col >= 0 && !math.IsNaN(v.Value) {
				sums[col] += v.Value
				counts[col]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query host %d: %w", q.HostID, err)
	}
	flush()
	if res.Times == nil {
		res.Times = []int64{}
	}
	for i := range res.Series {
		if res.Series[i].Values == nil {
			res.Series[i].Values = []float64{}
		}
	}
	return res, nil
}
