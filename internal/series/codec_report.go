package series

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/klauspost/compress/zstd"
)

// CodecStats is what `vigil bench codec` prints.
type CodecStats struct {
	Samples        int
	Series         int
	Bytes          int
	BytesPerSample float64
}

// CodecReport encodes a CSV recording (timestamp_ms,series,value; a header line is allowed)
// the way the store does — one row per timestamp with every series' value — then zstd, and
// reports the size. Values are treated as floats unless they are integers.
func CodecReport(r io.Reader) (CodecStats, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	ids := map[string]uint32{}
	byTime := map[int64][]Sample{}
	var st CodecStats
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("line %d: %w", line, err)
		}
		ts, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil {
			if line == 1 {
				continue // header
			}
			return st, fmt.Errorf("line %d: timestamp_ms %q: %w", line, rec[0], err)
		}
		v, err := strconv.ParseFloat(rec[2], 64)
		if err != nil {
			return st, fmt.Errorf("line %d: value %q: %w", line, rec[2], err)
		}
		id, ok := ids[rec[1]]
		if !ok {
			id = uint32(len(ids))
			ids[rec[1]] = id
		}
		byTime[ts] = append(byTime[ts], Sample{ID: id, Value: v})
		st.Samples++
	}
	scales := make([]int8, len(ids))
	for i := range scales {
		scales[i] = 2
	}
	times := make([]int64, 0, len(byTime))
	for t := range byTime {
		times = append(times, t)
	}
	slices.Sort(times)
	var raw []byte
	for _, t := range times {
		s := byTime[t]
		slices.SortFunc(s, func(a, b Sample) int { return int(a.ID) - int(b.ID) })
		raw = append(raw, encodeRow(s, scales)...)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		return st, err
	}
	defer enc.Close()
	st.Series = len(ids)
	st.Bytes = len(enc.EncodeAll(raw, nil)) + 8*len(times)
	if st.Samples > 0 {
		st.BytesPerSample = float64(st.Bytes) / float64(st.Samples)
	}
	return st, nil
}
