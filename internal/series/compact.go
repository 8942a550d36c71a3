package series

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// grace is how long after a window's end Maintain waits before compacting or rolling it up,
// so snapshots still in flight (an agent's last batch, a reconnect's backfill) land in the
// head first instead of forcing a block rewrite.
const grace = 5 * 60_000

// Maintain compacts closed head windows into raw blocks, builds the rollups of closed days
// and weeks (and rebuilds those late data touched), and deletes data past each tier's
// retention. The hub calls it on a ticker; now is injected so tests control time.
func (s *Store) Maintain(ctx context.Context, now time.Time) error {
	s.maintainM.Lock()
	defer s.maintainM.Unlock()
	unlock, ok, err := s.lockMaintenance(ctx)
	if err != nil || !ok {
		return err // !ok: another hub sharing the database is maintaining it
	}
	defer unlock()
	nowMs := now.UnixMilli()
	if err := s.compactHead(ctx, nowMs); err != nil {
		return err
	}
	if err := s.buildRollups(ctx, nowMs); err != nil {
		return err
	}
	return s.expire(ctx, nowMs)
}

// compactHead moves head rows of every closed raw window into blocks.
func (s *Store) compactHead(ctx context.Context, nowMs int64) error {
	cutoff := floorTo(nowMs-grace, tierWindow[tierRaw])
	type hw struct{ host, start int64 }
	var todo []hw
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT host_id, ts FROM series_head WHERE ts < ? ORDER BY host_id, ts`), cutoff)
	if err != nil {
		return fmt.Errorf("list closed head windows: %w", err)
	}
	for rows.Next() {
		var w hw
		var ts int64
		if err := rows.Scan(&w.host, &ts); err != nil {
			rows.Close()
			return fmt.Errorf("list closed head windows: %w", err)
		}
		w.start = floorTo(ts, tierWindow[tierRaw])
		if len(todo) == 0 || todo[len(todo)-1] != w {
			todo = append(todo, w)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list closed head windows: %w", err)
	}
	for _, w := range todo {
		if err := s.compactWindow(ctx, w.host, w.start); err != nil {
			return err
		}
	}
	return nil
}

// compactWindow merges the head rows of one host and raw window into its block, deletes the
// rows and marks the day's and week's rollups pending, all in one transaction: a crash leaves
// either the rows or the block, never neither.
func (s *Store) compactWindow(ctx context.Context, hostID, start int64) error {
	_, scales, err := s.dict(ctx, hostID)
	if err != nil {
		return err
	}
	end := start + tierWindow[tierRaw]
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("compact host %d window %d: %w", hostID, start, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT ts, data FROM series_head WHERE host_id = ? AND ts >= ? AND ts < ? ORDER BY ts`), hostID, start, end)
	if err != nil {
		return fmt.Errorf("compact host %d window %d: %w", hostID, start, err)
	}
	var snaps []Snapshot
	for rows.Next() {
		var sn Snapshot
		var data []byte
		if err := rows.Scan(&sn.TimeMs, &data); err != nil {
			rows.Close()
			return fmt.Errorf("compact host %d window %d: %w", hostID, start, err)
		}
		if sn.Samples, scales, err = s.decodeRowOf(ctx, hostID, data, scales); err != nil {
			rows.Close()
			return fmt.Errorf("compact host %d snapshot %d: %w", hostID, sn.TimeMs, err)
		}
		snaps = append(snaps, sn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("compact host %d window %d: %w", hostID, start, err)
	}
	old, err := s.loadBlock(ctx, tx, hostID, tierRaw, start)
	if err != nil {
		return err
	}
	merged := mergeBlocks(old, blockFromSnapshots(snaps))
	if err := s.putBlock(ctx, tx, hostID, tierRaw, start, merged, rawScale(scales)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM series_head WHERE host_id = ? AND ts >= ? AND ts < ?`), hostID, start, end); err != nil {
		return fmt.Errorf("compact host %d window %d: delete head rows: %w", hostID, start, err)
	}
	for _, tier := range []int{tierMinute, tierHour} {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO series_pending (host_id, tier, start_ms) VALUES (?, ?, ?) ON CONFLICT (host_id, tier, start_ms) DO NOTHING`),
			hostID, tier, floorTo(start, tierWindow[tier])); err != nil {
			return fmt.Errorf("compact host %d window %d: mark rollup: %w", hostID, start, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("compact host %d window %d: commit: %w", hostID, start, err)
	}
	return nil
}

func rawScale(scales []int8) func(uint32) int8 {
	return func(id uint32) int8 {
		if int(id) < len(scales) {
			return scales[id]
		}
		return -1
	}
}

// loadBlock reads one block inside tx; nil when there is none.
func (s *Store) loadBlock(ctx context.Context, tx *sql.Tx, hostID int64, tier int, start int64) (*block, error) {
	var data []byte
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT data FROM series_blocks WHERE host_id = ? AND tier = ? AND start_ms = ?`), hostID, tier, start).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s block %d of host %d: %w", tierNames[tier], start, hostID, err)
	}
	b, err := s.readBlob(data, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s block %d of host %d: %w", tierNames[tier], start, hostID, err)
	}
	return b, nil
}

// putBlock stores (or, when empty, deletes) one block inside tx.
func (s *Store) putBlock(ctx context.Context, tx *sql.Tx, hostID int64, tier int, start int64, b *block, scaleOf func(uint32) int8) error {
	if len(b.times) == 0 {
		_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM series_blocks WHERE host_id = ? AND tier = ? AND start_ms = ?`), hostID, tier, start)
		if err != nil {
			return fmt.Errorf("delete %s block %d of host %d: %w", tierNames[tier], start, hostID, err)
		}
		return nil
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO series_blocks (host_id, tier, start_ms, end_ms, samples, data) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (host_id, tier, start_ms) DO UPDATE SET end_ms = excluded.end_ms, samples = excluded.samples, data = excluded.data`),
		hostID, tier, start, start+tierWindow[tier], b.samples(tier), s.blob(b, scaleOf))
	if err != nil {
		return fmt.Errorf("write %s block %d of host %d: %w", tierNames[tier], start, hostID, err)
	}
	return nil
}

// buildRollups builds every pending rollup window that has closed, 1-minute before 1-hour
// (an hour block reads the day blocks built just before).
func (s *Store) buildRollups(ctx context.Context, nowMs int64) error {
	type pending struct {
		host  int64
		tier  int
		start int64
	}
	var todo []pending
	rows, err := s.db.QueryContext(ctx, `SELECT host_id, tier, start_ms FROM series_pending ORDER BY tier, host_id, start_ms`)
	if err != nil {
		return fmt.Errorf("list pending rollups: %w", err)
	}
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.host, &p.tier, &p.start); err != nil {
			rows.Close()
			return fmt.Errorf("list pending rollups: %w", err)
		}
		if p.tier > tierRaw && p.tier <= tierHour && p.start+tierWindow[p.tier] <= nowMs-grace {
			todo = append(todo, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list pending rollups: %w", err)
	}
	for _, p := range todo {
		if err := s.buildRollup(ctx, p.host, p.tier, p.start); err != nil {
			return err
		}
	}
	return nil
}

// buildRollup recomputes one rollup block from the next finer tier. Buckets the source no
// longer covers (expired raw data) keep their old values. The computation runs outside the
// write lock; Maintain is serialised, so the source cannot be rewritten meanwhile.
func (s *Store) buildRollup(ctx context.Context, hostID int64, tier int, start int64) error {
	_, scales, err := s.readerDict(ctx, hostID) // another hub's new series keep their scale
	if err != nil {
		return err
	}
	window := tierWindow[tier]
	r := newRollup(start, window, tierRes[tier])
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT data FROM series_blocks WHERE host_id = ? AND tier = ? AND start_ms >= ? AND start_ms < ? ORDER BY start_ms`),
		hostID, tier-1, start, start+window)
	if err != nil {
		return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
	}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
		}
		b, err := s.readBlob(data, nil)
		if err != nil {
			rows.Close()
			return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
		}
		if tier == tierMinute {
			r.addRaw(b)
		} else {
			r.addRollup(b)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
	}
	fresh := r.block()
	scaleOf := rollupScale(scales)
	roundMeans(fresh, scaleOf)

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
	}
	defer tx.Rollback()
	old, err := s.loadBlock(ctx, tx, hostID, tier, start)
	if err != nil {
		return err
	}
	if err := s.putBlock(ctx, tx, hostID, tier, start, mergeBlocks(old, fresh), scaleOf); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM series_pending WHERE host_id = ? AND tier = ? AND start_ms = ?`), hostID, tier, start); err != nil {
		return fmt.Errorf("roll up host %d %s window %d: %w", hostID, tierNames[tier], start, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("roll up host %d %s window %d: commit: %w", hostID, tierNames[tier], start, err)
	}
	return nil
}

// expire deletes blocks whose whole window is past their tier's retention, and head rows
// and pending rollups that old.
func (s *Store) expire(ctx context.Context, nowMs int64) error {
	ret := [...]time.Duration{s.opts.RawRetention, s.opts.MinuteRetention, s.opts.HourRetention}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	for tier, d := range ret {
		cut := nowMs - d.Milliseconds()
		if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM series_blocks WHERE tier = ? AND end_ms <= ?`), tier, cut); err != nil {
			return fmt.Errorf("expire %s blocks before %d: %w", tierNames[tier], cut, err)
		}
		if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM series_pending WHERE tier = ? AND start_ms < ?`), tier, cut-tierWindow[tier]); err != nil {
			return fmt.Errorf("expire pending %s rollups before %d: %w", tierNames[tier], cut, err)
		}
	}
	cut := nowMs - s.opts.RawRetention.Milliseconds()
	if _, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM series_head WHERE ts < ?`), cut); err != nil {
		return fmt.Errorf("expire head rows before %d: %w", cut, err)
	}
	return nil
}
