package series

import (
	"context"
	"fmt"
	"time"
)

// DeleteHost removes every sample and series of a host.
func (s *Store) DeleteHost(ctx context.Context, hostID int64) error {
	reg := s.regLock(hostID)
	reg.Lock()
	defer reg.Unlock()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete series of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	for _, table := range []string{"series_head", "series_blocks", "series_pending", "series_ids"} {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+table+` WHERE host_id = ?`), hostID); err != nil {
			return fmt.Errorf("delete series of host %d from %s: %w", hostID, table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete series of host %d: %w", hostID, err)
	}
	s.mu.Lock()
	delete(s.hosts, hostID)
	s.mu.Unlock()
	return nil
}

// DeleteBefore removes data older than before, for one host or (hostID 0) for all, in every
// tier. Blocks straddling before are rewritten without their older points.
func (s *Store) DeleteBefore(ctx context.Context, hostID int64, before time.Time) error {
	cut := before.UnixMilli()
	hostCond, args := "", []any{}
	if hostID != 0 {
		hostCond, args = "host_id = ? AND ", []any{hostID}
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete series data before %d: %w", cut, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM series_head WHERE `+hostCond+`ts < ?`), append(args, cut)...); err != nil {
		return fmt.Errorf("delete head rows before %d: %w", cut, err)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM series_blocks WHERE `+hostCond+`end_ms <= ?`), append(args, cut)...); err != nil {
		return fmt.Errorf("delete blocks before %d: %w", cut, err)
	}
	type straddler struct {
		host, start int64
		tier        int
		data        []byte
	}
	var todo []straddler
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT host_id, tier, start_ms, data FROM series_blocks WHERE `+hostCond+`start_ms < ? AND end_ms > ?`), append(args, cut, cut)...)
	if err != nil {
		return fmt.Errorf("find blocks around %d: %w", cut, err)
	}
	for rows.Next() {
		var st straddler
		if err := rows.Scan(&st.host, &st.tier, &st.start, &st.data); err != nil {
			rows.Close()
			return fmt.Errorf("find blocks around %d: %w", cut, err)
		}
		todo = append(todo, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find blocks around %d: %w", cut, err)
	}
	for _, st := range todo {
		_, scales, err := s.dict(ctx, st.host)
		if err != nil {
			return err
		}
		b, err := s.readBlob(st.data, nil)
		if err != nil {
			return fmt.Errorf("trim %s block %d of host %d: %w", tierNames[st.tier], st.start, st.host, err)
		}
		scaleOf := rawScale(scales)
		if st.tier != tierRaw {
			scaleOf = rollupScale(scales)
		}
		kept := filterBlock(b, func(t int64) bool { return t >= cut })
		if err := s.putBlock(ctx, tx, st.host, st.tier, st.start, kept, scaleOf); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete series data before %d: %w", cut, err)
	}
	s.mu.Lock()
	for id, h := range s.hosts {
		if (hostID == 0 || id == hostID) && h.latest != nil && h.latestT < cut {
			h.latest, h.latestT = nil, 0
		}
	}
	s.mu.Unlock()
	return nil
}

// TierStats describes one tier (or the head) of the store.
type TierStats struct {
	Tier    string `json:"tier"` // "head", "raw", "1m", "1h"
	Blocks  int64  `json:"blocks"`
	Samples int64  `json:"samples"` // rollups: one per series and bucket
	Bytes   int64  `json:"bytes"`
}

// HostStats describes one host's data across tiers.
type HostStats struct {
	HostID  int64 `json:"host_id"`
	Samples int64 `json:"samples"`
	Bytes   int64 `json:"bytes"`
}

// Stats summarises what the store holds. Bytes count encoded payloads, not the database's
// page and index overhead.
type Stats struct {
	Hosts     int         `json:"hosts"`
	Snapshots int64       `json:"snapshots"` // head rows not compacted yet
	Samples   int64       `json:"samples"`
	Bytes     int64       `json:"bytes"`
	Tiers     []TierStats `json:"tiers"`
	PerHost   []HostStats `json:"per_host"`
}

// Stats counts samples and bytes per tier and per host.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	head := TierStats{Tier: "head"}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(n), 0), COALESCE(SUM(LENGTH(data)), 0) FROM series_head`).
		Scan(&head.Blocks, &head.Samples, &head.Bytes); err != nil {
		return st, fmt.Errorf("series head stats: %w", err)
	}
	st.Snapshots = head.Blocks
	st.Tiers = []TierStats{head}
	for tier, name := range tierNames {
		ts := TierStats{Tier: name}
		if err := s.db.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*), COALESCE(SUM(samples), 0), COALESCE(SUM(LENGTH(data)), 0) FROM series_blocks WHERE tier = ?`), tier).
			Scan(&ts.Blocks, &ts.Samples, &ts.Bytes); err != nil {
			return st, fmt.Errorf("series %s stats: %w", name, err)
		}
		st.Tiers = append(st.Tiers, ts)
	}
	for _, t := range st.Tiers {
		st.Samples += t.Samples
		st.Bytes += t.Bytes
	}
	rows, err := s.db.QueryContext(ctx, `SELECT host_id, SUM(samples), SUM(bytes) FROM (
		SELECT host_id, n AS samples, LENGTH(data) AS bytes FROM series_head
		UNION ALL SELECT host_id, samples, LENGTH(data) FROM series_blocks) u GROUP BY host_id ORDER BY host_id`)
	if err != nil {
		return st, fmt.Errorf("series per-host stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HostStats
		if err := rows.Scan(&h.HostID, &h.Samples, &h.Bytes); err != nil {
			return st, fmt.Errorf("series per-host stats: %w", err)
		}
		st.PerHost = append(st.PerHost, h)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("series per-host stats: %w", err)
	}
	st.Hosts = len(st.PerHost)
	return st, nil
}
