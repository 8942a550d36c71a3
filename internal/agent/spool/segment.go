package spool

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// entry locates one record in its segment. The index is what the spool keeps in memory per
// snapshot (24 bytes); the values stay on disk until they are read for sending.
type entry struct {
	seq   uint64
	off   uint32
	n     uint32 // framed length
	acked bool
}

type segment struct {
	path     string
	size     int64
	newestMs int64
	entries  []entry // ascending seq
	unacked  int
}

// readSegment indexes a segment's records, truncating a torn tail.
func (s *Spool) readSegment(path string) (*segment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spool segment %s: %w", path, err)
	}
	seg := &segment{path: path}
	off := 0
	for off+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[off:]))
		if n > len(data)-off-8 || crc32.Checksum(data[off+8:off+8+n], crcTable) != binary.LittleEndian.Uint32(data[off+4:]) {
			break
		}
		r, err := decode(data[off+8 : off+8+n])
		if err != nil || r.Seq <= seg.lastSeq() {
			break
		}
		acked := r.Seq <= s.ackedTo
		seg.entries = append(seg.entries, entry{seq: r.Seq, off: uint32(off), n: uint32(8 + n), acked: acked})
		if !acked {
			seg.unacked++
			s.pending++
		}
		s.lastSeq = max(s.lastSeq, r.Seq)
		seg.newestMs = max(seg.newestMs, r.TimeMs)
		off += 8 + n
	}
	if off < len(data) {
		if err := os.Truncate(path, int64(off)); err != nil {
			return nil, fmt.Errorf("repair torn spool segment %s: %w", path, err)
		}
	}
	seg.size = int64(off)
	return seg, nil
}

func (g *segment) lastSeq() uint64 {
	if len(g.entries) == 0 {
		return 0
	}
	return g.entries[len(g.entries)-1].seq
}

// Append writes a record with a sequence number above LastSeq; it is in the file (and, with
// Sync, durable) when Append returns.
func (s *Spool) Append(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Seq <= s.lastSeq {
		return fmt.Errorf("append seq %d after %d: %w", r.Seq, s.lastSeq, ErrSeqNotIncreasing)
	}
	b := encode(r)
	if s.active == nil || s.segs[len(s.segs)-1].size+int64(len(b)) > s.opts.SegmentBytes {
		if err := s.rotate(r.Seq); err != nil {
			return err
		}
	}
	seg := s.segs[len(s.segs)-1]
	if _, err := s.active.Write(b); err != nil {
		// A short write leaves a torn record that recovery truncates; later appends go to a
		// fresh segment so they do not land behind it.
		s.active.Close()
		s.active = nil
		return fmt.Errorf("append seq %d to spool segment %s: %w", r.Seq, seg.path, err)
	}
	if s.opts.Sync {
		if err := s.active.Sync(); err != nil {
			return fmt.Errorf("sync spool segment %s: %w", seg.path, err)
		}
	}
	seg.entries = append(seg.entries, entry{seq: r.Seq, off: uint32(seg.size), n: uint32(len(b))})
	seg.size += int64(len(b))
	seg.unacked++
	seg.newestMs = max(seg.newestMs, r.TimeMs)
	s.pending++
	s.lastSeq = r.Seq
	s.enforceLimits(time.UnixMilli(r.TimeMs))
	return s.saveState()
}

// rotate starts a new segment named after its first sequence number.
func (s *Spool) rotate(seq uint64) error {
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	path := filepath.Join(s.dir, fmt.Sprintf("seg-%020d.log", seq))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create spool segment %s: %w", path, err)
	}
	s.active = f
	s.segs = append(s.segs, &segment{path: path})
	s.removeDone()
	return nil
}

// Read returns up to n unacknowledged records with after < seq ≤ upTo, oldest first. Records
// are read back from the segment files, so a large backlog costs disk reads, not memory.
func (s *Spool) Read(after, upTo uint64, n int) ([]Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for i, seg := range s.segs {
		if len(out) >= n {
			break
		}
		if seg.unacked == 0 || seg.lastSeq() <= after {
			continue
		}
		start := sort.Search(len(seg.entries), func(j int) bool { return seg.entries[j].seq > after })
		var want []entry
		for _, e := range seg.entries[start:] {
			if e.seq > upTo || len(out)+len(want) >= n {
				break
			}
			if !e.acked {
				want = append(want, e)
			}
		}
		if len(want) == 0 {
			continue
		}
		recs, err := s.readEntries(seg, i == len(s.segs)-1, want)
		if err != nil {
			return out, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// readEntries reads one contiguous span of a segment covering the wanted entries.
func (s *Spool) readEntries(seg *segment, isActive bool, want []entry) ([]Record, error) {
	f := s.active
	if !isActive || f == nil {
		var err error
		if f, err = os.Open(seg.path); err != nil {
			return nil, fmt.Errorf("open spool segment %s: %w", seg.path, err)
		}
		defer f.Close()
	}
	lo, hi := want[0].off, want[len(want)-1].off+want[len(want)-1].n
	buf := make([]byte, hi-lo)
	if _, err := f.ReadAt(buf, int64(lo)); err != nil {
		return nil, fmt.Errorf("read spool segment %s at %d: %w", seg.path, lo, err)
	}
	out := make([]Record, 0, len(want))
	for _, e := range want {
		p := buf[e.off-lo : e.off-lo+e.n]
		r, err := decode(p[8:])
		if err != nil || crc32.Checksum(p[8:], crcTable) != binary.LittleEndian.Uint32(p[4:]) || r.Seq != e.seq {
			// Damaged after it was written (disk error, someone editing the file): count it
			// as dropped rather than failing every later read.
			s.forget(seg, e.seq)
			s.dropped++
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// forget marks one entry as no longer pending.
func (s *Spool) forget(seg *segment, seq uint64) {
	j := sort.Search(len(seg.entries), func(j int) bool { return seg.entries[j].seq >= seq })
	if j < len(seg.entries) && seg.entries[j].seq == seq && !seg.entries[j].acked {
		seg.entries[j].acked = true
		seg.unacked--
		s.pending--
	}
}

// Ack marks from…to acknowledged, deletes segments that hold nothing else, and advances the
// persisted watermark so a restart does not resend them.
func (s *Spool) Ack(from, to uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seg := range s.segs {
		if seg.unacked == 0 || seg.lastSeq() < from || seg.entries[0].seq > to {
			continue
		}
		start := sort.Search(len(seg.entries), func(j int) bool { return seg.entries[j].seq >= from })
		for j := start; j < len(seg.entries) && seg.entries[j].seq <= to; j++ {
			s.forget(seg, seg.entries[j].seq)
		}
	}
	s.removeDone()
	mark := s.lastSeq // everything acknowledged unless an unacknowledged entry says otherwise
	for _, seg := range s.segs {
		if seg.unacked > 0 {
			for _, e := range seg.entries {
				if !e.acked {
					mark = e.seq - 1
					break
				}
			}
			break
		}
	}
	if mark == s.ackedTo {
		return nil
	}
	s.ackedTo = mark
	return s.saveState()
}

// removeDone deletes fully acknowledged segments other than the one being written.
func (s *Spool) removeDone() {
	keep := s.segs[:0]
	for i, seg := range s.segs {
		writing := i == len(s.segs)-1 && s.active != nil
		if seg.unacked == 0 && !writing {
			os.Remove(seg.path)
			continue
		}
		keep = append(keep, seg)
	}
	clear(s.segs[len(keep):])
	s.segs = keep
}

// enforceLimits drops the oldest segments beyond the size or age limit, never the one being
// written.
func (s *Spool) enforceLimits(now time.Time) {
	var total int64
	for _, seg := range s.segs {
		total += seg.size
	}
	for len(s.segs) > 1 && (total > s.opts.MaxBytes || now.Sub(time.UnixMilli(s.segs[0].newestMs)) > s.opts.MaxAge) {
		old := s.segs[0]
		s.dropped += old.unacked
		s.pending -= old.unacked
		total -= old.size
		os.Remove(old.path)
		s.segs[0] = nil
		s.segs = s.segs[1:]
	}
}
