package spool

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"
)

// readSegment recovers a segment's records, truncating a torn tail.
func (s *Spool) readSegment(path string) (*segment, []Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read spool segment: %w", err)
	}
	seg := &segment{path: path, unacked: map[uint64]bool{}}
	var recs []Record
	off := 0
	for off+8 <= len(data) {
		n := int(binary.LittleEndian.Uint32(data[off:]))
		sum := binary.LittleEndian.Uint32(data[off+4:])
		if n > len(data)-off-8 || crc32.Checksum(data[off+8:off+8+n], crcTable) != sum {
			break
		}
		r, err := decode(data[off+8 : off+8+n])
		if err != nil {
			break
		}
		recs = append(recs, r)
		seg.unacked[r.Seq] = true
		s.bySeq[r.Seq] = seg
		seg.newestMs = max(seg.newestMs, r.TimeMs)
		off += 8 + n
	}
	if off < len(data) {
		if err := os.Truncate(path, int64(off)); err != nil {
			return nil, nil, fmt.Errorf("repair torn spool segment %s: %w", path, err)
		}
	}
	seg.size = int64(off)
	return seg, recs, nil
}

// Append writes a record; it is on disk (and, with Sync, durable) when Append returns.
func (s *Spool) Append(r Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := encode(r)
	if s.active == nil || s.segs[len(s.segs)-1].size+int64(len(b)) > s.opts.SegmentBytes {
		if err := s.rotate(r.Seq); err != nil {
			return err
		}
	}
	seg := s.segs[len(s.segs)-1]
	if _, err := s.active.Write(b); err != nil {
		return fmt.Errorf("append to spool: %w", err)
	}
	if s.opts.Sync {
		if err := s.active.Sync(); err != nil {
			return fmt.Errorf("sync spool: %w", err)
		}
	}
	seg.size += int64(len(b))
	seg.unacked[r.Seq] = true
	seg.newestMs = max(seg.newestMs, r.TimeMs)
	s.bySeq[r.Seq] = seg
	s.enforceLimits(time.UnixMilli(r.TimeMs))
	return nil
}

// rotate starts a new segment named after its first sequence number.
func (s *Spool) rotate(seq uint64) error {
	if s.active != nil {
		s.active.Close()
		s.active = nil
	}
	path := filepath.Join(s.dir, fmt.Sprintf("seg-%020d.log", seq))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create spool segment: %w", err)
	}
	s.active = f
	s.segs = append(s.segs, &segment{path: path, unacked: map[uint64]bool{}})
	return nil
}

// Ack forgets acknowledged snapshots and deletes segments that hold no others.
func (s *Spool) Ack(from, to uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if to-from > 1<<20 { // a hostile or broken range; walk the known seqs instead
		for seq, seg := range s.bySeq {
			if seq >= from && seq <= to {
				delete(seg.unacked, seq)
				delete(s.bySeq, seq)
			}
		}
	} else {
		for seq := from; seq <= to && seq >= from; seq++ {
			if seg := s.bySeq[seq]; seg != nil {
				delete(seg.unacked, seq)
				delete(s.bySeq, seq)
			}
		}
	}
	s.removeDone()
}

// removeDone deletes fully acknowledged segments other than the one being written.
func (s *Spool) removeDone() {
	keep := s.segs[:0]
	for i, seg := range s.segs {
		last := i == len(s.segs)-1 && s.active != nil
		if len(seg.unacked) == 0 && !last {
			os.Remove(seg.path)
			continue
		}
		keep = append(keep, seg)
	}
	s.segs = keep
}

// enforceLimits drops the oldest segments beyond the size or age limit.
func (s *Spool) enforceLimits(now time.Time) {
	var total int64
	for _, seg := range s.segs {
		total += seg.size
	}
	for len(s.segs) > 1 && (total > s.opts.MaxBytes || now.Sub(time.UnixMilli(s.segs[0].newestMs)) > s.opts.MaxAge) {
		old := s.segs[0]
		for seq := range old.unacked {
			delete(s.bySeq, seq)
		}
		s.dropped += len(old.unacked)
		total -= old.size
		os.Remove(old.path)
		s.segs = s.segs[1:]
	}
}

// TakeDropped returns and resets how many unacknowledged snapshots the limits discarded.
func (s *Spool) TakeDropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dropped
	s.dropped = 0
	return d
}

// Pending counts unacknowledged snapshots.
func (s *Spool) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bySeq)
}

// Close closes the files.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != nil {
		s.active.Close()
	}
	return s.keyFile.Close()
}
