package series

import (
	"fmt"
	"math"
	"slices"
)

// Tiers, stored as series_blocks.tier.
const (
	tierRaw    = 0
	tierMinute = 1
	tierHour   = 2
)

var tierNames = [...]string{"raw", "1m", "1h"}

// tierWindow is the time span of one block per tier. Raw blocks cover 2 hours (720 snapshots
// at 10 s: large enough for zstd to find the repetition, small enough that a late snapshot
// rewrites little); a 1-minute block covers a day (1440 points) and a 1-hour block a week
// (168 points), so each rollup block is built once when its window closes.
var tierWindow = [...]int64{2 * 3600_000, 24 * 3600_000, 7 * 24 * 3600_000}

// tierRes is the bucket width per tier (raw has none).
var tierRes = [...]int64{0, 60_000, 3600_000}

// floorTo rounds t down to a multiple of w (also for negative t).
func floorTo(t, w int64) int64 {
	r := t % w
	if r < 0 {
		r += w
	}
	return t - r
}

// readBlob decompresses and decodes a stored block; want selects columns (nil = all).
func (s *Store) readBlob(data []byte, want func(uint32) bool) (*block, error) {
	raw, err := s.dec.DecodeAll(data, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress series block: %w", err)
	}
	return parseBlock(raw, want)
}

// blob encodes and compresses a block for storage.
func (s *Store) blob(b *block, scaleOf func(uint32) int8) []byte {
	return s.enc.EncodeAll(appendBlock(nil, b, scaleOf), nil)
}

// samples counts the values a block holds; for rollups, one per series and bucket.
func (b *block) samples(tier int) int64 {
	var n int64
	for i := range b.cols {
		if tier == tierRaw || b.cols[i].id&7 == statCount {
			n += int64(b.cols[i].presentCount(len(b.times)))
		}
	}
	return n
}

// blockFromSnapshots builds a raw block from snapshots sorted by time with unique times.
func blockFromSnapshots(snaps []Snapshot) *block {
	n := len(snaps)
	b := &block{times: make([]int64, n)}
	idx := map[uint32]int{}
	for i, sn := range snaps {
		b.times[i] = sn.TimeMs
		for _, v := range sn.Samples {
			ci, ok := idx[v.ID]
			if !ok {
				ci = len(b.cols)
				idx[v.ID] = ci
				b.cols = append(b.cols, column{id: v.ID, values: make([]float64, n), present: make([]uint64, (n+63)/64)})
			}
			c := &b.cols[ci]
			c.values[i] = v.Value
			c.present[i/64] |= 1 << (i % 64)
		}
	}
	slices.SortFunc(b.cols, func(x, y column) int { return cmpU32(x.id, y.id) })
	b.normalize()
	return b
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// normalize drops bitmaps of columns that are complete and columns that are empty.
func (b *block) normalize() {
	out := b.cols[:0]
	for _, c := range b.cols {
		switch c.presentCount(len(b.times)) {
		case 0:
			continue
		case len(b.times):
			c.present = nil
		}
		out = append(out, c)
	}
	b.cols = out
}

// mergeBlocks returns the union of two blocks of one host; where both hold a time, the row of
// newer wins whole (a snapshot is replaced, never mixed with another copy of itself).
func mergeBlocks(older, newer *block) *block {
	if older == nil || len(older.times) == 0 {
		return newer
	}
	type src struct {
		b *block
		i int
	}
	var times []int64
	var from []src
	i, j := 0, 0
	for i < len(older.times) || j < len(newer.times) {
		switch {
		case j == len(newer.times) || (i < len(older.times) && older.times[i] < newer.times[j]):
			times, from = append(times, older.times[i]), append(from, src{older, i})
			i++
		case i < len(older.times) && older.times[i] == newer.times[j]:
			times, from = append(times, newer.times[j]), append(from, src{newer, j})
			i++
			j++
		default:
			times, from = append(times, newer.times[j]), append(from, src{newer, j})
			j++
		}
	}
	return project(times, from, []*block{older, newer}, func(f src) (*block, int) { return f.b, f.i })
}

// filterBlock keeps the times of b for which keep is true.
func filterBlock(b *block, keep func(t int64) bool) *block {
	var times []int64
	var from []int
	for i, t := range b.times {
		if keep(t) {
			times, from = append(times, t), append(from, i)
		}
	}
	return project(times, from, []*block{b}, func(i int) (*block, int) { return b, i })
}

// project builds a block whose row k is row at(from[k]) of one of the source blocks.
func project[T any](times []int64, from []T, srcs []*block, at func(T) (*block, int)) *block {
	n := len(times)
	out := &block{times: times}
	byID := map[uint32]int{}
	colOf := map[*block]map[uint32]*column{}
	for _, sb := range srcs {
		m := map[uint32]*column{}
		for ci := range sb.cols {
			c := &sb.cols[ci]
			m[c.id] = c
			if _, ok := byID[c.id]; !ok {
				byID[c.id] = len(out.cols)
				out.cols = append(out.cols, column{id: c.id, values: make([]float64, n), present: make([]uint64, (n+63)/64)})
			}
		}
		colOf[sb] = m
	}
	for k, f := range from {
		sb, i := at(f)
		for id, c := range colOf[sb] {
			if c.has(i) {
				oc := &out.cols[byID[id]]
				oc.values[k] = c.values[i]
				oc.present[k/64] |= 1 << (k % 64)
			}
		}
	}
	for ci := range out.cols {
		for k := range n {
			if !out.cols[ci].has(k) {
				out.cols[ci].values[k] = math.NaN()
			}
		}
	}
	slices.SortFunc(out.cols, func(x, y column) int { return cmpU32(x.id, y.id) })
	out.normalize()
	return out
}
