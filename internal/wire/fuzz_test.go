package wire

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary frames to a decoder that has seen a valid hello. It must never
// panic, and every failure must be a protocol error (ErrMalformed), never anything else.
func FuzzDecode(f *testing.F) {
	for _, name := range append(append(goldenOrder, goldenV2Order...), goldenV3Order...) {
		if b, err := os.ReadFile(filepath.Join("testdata", name+".bin")); err == nil {
			f.Add(b)
		}
	}
	c := newCompressor(f)
	// A version 3 hello, so that the version 2 and 3 types are decoded too.
	hello, err := NewEncoder(c).Hello(&Hello{Version: 3, Series: hostSeries(), Probes: true})
	if err != nil {
		f.Fatal(err)
	}
	welcome := NewEncoder(c).Welcome(&Welcome{Version: 3, HostID: 1})
	f.Fuzz(func(t *testing.T, frame []byte) {
		// The agent's side: after a welcome it decodes what the hub sends (probe_checks).
		agent := NewDecoder(c)
		if _, err := agent.Decode(welcome); err != nil {
			t.Fatal(err)
		}
		if _, err := agent.Decode(frame); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("agent side: got error %v, want ErrMalformed", err)
		}
		dec := NewDecoder(c)
		if _, err := dec.Decode(hello); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // twice: the second pass exercises the advanced delta context
			if _, err := dec.Decode(frame); err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got error %v, want ErrMalformed", err)
				}
				return
			}
		}
	})
}

// FuzzRoundTrip checks decode(encode(x)) == x for arbitrary values, bit for bit.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint64(1), int64(1000), 12.5, 3.0, uint8(2), true)
	f.Add(uint64(9), int64(-5), -0.0, 1e300, uint8(0), false)
	c := newCompressor(f)
	f.Fuzz(func(t *testing.T, seq uint64, ts int64, a, b float64, scale uint8, presentB bool) {
		scale %= MaxScale + 1
		series := []Series{{ID: 0, Name: "a", Scale: scale}, {ID: 1, Name: "b", Scale: scale}}
		enc, dec := NewEncoder(c), NewDecoder(c)
		h, err := enc.Hello(&Hello{Series: series})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dec.Decode(h); err != nil {
			t.Fatal(err)
		}
		for _, snap := range []Snapshot{
			{Seq: seq, TimeMs: ts, Values: []Value{{0, a}, {1, b}}},
			{Seq: seq + 1, TimeMs: ts + 7, Values: values(b, a, presentB)},
		} {
			frame, err := enc.Batch(&Batch{Snapshots: []Snapshot{snap}})
			if err != nil {
				t.Fatal(err)
			}
			m, err := dec.Decode(frame)
			if err != nil {
				t.Fatal(err)
			}
			got := m.(*Batch).Snapshots[0]
			if got.Seq != snap.Seq || got.TimeMs != snap.TimeMs || len(got.Values) != len(snap.Values) {
				t.Fatalf("got %+v, want %+v", got, snap)
			}
			for i := range got.Values {
				if math.Float64bits(got.Values[i].V) != math.Float64bits(snap.Values[i].V) {
					t.Fatalf("value %d: got %v, want %v", i, got.Values[i].V, snap.Values[i].V)
				}
			}
		}
	})
}

func values(a, b float64, both bool) []Value {
	if both {
		return []Value{{0, a}, {1, b}}
	}
	return []Value{{0, a}}
}
