package wire

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func newCompressor(t testing.TB) *Compressor {
	t.Helper()
	c, err := NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testSeries() []Series {
	return []Series{
		{ID: 0, Name: "cpu.used_pct", Unit: "%", Scale: 2},
		{ID: 1, Name: "mem.used_bytes", Unit: "B", Scale: 0},
		{ID: 2, Name: "net.rx_bps", Label: "eth0", Unit: "B/s", Scale: 0},
		{ID: 3, Name: "load.1", Scale: 2},
	}
}

// equalBits compares messages so that NaN equals NaN with the same bits and -0 differs from 0.
var equalBits = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

func TestRoundTrip(t *testing.T) {
	c := newCompressor(t)
	hello := &Hello{Version: Version, AgentVersion: "0.1.0", Facts: []byte(`{"hostname":"a"}`), IntervalMs: 10000, Series: testSeries()}
	tests := []struct {
		name    string
		batches []*Batch
	}{
		{"single", []*Batch{{Snapshots: []Snapshot{{Seq: 1, TimeMs: 1700000000000, Values: []Value{{0, 12.5}, {1, 1 << 30}, {2, 1234}, {3, 0.42}}}}}}},
		{"steady changes and repeats", []*Batch{
			{Snapshots: []Snapshot{{Seq: 1, TimeMs: 1000, Values: []Value{{0, 1.25}, {1, 100}, {2, 5}, {3, 0.5}}}}},
			{Snapshots: []Snapshot{{Seq: 2, TimeMs: 11000, Values: []Value{{0, 1.25}, {1, 90}, {2, 5}, {3, 0.51}}}}},
			{Snapshots: []Snapshot{{Seq: 3, TimeMs: 21000, Values: []Value{{0, 99.99}, {1, 90}, {2, 7}, {3, 0.51}}}}},
		}},
		{"series come and go", []*Batch{
			{Snapshots: []Snapshot{{Seq: 5, TimeMs: 1000, Values: []Value{{0, 1}, {2, 5}}}}},
			{Snapshots: []Snapshot{{Seq: 6, TimeMs: 2000, Values: []Value{{1, 2}, {2, 5}, {3, 4}}}}},
			{Snapshots: []Snapshot{{Seq: 7, TimeMs: 3000, Values: nil}}},
			{Snapshots: []Snapshot{{Seq: 8, TimeMs: 4000, Values: []Value{{0, 1}, {1, 2}, {2, 5}, {3, 4}}}}},
		}},
		{"inexact and special floats", []*Batch{
			{Snapshots: []Snapshot{{Seq: 1, TimeMs: 1, Values: []Value{{0, math.NaN()}, {1, math.Inf(1)}, {2, math.Copysign(0, -1)}, {3, 1.0 / 3}}}}},
			{Snapshots: []Snapshot{{Seq: 2, TimeMs: 2, Values: []Value{{0, math.Inf(-1)}, {1, 1e300}, {2, 5e-324}, {3, -2.5}}}}},
		}},
		{"backlog interleaved with live", []*Batch{
			{Snapshots: []Snapshot{{Seq: 100, TimeMs: 100000, Values: []Value{{0, 3}, {1, 4}}}}},
			{Backlog: true, Snapshots: []Snapshot{
				{Seq: 10, TimeMs: 10000, Values: []Value{{0, 1}, {1, 2}}},
				{Seq: 11, TimeMs: 20000, Values: []Value{{0, 1}, {1, 3}}},
			}},
			{Snapshots: []Snapshot{{Seq: 101, TimeMs: 110000, Values: []Value{{0, 3}, {1, 5}}}}},
		}},
		{"time going backwards", []*Batch{
			{Snapshots: []Snapshot{{Seq: 2, TimeMs: 5000, Values: []Value{{0, 1}}}, {Seq: 1, TimeMs: 1000, Values: []Value{{0, 2}}}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, dec := NewEncoder(c), NewDecoder(c)
			frame, err := enc.Hello(hello)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dec.Decode(frame)
			if err != nil {
				t.Fatalf("decode hello: %v", err)
			}
			if diff := cmp.Diff(hello, got); diff != "" {
				t.Errorf("hello mismatch (-want +got):\n%s", diff)
			}
			for i, b := range tt.batches {
				frame, err := enc.Batch(b)
				if err != nil {
					t.Fatalf("encode batch %d: %v", i, err)
				}
				got, err := dec.Decode(frame)
				if err != nil {
					t.Fatalf("decode batch %d: %v", i, err)
				}
				want := *b
				for j := range want.Snapshots {
					if want.Snapshots[j].Values == nil {
						want.Snapshots[j].Values = []Value{}
					}
				}
				if diff := cmp.Diff(&want, got, equalBits); diff != "" {
					t.Errorf("batch %d mismatch (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestControlMessages(t *testing.T) {
	c := newCompressor(t)
	enc, dec := NewEncoder(c), NewDecoder(c)
	tests := []struct {
		name  string
		frame []byte
		want  Message
	}{
		{"welcome", enc.Welcome(&Welcome{Version: 1, HostID: 42, IntervalMs: 1000, Live: true}), &Welcome{Version: 1, HostID: 42, IntervalMs: 1000, Live: true}},
		{"ack", enc.Ack(&Ack{Ranges: []SeqRange{{1, 10}, {12, 12}, {5, 6}}}), &Ack{Ranges: []SeqRange{{1, 10}, {12, 12}, {5, 6}}}},
		{"command", enc.Command(&Command{Kind: CommandSetInterval, Arg: 1000}), &Command{Kind: CommandSetInterval, Arg: 1000}},
		{"error", enc.Error(&Error{Code: CodeUnauthorized, Message: "token revoked"}), &Error{Code: CodeUnauthorized, Message: "token revoked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dec.Decode(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	c := newCompressor(t)
	hello, err := NewEncoder(c).Hello(&Hello{Version: 1, Series: testSeries()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"empty", [][]byte{{}}},
		{"unknown type", [][]byte{{99, 0}}},
		{"unknown flags", [][]byte{{byte(TypeAck), 0x80, 0}}},
		{"truncated hello", [][]byte{hello[:len(hello)-3]}},
		{"trailing bytes", [][]byte{append(append([]byte{}, hello...), 0)}},
		{"batch before hello", [][]byte{{byte(TypeBatch), 0, 0, 0}}},
		{"second hello", [][]byte{hello, hello}},
		{"too many snapshots", [][]byte{hello, {byte(TypeBatch), 0, 0, 0xe9, 0x07}}},
		{"bad zstd", [][]byte{{byte(TypeAck), flagZstd, 1, 2, 3, 4}}},
		{"oversize frame", [][]byte{make([]byte, MaxFrameBytes+1)}},
		{"presence bitmap wrong size", [][]byte{hello, {byte(TypeBatch), 0, 0, 1, 2, 2, 1, 9, 0xff}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := NewDecoder(c)
			var err error
			for _, f := range tt.frames {
				if _, err = dec.Decode(f); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("got error %v, want ErrMalformed", err)
			}
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	c := newCompressor(t)
	enc := NewEncoder(c)
	if _, err := enc.Hello(&Hello{Series: []Series{{ID: 1, Name: "x"}}}); err == nil {
		t.Error("hello with non-dense series id: got nil error, want one")
	}
	enc = NewEncoder(c)
	if _, err := enc.Hello(&Hello{Series: testSeries()}); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Batch(&Batch{Snapshots: []Snapshot{{Seq: 1, Values: []Value{{9, 1}}}}}); err == nil {
		t.Error("value for unknown series: got nil error, want one")
	}
	if _, err := enc.Batch(&Batch{Snapshots: []Snapshot{{Seq: 1, Values: []Value{{1, 1}, {0, 1}}}}}); err == nil {
		t.Error("unsorted values: got nil error, want one")
	}
}
