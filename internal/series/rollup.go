package series

import (
	"math"
	"slices"
)

// Rollup blocks hold five columns per series: column id = series id << 3 | stat.
const (
	statMin   = 0
	statAvg   = 1
	statMax   = 2
	statLast  = 3
	statCount = 4
)

// rollup accumulates points into fixed buckets of one rollup window.
type rollup struct {
	start, res int64
	n          int // buckets
	series     map[uint32]*agg
}

// agg holds one series' running statistics per bucket.
type agg struct {
	min, max, sum, last, cnt []float64
}

func newRollup(start, window, res int64) *rollup {
	return &rollup{start: start, res: res, n: int(window / res), series: map[uint32]*agg{}}
}

func (r *rollup) get(id uint32) *agg {
	a := r.series[id]
	if a == nil {
		a = &agg{min: make([]float64, r.n), max: make([]float64, r.n), sum: make([]float64, r.n),
			last: make([]float64, r.n), cnt: make([]float64, r.n)}
		r.series[id] = a
	}
	return a
}

// bucket maps a time to its bucket, or -1 outside the window.
func (r *rollup) bucket(t int64) int {
	if t < r.start {
		return -1
	}
	i := (t - r.start) / r.res
	if i >= int64(r.n) {
		return -1
	}
	return int(i)
}

// add folds one observation into a bucket: count values with the given min, mean, max and
// last. Sources must be added in time order so last is the newest value.
func (a *agg) add(i int, mn, mean, mx, last, count float64) {
	if count <= 0 || math.IsNaN(mean) {
		return
	}
	if a.cnt[i] == 0 || mn < a.min[i] {
		a.min[i] = mn
	}
	if a.cnt[i] == 0 || mx > a.max[i] {
		a.max[i] = mx
	}
	a.sum[i] += mean * count
	a.cnt[i] += count
	a.last[i] = last
}

// addRaw folds a raw block in.
func (r *rollup) addRaw(b *block) {
	for ci := range b.cols {
		c := &b.cols[ci]
		a := r.get(c.id)
		for i, t := range b.times {
			if k := r.bucket(t); k >= 0 && c.has(i) {
				v := c.values[i]
				a.add(k, v, v, v, v, 1)
			}
		}
	}
}

// addRollup folds a finer rollup block in.
func (r *rollup) addRollup(b *block) {
	type cols struct{ st [5]*column }
	by := map[uint32]*cols{}
	for ci := range b.cols {
		c := &b.cols[ci]
		x := by[c.id>>3]
		if x == nil {
			x = &cols{}
			by[c.id>>3] = x
		}
		if st := c.id & 7; st <= statCount {
			x.st[st] = c
		}
	}
	for id, x := range by {
		if slices.Contains(x.st[:], nil) {
			continue
		}
		a := r.get(id)
		for i, t := range b.times {
			if k := r.bucket(t); k >= 0 && x.st[statCount].has(i) {
				a.add(k, x.st[statMin].values[i], x.st[statAvg].values[i], x.st[statMax].values[i],
					x.st[statLast].values[i], x.st[statCount].values[i])
			}
		}
	}
}

// block returns the rollup as a block with one time per non-empty bucket.
func (r *rollup) block() *block {
	var buckets []int
	for i := 0; i < r.n; i++ {
		for _, a := range r.series {
			if a.cnt[i] > 0 {
				buckets = append(buckets, i)
				break
			}
		}
	}
	b := &block{times: make([]int64, len(buckets))}
	for k, i := range buckets {
		b.times[k] = r.start + int64(i)*r.res
	}
	ids := make([]uint32, 0, len(r.series))
	for id := range r.series {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	words := (len(buckets) + 63) / 64
	for _, id := range ids {
		a := r.series[id]
		present := make([]uint64, words)
		var st [5][]float64
		for s := range st {
			st[s] = make([]float64, len(buckets))
		}
		for k, i := range buckets {
			if a.cnt[i] == 0 {
				for s := range st {
					st[s][k] = math.NaN()
				}
				continue
			}
			present[k/64] |= 1 << (k % 64)
			st[statMin][k], st[statMax][k], st[statLast][k] = a.min[i], a.max[i], a.last[i]
			st[statAvg][k], st[statCount][k] = a.sum[i]/a.cnt[i], a.cnt[i]
		}
		for s := range st {
			b.cols = append(b.cols, column{id: id<<3 | uint32(s), values: st[s], present: slices.Clone(present)})
		}
	}
	b.normalize()
	return b
}

// rollupScale gives the decimal scale per rollup column: the series' own for min, max and
// last (they are stored values), two more digits for the mean (rounded there, a deliberate
// loss far below what a chart shows, so means compress like the values), 0 for counts.
func rollupScale(scales []int8) func(uint32) int8 {
	return func(col uint32) int8 {
		st, id := col&7, col>>3
		if st == statCount {
			return 0
		}
		sc := int8(-1)
		if int(id) < len(scales) {
			sc = scales[id]
		}
		if st == statAvg && sc >= 0 {
			return min(sc+2, maxScale)
		}
		return sc
	}
}

// roundMeans rounds avg columns to their scale so they encode as integers.
func roundMeans(b *block, scaleOf func(uint32) int8) {
	for ci := range b.cols {
		c := &b.cols[ci]
		if c.id&7 != statAvg {
			continue
		}
		sc := scaleOf(c.id)
		if sc < 0 {
			continue
		}
		p := pow10[sc]
		for i, v := range c.values {
			if r := math.Round(v*p) / p; !math.IsInf(r, 0) {
				c.values[i] = r
			}
		}
	}
}
