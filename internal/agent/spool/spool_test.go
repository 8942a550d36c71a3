package spool

import (
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

func seqs(rs []Record) []uint64 {
	var out []uint64
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

func TestRecoverAfterRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 100})
	if _, err := s.AddKeys([]Key{{"cpu.used_pct", ""}, {"fs.used_pct", "/"}}); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 10; seq++ {
		if err := s.Append(rec(seq)); err != nil {
			t.Fatal(err)
		}
	}
	s.Ack(1, 4)
	s.Ack(7, 7)
	s.Close()

	s2 := open(t, dir, Options{SegmentBytes: 100})
	got := s2.Recovered()
	// Whole segments are deleted only when fully acknowledged, so acknowledged snapshots that
	// share a segment with pending ones come back; the hub stores duplicates once.
	for _, want := range []uint64{5, 6, 8, 9, 10} {
		found := false
		for _, r := range got {
			if r.Seq == want {
				found = true
				if diff := cmp.Diff(rec(want), r); diff != "" {
					t.Errorf("record %d (-want +got):\n%s", want, diff)
				}
			}
		}
		if !found {
			t.Errorf("unacknowledged snapshot %d lost; recovered %v", want, seqs(got))
		}
	}
	if diff := cmp.Diff([]Key{{"cpu.used_pct", ""}, {"fs.used_pct", "/"}}, s2.Keys()); diff != "" {
		t.Errorf("dictionary (-want +got):\n%s", diff)
	}
}

func TestTornTailIsSkipped(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{})
	for seq := uint64(1); seq <= 3; seq++ {
		s.Append(rec(seq))
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3}) // half a record: a crash mid-write
	f.Close()
	os.WriteFile(filepath.Join(dir, "keys"), []byte("cpu.used_pct\t\nhalf-a-li"), 0o600)

	s2 := open(t, dir, Options{})
	if got := seqs(s2.Recovered()); !cmp.Equal(got, []uint64{1, 2, 3}) {
		t.Errorf("got %v, want [1 2 3]", got)
	}
	if got := s2.Keys(); len(got) != 1 {
		t.Errorf("got keys %v, want the one complete line", got)
	}
	if err := s2.Append(rec(4)); err != nil {
		t.Fatal(err)
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
			if s.Pending() == 0 || s.Pending() >= len(tt.recs) {
				t.Errorf("got %d pending of %d, want some but not all", s.Pending(), len(tt.recs))
			}
		})
	}
}

func TestAckDeletesSegments(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, Options{SegmentBytes: 60})
	for seq := uint64(1); seq <= 6; seq++ {
		s.Append(rec(seq))
	}
	s.Ack(1, 6)
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(segs) != 1 || s.Pending() != 0 {
		t.Errorf("got %d segments and %d pending after acking all, want only the active one and 0", len(segs), s.Pending())
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(rec(5))[8:])
	f.Fuzz(func(t *testing.T, b []byte) { decode(b) })
}
