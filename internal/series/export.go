package series

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// seriesName spells a key as the CSV's series column: name, or name{label}.
func seriesName(k Key) string {
	if k.Label == "" {
		return k.Name
	}
	return k.Name + "{" + k.Label + "}"
}

// WriteCSV writes a host's series over q's range as `timestamp_ms,series,value` rows, the
// format CodecReport reads. With q.Step 0 it writes raw samples (one 2-hour window at a time,
// so memory stays bounded); with a step it writes the points Query returns.
func (s *Store) WriteCSV(ctx context.Context, w io.Writer, q Query) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"timestamp_ms", "series", "value"}); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if q.Step > 0 {
		res, err := s.Query(ctx, q)
		if err != nil {
			return err
		}
		for i, t := range res.Times {
			for _, rs := range res.Series {
				if v := rs.Values[i]; !math.IsNaN(v) {
					if err := writeRow(cw, t, seriesName(Key{rs.Name, rs.Label}), v); err != nil {
						return err
					}
				}
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if q.To < q.From {
		return fmt.Errorf("export host %d: to %d before from %d", q.HostID, q.To, q.From)
	}
	keys, _, err := s.readerDict(ctx, q.HostID)
	if err != nil {
		return err
	}
	colOf := selectSeries(keys, q.Names, &Result{})
	want := func(id uint32) bool { return int(id) < len(colOf) && colOf[id] >= 0 }
	win := tierWindow[tierRaw]
	for start := floorTo(q.From, win); start <= q.To; start += win {
		var pts points
		if err := s.scanRaw(ctx, q.HostID, max(start, q.From), min(start+win-1, q.To), want, &pts); err != nil {
			return err
		}
		slices.SortFunc(pts, func(a, b point) int {
			if a.t != b.t {
				return cmp.Compare(a.t, b.t)
			}
			return cmpU32(a.id, b.id)
		})
		for _, p := range pts {
			if err := writeRow(cw, p.t, seriesName(keys[p.id]), p.v); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

type point struct {
	t  int64
	id uint32
	v  float64
}

type points []point

func (p *points) add(t int64, id uint32, v, _ float64) { *p = append(*p, point{t, id, v}) }

func writeRow(cw *csv.Writer, t int64, name string, v float64) error {
	if err := cw.Write([]string{strconv.FormatInt(t, 10), name, strconv.FormatFloat(v, 'g', -1, 64)}); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// CodecStats is what `vigil bench codec` prints.
type CodecStats struct {
	Samples        int
	Series         int
	Blocks         int
	Bytes          int
	BytesPerSample float64
}

// CodecReport encodes a CSV recording (timestamp_ms,series,value; a header line is allowed)
// the way the store encodes raw blocks — all series as one host, one block per 2-hour window,
// each value column at the smallest exact decimal scale up to 9 digits, else XOR floats, then
// zstd — and reports the size.
func CodecReport(r io.Reader) (CodecStats, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	ids := map[string]uint32{}
	byWindow := map[int64]map[int64][]Sample{}
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
		w := floorTo(ts, tierWindow[tierRaw])
		if byWindow[w] == nil {
			byWindow[w] = map[int64][]Sample{}
		}
		byWindow[w][ts] = append(byWindow[w][ts], Sample{ID: id, Value: v})
		st.Samples++
	}
	enc, _, err := newZstd()
	if err != nil {
		return st, err
	}
	defer enc.Close()
	for _, snapsAt := range byWindow {
		snaps := make([]Snapshot, 0, len(snapsAt))
		for t, s := range snapsAt {
			snaps = append(snaps, Snapshot{TimeMs: t, Samples: s})
		}
		slices.SortFunc(snaps, func(a, b Snapshot) int { return cmp.Compare(a.TimeMs, b.TimeMs) })
		b := blockFromSnapshots(snaps)
		st.Bytes += len(enc.EncodeAll(appendBlock(nil, b, func(uint32) int8 { return maxScale }), nil))
		st.Blocks++
	}
	st.Series = len(ids)
	if st.Samples > 0 {
		st.BytesPerSample = float64(st.Bytes) / float64(st.Samples)
	}
	return st, nil
}
