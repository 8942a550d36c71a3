package ingest

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// HostUpdate is what ingest learned about a host since the last flush: its newest last-seen
// time and, after a hello, its facts and agent version. Zero fields mean "unchanged".
type HostUpdate struct {
	HostID       int64
	LastSeen     time.Time
	Facts        json.RawMessage
	AgentVersion string
}

// flushEvery is how often collected host updates are written. A second of delay on a
// last-seen time or on facts is invisible to users, and one transaction per second instead of
// one per handshake and disconnect keeps SQLite's single writer free for snapshots.
const flushEvery = time.Second

// hostUpdates collects host updates between flushes; a newer update of a host replaces the
// older one field by field, so the map holds at most one entry per host.
type hostUpdates struct {
	mu      sync.Mutex
	pending map[int64]HostUpdate
}

func (u *hostUpdates) seen(hostID int64, t time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.pending[hostID]
	p.HostID = hostID
	if t.After(p.LastSeen) {
		p.LastSeen = t
	}
	u.pending[hostID] = p
}

func (u *hostUpdates) facts(hostID int64, facts json.RawMessage, version string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p := u.pending[hostID]
	p.HostID, p.Facts, p.AgentVersion = hostID, facts, version
	u.pending[hostID] = p
}

func (u *hostUpdates) take() []HostUpdate {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]HostUpdate, 0, len(u.pending))
	for _, p := range u.pending {
		out = append(out, p)
	}
	clear(u.pending)
	return out
}

// putBack re-queues updates whose write failed, unless a newer one arrived meanwhile.
func (u *hostUpdates) putBack(failed []HostUpdate) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, f := range failed {
		p, ok := u.pending[f.HostID]
		if !ok {
			u.pending[f.HostID] = f
			continue
		}
		if p.Facts == nil {
			p.Facts, p.AgentVersion = f.Facts, f.AgentVersion
		}
		if f.LastSeen.After(p.LastSeen) {
			p.LastSeen = f.LastSeen
		}
		u.pending[f.HostID] = p
	}
}

// flushLoop writes collected host updates every flushEvery until stop is closed, then once more.
func (h *Handler) flushLoop(stop <-chan struct{}) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	var lastErr time.Time
	for {
		select {
		case <-stop:
			h.flush(&lastErr)
			return
		case <-t.C:
			h.flush(&lastErr)
			h.tokens.prune()
		}
	}
}

func (h *Handler) flush(lastErr *time.Time) {
	batch := h.updates.take()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.cfg.Hosts.ApplyHostUpdates(ctx, batch); err != nil {
		h.updates.putBack(batch)
		if now := time.Now(); now.Sub(*lastErr) > time.Minute { // throttled: this repeats every second
			*lastErr = now
			h.log.Warn("could not record hosts' last-seen times and facts; retrying", "hosts", len(batch), "err", err)
		}
	}
}
