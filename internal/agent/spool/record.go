package spool

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
)

// encode frames a record: uint32 body length, uint32 CRC-32C of the body, then the body of
// uvarint seq, varint time_ms, uvarint count and count × (uvarint key index, f64 value).
func encode(r Record) []byte {
	b := make([]byte, 8, 8+20+len(r.Values)*10)
	b = binary.AppendUvarint(b, r.Seq)
	b = binary.AppendVarint(b, r.TimeMs)
	b = binary.AppendUvarint(b, uint64(len(r.Values)))
	for _, v := range r.Values {
		b = binary.AppendUvarint(b, uint64(v.ID))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.V))
	}
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)-8))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(b[8:], crcTable))
	return b
}

// decode parses a record body; the CRC has already been checked, so errors here mean a bug or
// a file written by something else.
func decode(p []byte) (Record, error) {
	var r Record
	var n int
	if r.Seq, n = binary.Uvarint(p); n <= 0 {
		return r, errors.New("bad seq")
	}
	p = p[n:]
	if r.TimeMs, n = binary.Varint(p); n <= 0 {
		return r, errors.New("bad time")
	}
	p = p[n:]
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p)) {
		return r, errors.New("bad count")
	}
	p = p[n:]
	r.Values = make([]Value, 0, count)
	for i := uint64(0); i < count; i++ {
		id, n := binary.Uvarint(p)
		if n <= 0 || len(p) < n+8 || id > math.MaxUint32 {
			return r, errors.New("bad value")
		}
		r.Values = append(r.Values, Value{ID: uint32(id), V: math.Float64frombits(binary.LittleEndian.Uint64(p[n:]))})
		p = p[n+8:]
	}
	if len(p) != 0 {
		return r, errors.New("trailing bytes")
	}
	return r, nil
}
