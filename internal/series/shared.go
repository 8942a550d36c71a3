package series

import (
	"context"
	"fmt"
	"time"
)

// On PostgreSQL several hubs may share one database (DESIGN.md §9). Each hub stores the
// snapshots of the agents connected to it, and must still answer queries about every host. What
// the store keeps in memory per host was written by this process alone on SQLite; on PostgreSQL
// another hub may have changed it, so:
//
//   - a host's series dictionary is re-read before registering new series (another hub may have
//     registered some: reusing their ids would fail on the primary key), and by readers when
//     it was last read more than dictRecheck ago (another hub's new series would be invisible);
//   - the newest snapshot is re-read from the database when it is older than latestRecheck
//     (the host's agent may be connected to another hub), unless this hub stored one of the
//     host's snapshots within localTrust: then the agent is (or was just) connected here, and
//     an agent with a long interval does not cost a query per look at the fleet;
//   - Maintain runs on one hub at a time (an advisory lock; the others skip that round).
const (
	dictRecheck   = 10 * time.Second
	latestRecheck = 15 * time.Second
	localTrust    = time.Minute
	// maintainLock names the advisory lock held while one hub maintains the series store. The
	// key is hashed with the schema, so installations in different schemas of one database
	// (and tests) do not skip each other's maintenance.
	maintainLock = "vigil series maintenance "
)

// shared reports whether other hubs may write to the same database.
func (s *Store) shared() bool { return s.dialect == "postgres" }

// readerDict is dict for queries: on a shared database it first brings the dictionary up to
// date when it was read more than dictRecheck ago.
func (s *Store) readerDict(ctx context.Context, hostID int64) ([]Key, []int8, error) {
	if s.shared() {
		if err := s.refreshHost(ctx, hostID, dictRecheck); err != nil {
			return nil, nil, err
		}
	}
	return s.dict(ctx, hostID)
}

// refreshHost re-reads a cached host's dictionary from the database when it was read more than
// maxAge ago, and appends the series other hubs registered meanwhile. Ids are dense and never
// reused, so the database's list extends the cached one. A host not cached yet is left to
// host(), which reads it fresh.
func (s *Store) refreshHost(ctx context.Context, hostID int64, maxAge time.Duration) error {
	now := s.now()
	s.mu.Lock()
	h := s.hosts[hostID]
	stale := h != nil && now.Sub(h.checked) >= maxAge
	s.mu.Unlock()
	if !stale {
		return nil
	}
	fresh, err := s.readHost(ctx, hostID)
	if err != nil {
		return fmt.Errorf("refresh series of host %d: %w", hostID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.hosts[hostID]; cur == h {
		h.checked = now
		for id := len(h.keys); id < len(fresh.keys); id++ {
			h.addKey(uint32(id), fresh.keys[id], fresh.scales[id])
		}
	}
	return nil
}

// addKey records series id as k, unless the dictionary already holds it (a refresh may have
// read it from the database before its registration in this process finished). Called with
// s.mu held.
func (h *hostState) addKey(id uint32, k Key, scale int8) {
	for uint32(len(h.keys)) < id { // ids are dense; tolerate holes anyway
		h.keys = append(h.keys, Key{})
		h.scales = append(h.scales, -1)
	}
	if uint32(len(h.keys)) == id {
		h.keys = append(h.keys, k)
		h.scales = append(h.scales, scale)
	}
}

// lockMaintenance takes the cross-hub maintenance lock on a shared database. ok is false when
// another hub holds it: that hub does this round's work. unlock must be called when ok.
func (s *Store) lockMaintenance(ctx context.Context) (unlock func(), ok bool, err error) {
	if !s.shared() {
		return func() {}, true, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("series maintenance lock: %w", err)
	}
	const key = `hashtextextended($1 || current_schema(), 0)`
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+key+`)`, maintainLock).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("series maintenance lock: %w", err)
		}
		return nil, false, nil
	}
	return func() {
		// A fresh context: a lock left on a pooled connection would stop every hub's maintenance.
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, maintainLock)
		conn.Close()
	}, true, nil
}

// decodeRowOf decodes a head row of a host. On a shared database the row may hold series
// another hub registered after this one read the dictionary: then the dictionary is re-read
// once and the row decoded again. It returns the scales to use for the following rows.
func (s *Store) decodeRowOf(ctx context.Context, hostID int64, data []byte, scales []int8) ([]Sample, []int8, error) {
	samples, err := decodeRow(data, scales)
	if err == nil || !s.shared() {
		return samples, scales, err
	}
	if rerr := s.refreshHost(ctx, hostID, 0); rerr != nil {
		return nil, scales, err
	}
	_, fresh, derr := s.dict(ctx, hostID)
	if derr != nil {
		return nil, scales, err
	}
	samples, err = decodeRow(data, fresh)
	return samples, fresh, err
}

// noteAppended records that this hub has just stored a snapshot of the host.
func (s *Store) noteAppended(hostID int64) {
	now := s.now()
	s.mu.Lock()
	if h := s.hosts[hostID]; h != nil {
		h.appended = now
	}
	s.mu.Unlock()
}
