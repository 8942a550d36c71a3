package series

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// encodeRow packs one snapshot: uvarint count, then per sample the uvarint gap from the previous
// series ID and a uvarint tag. Tag bit 0 clear: the value is exact at its series' scale and
// tag>>1 is the zigzag integer; tag 1: eight bytes of float64 follow.
func encodeRow(samples []Sample, scales []int8) []byte {
	b := make([]byte, 0, 4+len(samples)*4)
	b = binary.AppendUvarint(b, uint64(len(samples)))
	prev := uint32(0)
	for i, v := range samples {
		gap := v.ID - prev
		if i == 0 {
			gap = v.ID
		}
		if i > 0 && v.ID <= prev { // unsorted input: store the absolute id behind a marker
			gap = 0
		}
		b = binary.AppendUvarint(b, uint64(gap))
		if gap == 0 && i > 0 {
			b = binary.AppendUvarint(b, uint64(v.ID))
		}
		prev = v.ID
		if n, ok := exact(v.Value, scales[v.ID]); ok {
			b = binary.AppendUvarint(b, zigzag(n)<<1)
		} else {
			b = binary.AppendUvarint(b, 1)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Value))
		}
	}
	return b
}

func decodeRow(b []byte, scales []int8) ([]Sample, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("series row: bad count")
	}
	b = b[k:]
	out := make([]Sample, 0, n)
	prev := uint32(0)
	for i := uint64(0); i < n; i++ {
		gap, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("series row: bad id")
		}
		b = b[k:]
		id := prev + uint32(gap)
		if i == 0 {
			id = uint32(gap)
		} else if gap == 0 {
			abs, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, errors.New("series row: bad id")
			}
			b = b[k:]
			id = uint32(abs)
		}
		prev = id
		if int(id) >= len(scales) {
			return nil, fmt.Errorf("series row: id %d beyond dictionary of %d", id, len(scales))
		}
		tag, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("series row: bad value")
		}
		b = b[k:]
		var v float64
		if tag&1 == 1 {
			if len(b) < 8 {
				return nil, errors.New("series row: truncated float")
			}
			v = math.Float64frombits(binary.LittleEndian.Uint64(b))
			b = b[8:]
		} else {
			sc := scales[id]
			if sc < 0 {
				sc = 0
			}
			v = float64(unzigzag(tag>>1)) / pow10[sc]
		}
		out = append(out, Sample{ID: id, Value: v})
	}
	return out, nil
}
