package spool

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func rec(seq uint64) Record {
	return Record{Seq: seq, TimeMs: int64(seq) * 1000, Values: []Value{{ID: 0, V: float64(seq)}, {ID: 1, V: 0.5}}}
}

func open(t *testing.T, dir string, opts Options) *Spool {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func appendAll(t *testing.T, s *Spool, seqs ...uint64) {
	t.Helper()
	for _, seq := range seqs {
		if err := s.Append(rec(seq)); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
	}
}

func seqs(rs []Record) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func readAll(t *testing.T, s *Spool) []Record {
	t.Helper()
	rs, err := s.Read(0, math.MaxUint64, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRecoverAfterRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 100})
	if _, err := s.AddKeys([]Key{{"cpu.used_pct", ""}, {"fs.used_pct", "/"}}); err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	s.Ack(1, 4)
	s.Ack(7, 7)
	if got, want := seqs(readAll(t, s)), []uint64{5, 6, 8, 9, 10}; !cmp.Equal(got, want) {
		t.Errorf("before restart: got %v, want %v", got, want)
	}
	s.Close()

	s2 := open(t, dir, Options{SegmentBytes: 100})
	got := readAll(t, s2)
	// The watermark (4) is persisted; 7 shares a segment with pending snapshots and is above
	// the watermark, so it may come back: the hub stores duplicates once.
	want := []uint64{5, 6, 8, 9, 10}
	if !cmp.Equal(seqs(got), want) && !cmp.Equal(seqs(got), []uint64{5, 6, 7, 8, 9, 10}) {
		t.Errorf("after restart: got %v, want %v (7 allowed)", seqs(got), want)
	}
	for _, r := range got {
		if diff := cmp.Diff(rec(r.Seq), r); diff != "" {
			t.Errorf("record %d (-want +got):\n%s", r.Seq, diff)
		}
	}
	if diff := cmp.Diff([]Key{{"cpu.used_pct", ""}, {"fs.used_pct", "/"}}, s2.Keys()); diff != "" {
		t.Errorf("dictionary (-want +got):\n%s", diff)
	}
	if got := s2.LastSeq(); got != 10 {
		t.Errorf("last seq after restart: got %d, want 10", got)
	}
}

// TestSequencePersists acknowledges everything (so every segment may be deleted) and expects
// the next run to continue above the old sequence numbers.
func TestSequencePersists(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 60})
	appendAll(t, s, 41, 42, 43)
	s.Ack(41, 43)
	s.Close()
	s2 := open(t, dir, Options{SegmentBytes: 60})
	if got := s2.LastSeq(); got != 43 {
		t.Fatalf("last seq: got %d, want 43", got)
	}
	if got := readAll(t, s2); len(got) != 0 {
		t.Errorf("got %v pending after everything was acknowledged, want none", seqs(got))
	}
	if err := s2.Append(rec(43)); !errors.Is(err, ErrSeqNotIncreasing) {
		t.Errorf("append of a used seq: got %v, want ErrSeqNotIncreasing", err)
	}
	appendAll(t, s2, 44)
}

func TestTornTailIsSkipped(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	appendAll(t, s, 1, 2, 3)
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3}) // half a record: a crash mid-write
	f.Close()
	os.WriteFile(filepath.Join(dir, "keys"), []byte("cpu.used_pct\t\nhalf-a-li"), 0o600)

	s2 := open(t, dir, Options{})
	if got := seqs(readAll(t, s2)); !cmp.Equal(got, []uint64{1, 2, 3}) {
		t.Errorf("got %v, want [1 2 3]", got)
	}
	if got := s2.Keys(); len(got) != 1 {
		t.Errorf("got keys %v, want the one complete line", got)
	}
	appendAll(t, s2, 4)
	if got := seqs(readAll(t, s2)); !cmp.Equal(got, []uint64{1, 2, 3, 4}) {
		t.Errorf("after appending behind the repaired tail: got %v, want [1 2 3 4]", got)
	}
}

func TestLimitsDropOldest(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		recs []Record
	}{
		{"size", Options{SegmentBytes: 60, MaxBytes: 200}, []Record{rec(1), rec(2), rec(3), rec(4), rec(5), rec(6), rec(7), rec(8)}},
		{"age", Options{SegmentBytes: 60, MaxAge: time.Hour}, []Record{rec(1), rec(2), {Seq: 3, TimeMs: 10_000_000}, {Seq: 4, TimeMs: 10_001_000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, t.TempDir(), tt.opts)
			for _, r := range tt.recs {
				if err := s.Append(r); err != nil {
					t.Fatal(err)
				}
			}
			if d := s.TakeDropped(); d == 0 {
				t.Error("got nothing dropped, want the oldest snapshots dropped")
			}
			got := seqs(readAll(t, s))
			if len(got) == 0 || len(got) >= len(tt.recs) || got[len(got)-1] != tt.recs[len(tt.recs)-1].Seq {
				t.Errorf("got %v pending of %d, want the newest kept and the oldest dropped", got, len(tt.recs))
			}
			if s.Pending() != len(got) {
				t.Errorf("Pending: got %d, want %d", s.Pending(), len(got))
			}
		})
	}
}

func TestAckDeletesSegments(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 60})
	appendAll(t, s, 1, 2, 3, 4, 5, 6)
	s.Ack(1, 6)
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(segs) != 1 || s.Pending() != 0 {
		t.Errorf("got %d segments and %d pending after acking all, want only the active one and 0", len(segs), s.Pending())
	}
}

func TestReadWindow(t *testing.T) {
	s := open(t, t.TempDir(), Options{SegmentBytes: 100})
	appendAll(t, s, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	s.Ack(3, 3)
	tests := []struct {
		name        string
		after, upTo uint64
		n           int
		want        []uint64
	}{
		{"first batch skips acked", 0, 9, 3, []uint64{1, 2, 4}},
		{"continue after a cursor", 4, 9, 3, []uint64{5, 6, 7}},
		{"bounded above", 5, 6, 10, []uint64{6}},
		{"nothing left", 9, 100, 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Read(tt.after, tt.upTo, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(seqs(got), tt.want) {
				t.Errorf("got %v, want %v", seqs(got), tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(rec(5))[8:])
	f.Fuzz(func(t *testing.T, b []byte) { decode(b) })
}
