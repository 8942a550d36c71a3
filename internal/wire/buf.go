package wire

import (
	"encoding/binary"
	"math"
)

// writer appends protocol primitives to a byte slice.
type writer struct{ b []byte }

func (w *writer) byte1(v byte)      { w.b = append(w.b, v) }
func (w *writer) uvarint(v uint64)  { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) varint(v int64)    { w.b = binary.AppendVarint(w.b, v) }
func (w *writer) bytes(p []byte)    { w.uvarint(uint64(len(p))); w.b = append(w.b, p...) }
func (w *writer) str(s string)      { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) float64(v float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }

// reader consumes protocol primitives. The first failure sticks in err and every later read
// returns zero values, so decoders check err once per message rather than after every field.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = malformed(format, args...)
	}
}

func (r *reader) byte1(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail("truncated %s", what)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint in %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint in %s", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bounded reads a uvarint and rejects it above max, naming the field.
func (r *reader) bounded(what string, max uint64) uint64 {
	v := r.uvarint(what)
	if r.err == nil && v > max {
		r.fail("%s is %d, limit %d", what, v, max)
		return 0
	}
	return v
}

func (r *reader) bytes(what string, max int) []byte {
	n := int(r.bounded(what+" length", uint64(max)))
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("truncated %s", what)
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) str(what string, max int) string { return string(r.bytes(what, max)) }

func (r *reader) float64(what string) float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.fail("truncated %s", what)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *reader) done(what string) {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes after %s", len(r.b), what)
	}
}
