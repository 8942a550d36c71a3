package series

import (
	"errors"
	"math"
	"math/bits"
)

// bitWriter appends bits most-significant first. Gorilla's XOR scheme works on bit
// granularity, so the float column needs its own small bit stream; the rest of the block is
// byte-aligned varints.
type bitWriter struct {
	buf  []byte
	acc  uint64 // pending bits, right-aligned
	nacc uint   // number of pending bits (< 8 between calls)
}

// write appends the low n bits of v (n ≤ 64).
func (w *bitWriter) write(v uint64, n uint) {
	for n > 0 {
		take := min(n, 56-w.nacc) // keep acc from overflowing
		chunk := (v >> (n - take)) & (1<<take - 1)
		w.acc = w.acc<<take | chunk
		w.nacc += take
		n -= take
		for w.nacc >= 8 {
			w.buf = append(w.buf, byte(w.acc>>(w.nacc-8)))
			w.nacc -= 8
		}
		w.acc &= 1<<w.nacc - 1
	}
}

// bytes flushes the partial last byte (zero-padded) and returns the stream.
func (w *bitWriter) bytes() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.nacc)))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

type bitReader struct {
	buf []byte
	pos uint // bit position
}

var errShortBits = errors.New("xor column: truncated bit stream")

func (r *bitReader) read(n uint) (uint64, error) {
	if uint(len(r.buf))*8-r.pos < n {
		return 0, errShortBits
	}
	var v uint64
	for n > 0 {
		byteIdx, bitOff := r.pos/8, r.pos%8
		avail := 8 - bitOff
		take := min(avail, n)
		b := uint64(r.buf[byteIdx]>>(avail-take)) & (1<<take - 1)
		v = v<<take | b
		r.pos += take
		n -= take
	}
	return v, nil
}

// appendXOR encodes vals Gorilla-style: the first value's 64 bits, then per value a 0 bit when
// it repeats the previous one, or 1 and the XOR with the previous value — either inside the
// previous leading/trailing-zero window (control bit 0) or with a new 6-bit leading-zero count
// and 6-bit length (control bit 1). Float bits are kept verbatim, so NaN payloads, -0 and ±Inf
// survive.
func appendXOR(dst []byte, vals []float64) []byte {
	if len(vals) == 0 {
		return dst
	}
	w := bitWriter{buf: dst}
	prev := math.Float64bits(vals[0])
	w.write(prev, 64)
	prevLead, prevTrail := uint(65), uint(0) // 65: no window yet
	for _, f := range vals[1:] {
		cur := math.Float64bits(f)
		x := cur ^ prev
		prev = cur
		if x == 0 {
			w.write(0, 1)
			continue
		}
		lead, trail := uint(bits.LeadingZeros64(x)), uint(bits.TrailingZeros64(x))
		if prevLead <= 64 && lead >= prevLead && trail >= prevTrail {
			w.write(0b10, 2)
			w.write(x>>prevTrail, 64-prevLead-prevTrail)
			continue
		}
		sig := 64 - lead - trail // 1..64
		w.write(0b11, 2)
		w.write(uint64(lead), 6)
		w.write(uint64(sig-1), 6)
		w.write(x>>trail, sig)
		prevLead, prevTrail = lead, trail
	}
	return w.bytes()
}

// readXOR decodes n values written by appendXOR into dst.
func readXOR(src []byte, dst []float64) error {
	if len(dst) == 0 {
		return nil
	}
	r := bitReader{buf: src}
	prev, err := r.read(64)
	if err != nil {
		return err
	}
	dst[0] = math.Float64frombits(prev)
	var lead, trail uint
	haveWindow := false
	for i := 1; i < len(dst); i++ {
		b, err := r.read(1)
		if err != nil {
			return err
		}
		if b == 0 {
			dst[i] = math.Float64frombits(prev)
			continue
		}
		ctl, err := r.read(1)
		if err != nil {
			return err
		}
		if ctl == 1 {
			l, err := r.read(6)
			if err != nil {
				return err
			}
			s, err := r.read(6)
			if err != nil {
				return err
			}
			sig := uint(s) + 1
			if uint(l)+sig > 64 {
				return errors.New("xor column: bad window")
			}
			lead, trail, haveWindow = uint(l), 64-uint(l)-sig, true
		} else if !haveWindow {
			return errors.New("xor column: window reused before set")
		}
		x, err := r.read(64 - lead - trail)
		if err != nil {
			return err
		}
		prev ^= x << trail
		dst[i] = math.Float64frombits(prev)
	}
	return nil
}
