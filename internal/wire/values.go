package wire

import (
	"math"
)

// deltaContext is the state both ends keep to encode a snapshot as a difference from the one
// before it: the previous sequence number and time, which series were present, and each series'
// last value (as float bits, and as a scaled integer for the delta of exact values).
//
// The encoder and decoder of one connection hold identical contexts: one long-lived for live
// batches, and a fresh one per backlog batch.
type deltaContext struct {
	seq      uint64
	timeMs   int64
	present  []bool
	prevBits []uint64
	prevInt  []int64
}

// grow extends the context to n series in one step: appending one at a time left capacity
// for up to twice the series, in each of thousands of a hub's decoders.
func (c *deltaContext) grow(n int) {
	if k := n - len(c.present); k > 0 {
		c.present = append(c.present, make([]bool, k)...)
		c.prevBits = append(c.prevBits, make([]uint64, k)...)
		c.prevInt = append(c.prevInt, make([]int64, k)...)
	}
}

var pow10 = [MaxScale + 1]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// scaled returns v as an integer count of 10^-scale units when that round-trips bit for bit.
func scaled(v float64, scale uint8) (int64, bool) {
	p := pow10[scale]
	f := math.Round(v * p)
	if math.IsNaN(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	i := int64(f)
	if math.Float64bits(float64(i)/p) != math.Float64bits(v) {
		return 0, false
	}
	return i, true
}

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// appendSnapshot encodes s against ctx and advances ctx. scales[id] is each series' scale.
func appendSnapshot(w *writer, ctx *deltaContext, scales []uint8, s *Snapshot) error {
	n := len(scales)
	ctx.grow(n)
	last := -1
	for _, v := range s.Values {
		if int(v.ID) >= n {
			return malformed("snapshot %d: series id %d not in dictionary of %d", s.Seq, v.ID, n)
		}
		if int(v.ID) <= last {
			return malformed("snapshot %d: series ids not strictly ascending at %d", s.Seq, v.ID)
		}
		last = int(v.ID)
	}
	w.varint(int64(s.Seq - ctx.seq))
	w.varint(s.TimeMs - ctx.timeMs)

	samePresence := true
	j := 0
	for id := 0; id < n && samePresence; id++ {
		here := j < len(s.Values) && s.Values[j].ID == uint32(id)
		if here {
			j++
		}
		samePresence = here == ctx.present[id]
	}
	if samePresence {
		w.byte1(0)
	} else {
		w.byte1(1)
		bits := make([]byte, (n+7)/8)
		for _, v := range s.Values {
			bits[v.ID/8] |= 1 << (v.ID % 8)
		}
		w.uvarint(uint64(n))
		w.b = append(w.b, bits...)
	}

	changed := make([]byte, (len(s.Values)+7)/8)
	for k, v := range s.Values {
		if !ctx.present[v.ID] || ctx.prevBits[v.ID] != math.Float64bits(v.V) {
			changed[k/8] |= 1 << (k % 8)
		}
	}
	w.b = append(w.b, changed...)
	for k, v := range s.Values {
		if changed[k/8]&(1<<(k%8)) == 0 {
			continue
		}
		if i, ok := scaled(v.V, scales[v.ID]); ok {
			w.uvarint(zigzag(i-ctx.prevInt[v.ID]) << 1)
			ctx.prevInt[v.ID] = i
		} else {
			w.uvarint(1)
			w.float64(v.V)
		}
		ctx.prevBits[v.ID] = math.Float64bits(v.V)
	}

	for id := range ctx.present {
		ctx.present[id] = false
	}
	for _, v := range s.Values {
		ctx.present[v.ID] = true
	}
	ctx.seq, ctx.timeMs = s.Seq, s.TimeMs
	return nil
}

// readSnapshot decodes one snapshot against ctx and advances ctx, mirroring appendSnapshot.
func readSnapshot(r *reader, ctx *deltaContext, scales []uint8) Snapshot {
	n := len(scales)
	ctx.grow(n)
	var s Snapshot
	s.Seq = ctx.seq + uint64(r.varint("snapshot seq"))
	s.TimeMs = ctx.timeMs + r.varint("snapshot time")
	switch flags := r.byte1("snapshot flags"); {
	case r.err != nil:
		return s
	case flags == 1:
		nbits := int(r.bounded("presence bitmap size", MaxSeries))
		if r.err == nil && nbits != n {
			r.fail("presence bitmap covers %d series, dictionary has %d", nbits, n)
		}
		if r.err != nil {
			return s
		}
		if len(r.b) < (n+7)/8 {
			r.fail("truncated presence bitmap")
			return s
		}
		for id := 0; id < n; id++ {
			ctx.present[id] = r.b[id/8]&(1<<(id%8)) != 0
		}
		if n%8 != 0 && r.b[n/8]>>(n%8) != 0 {
			r.fail("presence bitmap has bits beyond the dictionary")
			return s
		}
		r.b = r.b[(n+7)/8:]
	case flags != 0:
		r.fail("unknown snapshot flags %#x", flags)
		return s
	}

	count := 0
	for id := 0; id < n; id++ {
		if ctx.present[id] {
			count++
		}
	}
	if len(r.b) < (count+7)/8 {
		r.fail("truncated change bitmap")
		return s
	}
	changed := r.b[:(count+7)/8]
	r.b = r.b[(count+7)/8:]
	s.Values = make([]Value, 0, count)
	k := 0
	for id := 0; id < n && r.err == nil; id++ {
		if !ctx.present[id] {
			continue
		}
		if changed[k/8]&(1<<(k%8)) != 0 {
			tag := r.uvarint("value")
			if tag&1 == 1 {
				if tag != 1 {
					r.fail("bad value tag %d", tag)
				}
				ctx.prevBits[id] = math.Float64bits(r.float64("float value"))
			} else {
				i := ctx.prevInt[id] + unzigzag(tag>>1)
				ctx.prevInt[id] = i
				ctx.prevBits[id] = math.Float64bits(float64(i) / pow10[scales[id]])
			}
		}
		s.Values = append(s.Values, Value{ID: uint32(id), V: math.Float64frombits(ctx.prevBits[id])})
		k++
	}
	if count%8 != 0 && changed[count/8]>>(count%8) != 0 {
		r.fail("change bitmap has bits beyond the present series")
	}
	ctx.seq, ctx.timeMs = s.Seq, s.TimeMs
	return s
}
