// Package spool keeps the agent's snapshots on disk until the hub acknowledges them, so that
// neither a hub outage nor an agent restart loses data. Snapshots go to append-only segment
// files, each record framed with its length and a CRC so that a torn last write (power loss, kill
// -9 mid-write) is detected and skipped on recovery. A segment is deleted once every snapshot in
// it is acknowledged; size and age limits drop the oldest segments first.
//
// Series names live once in a dictionary file (keys), and records refer to them by index, which
// is also the agent's series ID: IDs stay stable across restarts.
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
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

type segment struct {
	path     string
	size     int64
	newestMs int64
	unacked  map[uint64]bool
}

// Spool is safe for concurrent use.
type Spool struct {
	dir  string
	opts Options

	mu       sync.Mutex
	keys     []Key
	keyFile  *os.File
	segs     []*segment // oldest first; the last one is written to
	active   *os.File
	bySeq    map[uint64]*segment
	dropped  int
	recovery []Record
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

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
		return nil, fmt.Errorf("create spool directory: %w", err)
	}
	s := &Spool{dir: dir, opts: opts, bySeq: map[uint64]*segment{}}
	if err := s.loadKeys(); err != nil {
		return nil, err
	}
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // zero-padded sequence numbers sort in creation order
	for _, name := range names {
		seg, recs, err := s.readSegment(name)
		if err != nil {
			return nil, err
		}
		s.segs = append(s.segs, seg)
		s.recovery = append(s.recovery, recs...)
	}
	return s, nil
}

// Recovered returns the unacknowledged snapshots found at Open, oldest first, once.
func (s *Spool) Recovered() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recovery
	s.recovery = nil
	return r
}

// Keys returns the dictionary; a key's index is its ID.
func (s *Spool) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys)
}

func (s *Spool) loadKeys() error {
	path := filepath.Join(s.dir, "keys")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open spool dictionary: %w", err)
	}
	sc := bufio.NewScanner(f)
	var good int64
	for sc.Scan() {
		line := sc.Text()
		name, label, ok := strings.Cut(line, "\t")
		if !ok || name == "" {
			break // a torn last line: drop it and what follows
		}
		s.keys = append(s.keys, Key{name, label})
		good += int64(len(line)) + 1
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return fmt.Errorf("repair spool dictionary: %w", err)
	}
	if _, err := f.Seek(good, 0); err != nil {
		f.Close()
		return err
	}
	s.keyFile = f
	return nil
}

// AddKeys appends keys to the dictionary and returns the ID of the first.
func (s *Spool) AddKeys(keys []Key) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := uint32(len(s.keys))
	var b strings.Builder
	for _, k := range keys {
		if strings.ContainsAny(k.Name+k.Label, "\t\n") {
			return 0, fmt.Errorf("series %q{%q}: tab or newline in name", k.Name, k.Label)
		}
		b.WriteString(k.Name + "\t" + k.Label + "\n")
	}
	if _, err := s.keyFile.WriteString(b.String()); err != nil {
		return 0, fmt.Errorf("append to spool dictionary: %w", err)
	}
	s.keys = append(s.keys, keys...)
	return first, nil
}

func encode(r Record) []byte {
	b := make([]byte, 8, 8+20+len(r.Values)*10)
	b = binary.AppendUvarint(b, r.Seq)
	b = binary.AppendVarint(b, r.TimeMs)
	b = binary.AppendUvarint(b, uint64(len(r.Values)))
	for _, v := range r.Values {
		b = binary.AppendUvarint(b, uint64(v.ID))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.V))
	}
	binary.LittleEndian.PutUint32(b[0:4], uint32(len(b)-8))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Checksum(b[8:], crcTable))
	return b
}

func decode(p []byte) (Record, error) {
	var r Record
	var n int
	if r.Seq, n = binary.Uvarint(p); n <= 0 {
		return r, errors.New("bad seq")
	}
	p = p[n:]
	if r.TimeMs, n = binary.Varint(p); n <= 0 {
		return r, errors.New("bad time")
	}
	p = p[n:]
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p)) {
		return r, errors.New("bad count")
	}
	p = p[n:]
	r.Values = make([]Value, 0, count)
	for i := uint64(0); i < count; i++ {
		id, n := binary.Uvarint(p)
		if n <= 0 || len(p) < n+8 {
			return r, errors.New("bad value")
		}
		r.Values = append(r.Values, Value{ID: uint32(id), V: math.Float64frombits(binary.LittleEndian.Uint64(p[n:]))})
		p = p[n+8:]
	}
	return r, nil
}
