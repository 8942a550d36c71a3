package series

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// block is the decoded form of one host's time window: one timestamp column shared by all the
// host's series (its snapshots are taken together) and one value column per series.
type block struct {
	times []int64
	cols  []column
}

// column is one series in a block. present is a bitmap over times (bit i of word i/64); nil
// means the series has a value at every time. values is as long as times; entries at absent
// positions are not stored and decode as NaN.
type column struct {
	id      uint32
	present []uint64
	values  []float64
}

func (c *column) has(i int) bool { return c.present == nil || c.present[i/64]>>(i%64)&1 == 1 }

// blockVersion is the first byte of every uncompressed block, so the format can evolve.
const blockVersion = 1

// Column kinds, stored in the low two bits of a column's kind byte; bit 2 flags a bitmap.
const (
	kindInt    = 0 // decimal-scaled integers: zigzag varint of the first, then of each delta
	kindXOR    = 1 // Gorilla XOR floats
	kindBitmap = 4
)

const maxScale = 9

var pow10 = [maxScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// exact reports v as an integer number of 10^-scale units when that round-trips bit for bit.
// Division of two exactly representable integers is correctly rounded, so a value exact at
// scale s is exact at every larger scale as well.
func exact(v float64, scale int8) (int64, bool) {
	if scale < 0 || scale > maxScale {
		return 0, false
	}
	p := pow10[scale]
	f := math.Round(v * p)
	if math.IsNaN(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	n := int64(f)
	return n, math.Float64bits(float64(n)/p) == math.Float64bits(v)
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// appendBlock encodes b (uncompressed). scaleOf gives the largest decimal scale worth trying
// for a column (negative: floats only); the smallest exact scale up to it is used, so integral
// values of a 2-digit series still travel as small integers.
func appendBlock(dst []byte, b *block, scaleOf func(id uint32) int8) []byte {
	dst = append(dst, blockVersion)
	dst = binary.AppendUvarint(dst, uint64(len(b.times)))
	var prev, prevDelta int64
	for i, t := range b.times {
		switch i {
		case 0:
			dst = binary.AppendUvarint(dst, zigzag(t))
		case 1:
			prevDelta = t - prev
			dst = binary.AppendUvarint(dst, zigzag(prevDelta))
		default:
			d := t - prev
			dst = binary.AppendUvarint(dst, zigzag(d-prevDelta))
			prevDelta = d
		}
		prev = t
	}
	dst = binary.AppendUvarint(dst, uint64(len(b.cols)))
	var vals []float64 // present values of the current column, reused
	var payload []byte
	for ci := range b.cols {
		c := &b.cols[ci]
		vals = vals[:0]
		for i, v := range c.values[:len(b.times)] {
			if c.has(i) {
				vals = append(vals, v)
			}
		}
		dst = binary.AppendUvarint(dst, uint64(c.id))
		sc, ok := pickScale(vals, scaleOf(c.id))
		kind := byte(kindXOR)
		if ok {
			kind = kindInt
		}
		bitmap := c.present != nil && len(vals) != len(b.times)
		if bitmap {
			kind |= kindBitmap
		}
		dst = append(dst, kind)
		if ok {
			dst = append(dst, byte(sc))
		}
		if bitmap {
			for i := 0; i < len(b.times); i += 8 {
				var by byte
				for j := i; j < i+8 && j < len(b.times); j++ {
					if c.has(j) {
						by |= 1 << (j - i)
					}
				}
				dst = append(dst, by)
			}
		}
		payload = payload[:0]
		if ok {
			var last int64
			for _, v := range vals {
				n, _ := exact(v, sc)
				payload = binary.AppendUvarint(payload, zigzag(n-last))
				last = n
			}
		} else {
			payload = appendXOR(payload, vals)
		}
		dst = binary.AppendUvarint(dst, uint64(len(payload)))
		dst = append(dst, payload...)
	}
	return dst
}

// pickScale returns the smallest scale ≤ limit at which every value is exact.
func pickScale(vals []float64, limit int8) (int8, bool) {
	if limit < 0 {
		limit = 0 // integral floats are exact at scale 0 whatever the metric's precision
	}
	sc := int8(0)
	for _, v := range vals {
		for {
			if _, ok := exact(v, sc); ok {
				break
			}
			if sc == limit {
				return 0, false
			}
			sc++
		}
	}
	// A larger scale keeps earlier values exact unless it pushes them past 2^53; check.
	for _, v := range vals {
		if _, ok := exact(v, sc); !ok {
			return 0, false
		}
	}
	return sc, true
}

var errBlock = errors.New("series block: corrupt")

// parseBlock decodes an uncompressed block. want selects the columns to decode (nil = all);
// the others are skipped by their stored length, which keeps queries for a few series cheap.
func parseBlock(src []byte, want func(id uint32) bool) (*block, error) {
	if len(src) == 0 || src[0] != blockVersion {
		return nil, fmt.Errorf("series block: unknown version: %w", errBlock)
	}
	p := src[1:]
	uv := func() (uint64, error) {
		v, k := binary.Uvarint(p)
		if k <= 0 {
			return 0, errBlock
		}
		p = p[k:]
		return v, nil
	}
	n, err := uv()
	if err != nil || n > uint64(len(p)) { // every time takes at least one byte
		return nil, fmt.Errorf("series block: time count: %w", errBlock)
	}
	b := &block{times: make([]int64, n)}
	var prev, delta int64
	for i := range b.times {
		u, err := uv()
		if err != nil {
			return nil, fmt.Errorf("series block: time %d: %w", i, err)
		}
		z := unzigzag(u)
		switch i {
		case 0:
			prev = z
		case 1:
			delta = z
			prev += delta
		default:
			delta += z
			prev += delta
		}
		b.times[i] = prev
	}
	ncols, err := uv()
	if err != nil || ncols > uint64(len(p)) {
		return nil, fmt.Errorf("series block: column count: %w", errBlock)
	}
	words := (len(b.times) + 63) / 64
	for ci := uint64(0); ci < ncols; ci++ {
		id64, err := uv()
		if err != nil || id64 > math.MaxUint32 || len(p) == 0 {
			return nil, fmt.Errorf("series block: column %d header: %w", ci, errBlock)
		}
		kind := p[0]
		p = p[1:]
		var sc int8
		if kind&3 == kindInt {
			if len(p) == 0 || p[0] > maxScale {
				return nil, fmt.Errorf("series block: column %d scale: %w", ci, errBlock)
			}
			sc, p = int8(p[0]), p[1:]
		} else if kind&3 != kindXOR || kind > kindXOR|kindBitmap {
			return nil, fmt.Errorf("series block: column %d kind %d: %w", ci, kind, errBlock)
		}
		c := column{id: uint32(id64)}
		count := len(b.times)
		if kind&kindBitmap != 0 {
			nb := (len(b.times) + 7) / 8
			if len(p) < nb {
				return nil, fmt.Errorf("series block: column %d bitmap: %w", ci, errBlock)
			}
			c.present = make([]uint64, words)
			count = 0
			for i := 0; i < len(b.times); i++ {
				if p[i/8]>>(i%8)&1 == 1 {
					c.present[i/64] |= 1 << (i % 64)
					count++
				}
			}
			p = p[nb:]
		}
		plen, err := uv()
		if err != nil || plen > uint64(len(p)) {
			return nil, fmt.Errorf("series block: column %d length: %w", ci, errBlock)
		}
		payload := p[:plen]
		p = p[plen:]
		if want != nil && !want(c.id) {
			continue
		}
		if err := decodeColumn(&c, kind&3, sc, payload, count, len(b.times)); err != nil {
			return nil, fmt.Errorf("series block: column %d (id %d): %w", ci, c.id, err)
		}
		b.cols = append(b.cols, c)
	}
	return b, nil
}

// decodeColumn fills c.values (length n) from payload holding count present values.
func decodeColumn(c *column, kind byte, sc int8, payload []byte, count, n int) error {
	vals := make([]float64, count)
	if kind == kindXOR {
		if err := readXOR(payload, vals); err != nil {
			return err
		}
	} else {
		var last int64
		p := pow10[sc]
		for i := range vals {
			u, k := binary.Uvarint(payload)
			if k <= 0 {
				return errBlock
			}
			payload = payload[k:]
			last += unzigzag(u)
			vals[i] = float64(last) / p
		}
	}
	if c.present == nil {
		c.values = vals
		return nil
	}
	c.values = make([]float64, n)
	j := 0
	for w, word := range c.present {
		for i := w * 64; i < (w+1)*64 && i < n; i++ {
			if word>>(i%64)&1 == 1 {
				c.values[i] = vals[j]
				j++
			} else {
				c.values[i] = math.NaN()
			}
		}
	}
	return nil
}

// presentCount counts the values a column holds over n times.
func (c *column) presentCount(n int) int {
	if c.present == nil {
		return n
	}
	total := 0
	for _, w := range c.present {
		total += bits.OnesCount64(w)
	}
	return total
}
