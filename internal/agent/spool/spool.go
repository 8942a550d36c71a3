// Package spool keeps the agent's snapshots on disk until the hub acknowledges them, so that
// neither a hub outage nor an agent restart loses data.
//
// Layout of a spool directory:
//
//   - seg-<first seq>.log: append-only segment files. Each record is framed with its length and
//     a CRC-32C, so a torn last write (power loss, kill -9 mid-write) is detected on recovery,
//     truncated away and skipped. A segment is deleted once every snapshot in it is
//     acknowledged; the size and age limits drop the oldest segments first.
//   - keys: the series dictionary, one "name<TAB>label" line per series. Records refer to series
//     by line number, which is connection-independent (it is not a wire ID) and stable across
//     restarts; the agent also uses it as its series ID.
//   - state: the last sequence number handed out and the acknowledgement watermark (every
//     sequence number at or below it is acknowledged), with a CRC. Sequence numbers therefore
//     stay monotonic for the life of the spool, across restarts, even when every segment has
//     been deleted.
//
// Durability: with Options.Sync every append is fsynced before Append returns. Without it (the
// agent's default) records reach the page cache before they are sent, so an agent crash loses
// nothing and a machine crash may lose the last seconds, which the hub may already have.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Key is a series name and label.
type Key struct{ Name, Label string }

// Value is one sample by dictionary index.
type Value struct {
	ID uint32
	V  float64
}

// Record is one snapshot.
type Record struct {
	Seq    uint64
	TimeMs int64
	Values []Value
}

// Options bound the spool.
type Options struct {
	MaxBytes     int64         // default 64 MiB
	MaxAge       time.Duration // default 7 days
	SegmentBytes int64         // default 1 MiB
	// Sync makes every append durable with fsync. Off, a crash of the machine (not of the agent)
	// can lose the last seconds; on, each append costs a disk flush.
	Sync bool
}

// Spool is safe for concurrent use.
type Spool struct {
	dir  string
	opts Options

	mu      sync.Mutex
	keys    []Key
	keyFile *os.File
	state   *os.File
	segs    []*segment // oldest first; the last one is appended to
	active  *os.File   // open on the last segment, nil until the first append after Open
	lastSeq uint64     // highest sequence number ever appended
	ackedTo uint64     // every sequence number ≤ ackedTo is acknowledged
	pending int        // unacknowledged records
	dropped int        // unacknowledged records dropped by the limits since TakeDropped
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrSeqNotIncreasing is returned by Append for a sequence number at or below LastSeq.
var ErrSeqNotIncreasing = errors.New("spool: sequence number not above the last one")

// Open opens or creates a spool in dir and recovers what it holds.
func Open(dir string, opts Options) (*Spool, error) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 7 * 24 * time.Hour
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = 1 << 20
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool directory %s: %w", dir, err)
	}
	s := &Spool{dir: dir, opts: opts}
	if err := s.loadKeys(); err != nil {
		return nil, err
	}
	if err := s.loadState(); err != nil {
		s.keyFile.Close()
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		return nil, fmt.Errorf("list spool segments in %s: %w", dir, err)
	}
	slices.Sort(names) // zero-padded sequence numbers sort in creation order
	for _, name := range names {
		if first, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(name), "seg-"), ".log"), 10, 64); err == nil && first > 0 {
			s.lastSeq = max(s.lastSeq, first-1)
		}
		seg, err := s.readSegment(name)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.segs = append(s.segs, seg)
	}
	s.removeDone()
	return s, nil
}

// loadState reads the last sequence number and the acknowledgement watermark. A missing or
// corrupt state file is not fatal: the segments still give a lower bound for the sequence, and
// a zero watermark only means acknowledged snapshots may be sent again (the hub dedupes).
func (s *Spool) loadState() error {
	f, err := os.OpenFile(filepath.Join(s.dir, "state"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open spool state in %s: %w", s.dir, err)
	}
	s.state = f
	var b [20]byte
	if n, _ := f.ReadAt(b[:], 0); n == len(b) && crc32.Checksum(b[:16], crcTable) == binary.LittleEndian.Uint32(b[16:]) {
		s.lastSeq = binary.LittleEndian.Uint64(b[0:])
		s.ackedTo = binary.LittleEndian.Uint64(b[8:])
	}
	return nil
}

// saveState overwrites the 20-byte state record in place: one small write, no rename, so it is
// cheap enough to do on every append and acknowledgement.
func (s *Spool) saveState() error {
	var b [20]byte
	binary.LittleEndian.PutUint64(b[0:], s.lastSeq)
	binary.LittleEndian.PutUint64(b[8:], s.ackedTo)
	binary.LittleEndian.PutUint32(b[16:], crc32.Checksum(b[:16], crcTable))
	if _, err := s.state.WriteAt(b[:], 0); err != nil {
		return fmt.Errorf("write spool state in %s: %w", s.dir, err)
	}
	return nil
}

// LastSeq is the highest sequence number ever appended to this spool (0 for a new one). The
// next snapshot must use a higher one.
func (s *Spool) LastSeq() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeq
}

// Keys returns the dictionary; a key's index is its ID.
func (s *Spool) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys)
}

// AddKeys appends keys to the dictionary and returns the ID of the first.
func (s *Spool) AddKeys(keys []Key) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := uint32(len(s.keys))
	var b strings.Builder
	for _, k := range keys {
		if k.Name == "" || strings.ContainsAny(k.Name+k.Label, "\t\n") {
			return 0, fmt.Errorf("series %q{%q}: empty name, or tab or newline in it", k.Name, k.Label)
		}
		b.WriteString(k.Name + "\t" + k.Label + "\n")
	}
	if _, err := s.keyFile.WriteString(b.String()); err != nil {
		return 0, fmt.Errorf("append to spool dictionary in %s: %w", s.dir, err)
	}
	s.keys = append(s.keys, keys...)
	return first, nil
}

// loadKeys reads the dictionary, dropping a torn last line.
func (s *Spool) loadKeys() error {
	path := filepath.Join(s.dir, "keys")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read spool dictionary %s: %w", path, err)
	}
	good := 0
	for {
		line, _, ok := strings.Cut(string(data[good:]), "\n")
		if !ok {
			break // no newline: a torn last line
		}
		name, label, ok := strings.Cut(line, "\t")
		if !ok || name == "" {
			break
		}
		s.keys = append(s.keys, Key{name, label})
		good += len(line) + 1
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open spool dictionary %s: %w", path, err)
	}
	if err := f.Truncate(int64(good)); err != nil {
		f.Close()
		return fmt.Errorf("repair spool dictionary %s: %w", path, err)
	}
	if _, err := f.Seek(int64(good), 0); err != nil {
		f.Close()
		return fmt.Errorf("seek spool dictionary %s: %w", path, err)
	}
	s.keyFile = f
	return nil
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
	return s.pending
}

// Close closes the files.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.active != nil {
		errs = append(errs, s.active.Close())
		s.active = nil
	}
	if s.state != nil {
		errs = append(errs, s.state.Close())
	}
	if s.keyFile != nil {
		errs = append(errs, s.keyFile.Close())
	}
	return errors.Join(errs...)
}
