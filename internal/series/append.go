package series

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxBatchRows bounds one group-commit transaction, so a burst of appends cannot make one
// transaction (and the time others wait for the write lock) arbitrarily long.
const maxBatchRows = 4096

// appendReq is one Append call, or one series registration (keys set), waiting for the writer.
type appendReq struct {
	hostID int64
	times  []int64
	counts []int
	rows   [][]byte
	// A registration: keys get ids first, first+1, …
	first     uint32
	keys      []Key
	keyScales []int8
	done      chan error // buffered(1): the writer never blocks on a caller that gave up
}

// Append stores snapshots durably before returning. A snapshot whose host and time are already
// stored is ignored, so agent retransmissions after a lost ack are harmless. Concurrent calls
// are committed together in one transaction (group commit).
func (s *Store) Append(ctx context.Context, hostID int64, snaps []Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	keys, scales, err := s.dict(ctx, hostID)
	if err != nil {
		return err
	}
	r := &appendReq{hostID: hostID, done: make(chan error, 1)}
	for _, sn := range snaps {
		for _, v := range sn.Samples {
			if int(v.ID) >= len(keys) {
				return fmt.Errorf("append to host %d at %d: unknown series id %d", hostID, sn.TimeMs, v.ID)
			}
		}
		r.times = append(r.times, sn.TimeMs)
		r.counts = append(r.counts, len(sn.Samples))
		r.rows = append(r.rows, encodeRow(sn.Samples, scales))
	}
	select {
	case s.reqs <- r:
	case <-s.stopped:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("append to host %d: %w", hostID, ctx.Err())
	}
	select {
	case err := <-r.done:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		// The write may still commit; the caller did not get an ack, so the agent resends
		// and the duplicate is ignored.
		return fmt.Errorf("append to host %d: %w", hostID, ctx.Err())
	}
	s.setLatest(hostID, snaps)
	if s.shared() {
		s.noteAppended(hostID)
	}
	return nil
}

// setLatest remembers the newest of snaps if it is newer than what the host has.
func (s *Store) setLatest(hostID int64, snaps []Snapshot) {
	newest := snaps[0]
	for _, sn := range snaps[1:] {
		if sn.TimeMs > newest.TimeMs {
			newest = sn
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[hostID]
	if h == nil || (h.latest != nil && newest.TimeMs < h.latestT) {
		return
	}
	h.latestT, h.latest = newest.TimeMs, slices.Clone(newest.Samples)
}

// writer is the group-commit loop: it takes every request queued while the previous
// transaction ran and commits them together.
func (s *Store) writer() {
	defer close(s.stopped)
	for {
		var batch []*appendReq
		select {
		case r := <-s.reqs:
			batch = append(batch, r)
		case <-s.stop:
			for { // commit what was queued before Close
				select {
				case r := <-s.reqs:
					s.commitBatch([]*appendReq{r})
				default:
					return
				}
			}
		}
		rows := len(batch[0].rows) + len(batch[0].keys)
	drain:
		for rows < maxBatchRows {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
				rows += len(r.rows) + len(r.keys)
			default:
				break drain
			}
		}
		s.commitBatch(batch)
	}
}

// commitBatch writes a batch in one transaction; if that fails it retries each request
// alone, so one bad request cannot fail the others.
func (s *Store) commitBatch(batch []*appendReq) {
	err := noSpace(s.insertHead(batch))
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.done <- err
		}
		return
	}
	for _, r := range batch {
		r.done <- noSpace(s.insertHead([]*appendReq{r}))
	}
}

func (s *Store) insertHead(batch []*appendReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		return fmt.Errorf("append snapshots: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		s.dropWriteConn()
		return fmt.Errorf("append snapshots: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO series_head (host_id, ts, n, data) VALUES (?, ?, ?, ?) ON CONFLICT (host_id, ts) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("append snapshots: prepare: %w", err)
	}
	defer stmt.Close()
	for _, r := range batch { // registrations of the batch first, then snapshots
		if len(r.keys) > 0 {
			if err := s.insertKeys(ctx, tx, r.hostID, r.first, r.keys, r.keyScales); err != nil {
				return err
			}
		}
	}
	for _, r := range batch {
		for i, ts := range r.times {
			if _, err := stmt.ExecContext(ctx, r.hostID, ts, r.counts[i], r.rows[i]); err != nil {
				return fmt.Errorf("append snapshot %d of host %d: %w", ts, r.hostID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		s.dropWriteConn()
		return fmt.Errorf("append snapshots: commit %d requests: %w", len(batch), err)
	}
	return nil
}

// Latest returns the host's newest snapshot from memory, reading it from disk once after a
// restart (the newest head row, or else the newest raw block).
func (s *Store) Latest(hostID int64) (int64, map[Key]float64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, scales, err := s.readerDict(ctx, hostID)
	if err != nil {
		s.log.Warn("loading series dictionary failed", "host_id", hostID, "err", err)
		return 0, nil, false
	}
	now := s.now()
	s.mu.Lock()
	var t int64
	var latest []Sample
	recheck := false
	if h := s.hosts[hostID]; h != nil {
		t, latest = h.latestT, h.latest
		// On a shared database the host's agent may report to another hub: a newest
		// snapshot that has grown old here is looked for in the database (see shared.go).
		if s.shared() && latest != nil && now.UnixMilli()-t > latestRecheck.Milliseconds() &&
			now.Sub(h.latestChecked) > latestRecheck && now.Sub(h.appended) > localTrust {
			recheck, h.latestChecked = true, now
		}
	}
	s.mu.Unlock()
	if recheck {
		dt, dl, err := s.latestFromDisk(ctx, hostID, scales)
		if err != nil {
			s.log.Warn("reading newest snapshot failed", "host_id", hostID, "err", err)
		} else if dl != nil && dt > t {
			t, latest = dt, dl
			s.setLatest(hostID, []Snapshot{{TimeMs: t, Samples: latest}})
		}
	}
	if latest == nil {
		var err error
		t, latest, err = s.latestFromDisk(ctx, hostID, scales)
		if err != nil {
			s.log.Warn("reading newest snapshot failed", "host_id", hostID, "err", err)
			return 0, nil, false
		}
		if latest == nil {
			return 0, nil, false
		}
		s.setLatest(hostID, []Snapshot{{TimeMs: t, Samples: latest}})
	}
	out := make(map[Key]float64, len(latest))
	for _, v := range latest {
		if int(v.ID) < len(keys) {
			out[keys[v.ID]] = v.Value
		}
	}
	return t, out, true
}

func (s *Store) latestFromDisk(ctx context.Context, hostID int64, scales []int8) (int64, []Sample, error) {
	var ts int64
	var data []byte
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT ts, data FROM series_head WHERE host_id = ? ORDER BY ts DESC LIMIT 1`), hostID).Scan(&ts, &data)
	if err == nil {
		samples, _, err := s.decodeRowOf(ctx, hostID, data, scales)
		return ts, samples, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("newest head row of host %d: %w", hostID, err)
	}
	err = s.db.QueryRowContext(ctx, s.rebind(`SELECT data FROM series_blocks WHERE host_id = ? AND tier = 0 ORDER BY start_ms DESC LIMIT 1`), hostID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("newest block of host %d: %w", hostID, err)
	}
	b, err := s.readBlob(data, nil)
	if err != nil || len(b.times) == 0 {
		return 0, nil, err
	}
	last := len(b.times) - 1
	var out []Sample
	for _, c := range b.cols {
		if c.has(last) {
			out = append(out, Sample{ID: c.id, Value: c.values[last]})
		}
	}
	return b.times[last], out, nil
}
