package agent

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/vigil-mon/vigil/internal/agent/spool"
)

// pending holds every snapshot until the hub acknowledges it. The disk spool is the normal
// home; the bounded memory list takes what the spool refused (disk full, read-only) or
// everything when the agent runs without a spool, so a disk failure does not stop data
// flowing while the hub is reachable.
type pending struct {
	disk *spool.Spool // nil = memory only
	mem  memList
}

// Append stores a snapshot; it reports a spool failure but has kept the snapshot in memory.
func (p *pending) Append(r spool.Record) error {
	if p.disk != nil {
		err := p.disk.Append(r)
		if err == nil {
			return nil
		}
		p.mem.append(r)
		return fmt.Errorf("spool snapshot %d (kept in memory instead): %w", r.Seq, err)
	}
	p.mem.append(r)
	return nil
}

// Read returns up to n unacknowledged snapshots with after < seq ≤ upTo, oldest first.
func (p *pending) Read(after, upTo uint64, n int) ([]spool.Record, error) {
	out := p.mem.read(after, upTo, n)
	if p.disk == nil {
		return out, nil
	}
	d, err := p.disk.Read(after, upTo, n)
	if len(out) > 0 {
		d = append(d, out...)
		slices.SortFunc(d, func(a, b spool.Record) int { return cmp.Compare(a.Seq, b.Seq) })
		d = d[:min(len(d), n)]
	}
	return d, err
}

// Ack forgets acknowledged snapshots.
func (p *pending) Ack(from, to uint64) error {
	p.mem.ack(from, to)
	if p.disk != nil {
		return p.disk.Ack(from, to)
	}
	return nil
}

// Len counts unacknowledged snapshots.
func (p *pending) Len() int {
	n := p.mem.len()
	if p.disk != nil {
		n += p.disk.Pending()
	}
	return n
}

// TakeDropped returns and resets how many snapshots the limits discarded.
func (p *pending) TakeDropped() int {
	n := p.mem.takeDropped()
	if p.disk != nil {
		n += p.disk.TakeDropped()
	}
	return n
}

// memList is a count-bounded list of snapshots, oldest first, oldest dropped when full.
type memList struct {
	mu      sync.Mutex
	max     int
	recs    []spool.Record
	dropped int
}

func (m *memList) append(r spool.Record) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
	if over := len(m.recs) - m.max; over > 0 {
		m.recs = append(m.recs[:0:0], m.recs[over:]...)
		m.dropped += over
	}
}

func (m *memList) read(after, upTo uint64, n int) []spool.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []spool.Record
	for _, r := range m.recs {
		if r.Seq > after && r.Seq <= upTo {
			if out = append(out, r); len(out) == n {
				break
			}
		}
	}
	return out
}

func (m *memList) ack(from, to uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = slices.DeleteFunc(m.recs, func(r spool.Record) bool { return r.Seq >= from && r.Seq <= to })
}

func (m *memList) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
}

func (m *memList) takeDropped() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.dropped
	m.dropped = 0
	return d
}
