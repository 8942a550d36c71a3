package series

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sameBlock reports the first difference between two blocks, comparing present values bit for
// bit (absent positions carry no value).
func sameBlock(got, want *block) error {
	if !slices.Equal(got.times, want.times) {
		return fmt.Errorf("got times %v, want %v", got.times, want.times)
	}
	if len(got.cols) != len(want.cols) {
		return fmt.Errorf("got %d columns, want %d", len(got.cols), len(want.cols))
	}
	for ci := range want.cols {
		g, w := &got.cols[ci], &want.cols[ci]
		if g.id != w.id {
			return fmt.Errorf("column %d: got id %d, want %d", ci, g.id, w.id)
		}
		for i := range want.times {
			if g.has(i) != w.has(i) {
				return fmt.Errorf("column %d time %d: got present %v, want %v", ci, i, g.has(i), w.has(i))
			}
			if w.has(i) && math.Float64bits(g.values[i]) != math.Float64bits(w.values[i]) {
				return fmt.Errorf("column %d time %d: got %v (%#x), want %v (%#x)", ci, i,
					g.values[i], math.Float64bits(g.values[i]), w.values[i], math.Float64bits(w.values[i]))
			}
		}
	}
	return nil
}

func roundTrip(t *testing.T, b *block, scaleOf func(uint32) int8) {
	t.Helper()
	enc := appendBlock(nil, b, scaleOf)
	got, err := parseBlock(enc, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if err := sameBlock(got, b); err != nil {
		t.Fatal(err)
	}
}

func bitmapOf(bits ...bool) []uint64 {
	m := make([]uint64, (len(bits)+63)/64)
	for i, b := range bits {
		if b {
			m[i/64] |= 1 << (i % 64)
		}
	}
	return m
}

func TestCodecRoundTrip(t *testing.T) {
	nanPayload := math.Float64frombits(0x7ff8dead0000beef)
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name  string
		block block
		scale int8
	}{
		{"empty", block{}, 2},
		{"one time no columns", block{times: []int64{42}}, 2},
		{"exact percentages", block{times: []int64{0, 10_000, 20_000, 30_000},
			cols: []column{{id: 3, values: []float64{12.5, 12.25, 99.99, 0}}}}, 2},
		{"integral bytes", block{times: []int64{1, 2, 3},
			cols: []column{{id: 0, values: []float64{1 << 40, 1<<40 + 4096, 3}}}}, 0},
		{"floats when not exact", block{times: []int64{5, 6, 7},
			cols: []column{{id: 1, values: []float64{math.Pi, 1.0 / 3, 1.0 / 3}}}}, 2},
		{"special floats", block{times: []int64{-5, 0, 7, 1 << 50, math.MaxInt64},
			cols: []column{{id: 9, values: []float64{math.NaN(), nanPayload, negZero, math.Inf(1), math.Inf(-1)}}}}, 2},
		{"huge and tiny", block{times: []int64{math.MinInt64, 0, math.MaxInt64},
			cols: []column{{id: 2, values: []float64{math.MaxFloat64, math.SmallestNonzeroFloat64, -1e300}}}}, 9},
		{"gaps", block{times: []int64{10, 20, 30, 40},
			cols: []column{
				{id: 0, values: []float64{1, 0, 3, 0}, present: bitmapOf(true, false, true, false)},
				{id: 1, values: []float64{0, 0, 0, 0}, present: bitmapOf(false, false, false, false)},
				{id: 2, values: []float64{1.5, 2.5, 3.5, 4.5}},
			}}, 1},
		{"float only store", block{times: []int64{1, 2},
			cols: []column{{id: 0, values: []float64{2, 3}}, {id: 1, values: []float64{0.1, 0.2}}}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, &tt.block, func(uint32) int8 { return tt.scale })
		})
	}
}

func TestCodecSkipsUnwantedColumns(t *testing.T) {
	b := &block{times: []int64{1, 2}, cols: []column{{id: 0, values: []float64{1, 2}}, {id: 7, values: []float64{3, 4}}}}
	got, err := parseBlock(appendBlock(nil, b, func(uint32) int8 { return 2 }), func(id uint32) bool { return id == 7 })
	if err != nil {
		t.Fatal(err)
	}
	if len(got.cols) != 1 || got.cols[0].id != 7 || got.cols[0].values[1] != 4 {
		t.Errorf("got columns %+v, want only id 7 with [3 4]", got.cols)
	}
}

// FuzzCodec builds a block from arbitrary bytes — irregular increasing timestamps, columns of
// raw float bits (any NaN payload, ±Inf, -0, subnormals) or scaled decimals, random gaps — and
// checks decode(encode(x)) == x bit for bit. Garbage handed to parseBlock must not panic.
func FuzzCodec(f *testing.F) {
	f.Add([]byte{3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9})
	f.Add([]byte("\x05\x01\x7f\xf8\xde\xad\x00\x00\xbe\xef\x80\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseBlock(data, nil)
		rd := func() uint64 {
			var buf [8]byte
			n := copy(buf[:], data)
			data = data[n:]
			return binary.LittleEndian.Uint64(buf[:])
		}
		hdr := rd()
		n := int(hdr % 40)
		ncols := int(hdr >> 8 % 5)
		scale := int8(hdr>>16%11) - 1
		b := &block{times: make([]int64, n)}
		t0 := int64(rd())
		for i := range b.times {
			b.times[i] = t0
			t0 += 1 + int64(rd()%100_000)
		}
		for c := 0; c < ncols; c++ {
			col := column{id: uint32(rd()), values: make([]float64, n)}
			mode := rd()
			if mode&1 == 1 {
				col.present = make([]uint64, (n+63)/64)
			}
			for i := range col.values {
				r := rd()
				switch mode >> 1 % 3 {
				case 0:
					col.values[i] = math.Float64frombits(r)
				case 1:
					col.values[i] = float64(int64(r)%1_000_000) / 100
				default:
					col.values[i] = float64(int64(r) >> 11)
				}
				if col.present != nil && r>>63 == 1 {
					col.present[i/64] |= 1 << (i % 64)
				}
			}
			b.cols = append(b.cols, col)
		}
		got, err := parseBlock(appendBlock(nil, b, func(uint32) int8 { return scale }), nil)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if err := sameBlock(got, b); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCodecRandomBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b := hostLikeBlock(rng, 100+rng.IntN(700), 1+rng.IntN(150), 10_000)
			roundTrip(t, b, func(id uint32) int8 { return int8(id % 3) })
		})
	}
}
