// Package series stores the hub's metric samples. This first version keeps one compact row per
// host and snapshot (a host's values share their timestamp) in the hub's SQL database, with the
// newest snapshot of every host in memory for the fleet overview. Values travel as
// decimal-scaled integers where exact, so a typical snapshot row is a few hundred bytes.
// The columnar block format with rollup tiers described in DESIGN.md §4 replaces the row layout
// behind the same API.
package series

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Key names a series of one host: a metric name and an instance label ("" = host-wide).
type Key struct{ Name, Label string }

// Options configure retention and value encoding.
type Options struct {
	RawRetention, MinuteRetention, HourRetention time.Duration
	// Scale returns the decimal digits kept for a metric name; a negative result or a nil func
	// stores values as floats.
	Scale  func(name string) int
	Logger *slog.Logger
}

// Sample is one value of a series identified by its per-host ID.
type Sample struct {
	ID    uint32
	Value float64
}

// Snapshot is every sample of one host at one instant.
type Snapshot struct {
	TimeMs  int64
	Samples []Sample
}

// Store is the series store. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect string
	opts    Options
	log     *slog.Logger

	mu     sync.Mutex
	hosts  map[int64]*hostCache // dictionary and newest values per host
	writeM sync.Mutex           // one writer: SQLite allows only one, and batching is cheaper
}

type hostCache struct {
	keys    []Key  // by series ID
	scales  []int8 // by series ID; -1 = float
	byKey   map[Key]uint32
	latestT int64
	latest  map[Key]float64
	loaded  bool
}

var schema = []string{
	`CREATE TABLE IF NOT EXISTS series_keys (
		host_id BIGINT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL,
		PRIMARY KEY (host_id, id), UNIQUE (host_id, name, label))`,
	`CREATE TABLE IF NOT EXISTS series_raw (
		host_id BIGINT NOT NULL, ts BIGINT NOT NULL, data BYTEA NOT NULL,
		PRIMARY KEY (host_id, ts))`,
}

// Open creates the store's tables when missing. dialect is "sqlite" or "postgres".
func Open(ctx context.Context, db *sql.DB, dialect string, opts Options) (*Store, error) {
	if dialect != "sqlite" && dialect != "postgres" {
		return nil, fmt.Errorf("series store: unknown SQL dialect %q", dialect)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RawRetention == 0 {
		opts.RawRetention = 14 * 24 * time.Hour
	}
	s := &Store{db: db, dialect: dialect, opts: opts, log: opts.Logger.With("component", "series"), hosts: map[int64]*hostCache{}}
	for _, q := range schema {
		if dialect == "sqlite" {
			q = strings.ReplaceAll(q, "BYTEA", "BLOB")
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("create series tables: %w", err)
		}
	}
	return s, nil
}

// Close releases nothing today; the database belongs to the caller.
func (s *Store) Close() error { return nil }

// rebind turns ? placeholders into $n for PostgreSQL.
func (s *Store) rebind(q string) string {
	if s.dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) scaleOf(name string) int8 {
	if s.opts.Scale == nil {
		return -1
	}
	sc := s.opts.Scale(name)
	if sc < 0 || sc > 9 {
		return -1
	}
	return int8(sc)
}

// cache returns the host's dictionary, loading it from the database on first use.
// Called with s.mu held.
func (s *Store) cache(ctx context.Context, hostID int64) (*hostCache, error) {
	c := s.hosts[hostID]
	if c != nil && c.loaded {
		return c, nil
	}
	c = &hostCache{byKey: map[Key]uint32{}, loaded: true}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT id, name, label FROM series_keys WHERE host_id = ? ORDER BY id`), hostID)
	if err != nil {
		return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint32
		var k Key
		if err := rows.Scan(&id, &k.Name, &k.Label); err != nil {
			return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
		}
		for uint32(len(c.keys)) < id { // ids are dense; tolerate holes from deleted rows
			c.keys = append(c.keys, Key{})
			c.scales = append(c.scales, -1)
		}
		c.keys = append(c.keys, k)
		c.scales = append(c.scales, s.scaleOf(k.Name))
		c.byKey[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
	}
	s.hosts[hostID] = c
	return c, nil
}

// SeriesIDs returns stable per-host IDs for keys, creating missing ones.
func (s *Store) SeriesIDs(ctx context.Context, hostID int64, keys []Key) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cache(ctx, hostID)
	if err != nil {
		return nil, err
	}
	out := make([]uint32, len(keys))
	var fresh []Key
	for i, k := range keys {
		if id, ok := c.byKey[k]; ok {
			out[i] = id
			continue
		}
		id := uint32(len(c.keys))
		c.keys = append(c.keys, k)
		c.scales = append(c.scales, s.scaleOf(k.Name))
		c.byKey[k] = id
		out[i] = id
		fresh = append(fresh, k)
	}
	if len(fresh) == 0 {
		return out, nil
	}
	s.writeM.Lock()
	defer s.writeM.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		delete(s.hosts, hostID) // forget the unsaved ids; reload from disk next time
		return nil, fmt.Errorf("register series of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	for _, k := range fresh {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO series_keys (host_id, id, name, label) VALUES (?, ?, ?, ?)`), hostID, c.byKey[k], k.Name, k.Label); err != nil {
			delete(s.hosts, hostID)
			return nil, fmt.Errorf("register series %s{%s} of host %d: %w", k.Name, k.Label, hostID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		delete(s.hosts, hostID)
		return nil, fmt.Errorf("register series of host %d: %w", hostID, err)
	}
	return out, nil
}

// Append stores snapshots durably before returning. A snapshot whose host and time are already
// stored is ignored, which makes agent retransmissions after a lost ack harmless.
func (s *Store) Append(ctx context.Context, hostID int64, snaps []Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	s.mu.Lock()
	c, err := s.cache(ctx, hostID)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	rows := make([][]byte, len(snaps))
	for i, sn := range snaps {
		for _, v := range sn.Samples {
			if int(v.ID) >= len(c.keys) {
				s.mu.Unlock()
				return fmt.Errorf("append to host %d: unknown series id %d", hostID, v.ID)
			}
		}
		rows[i] = encodeRow(sn.Samples, c.scales)
	}
	s.mu.Unlock()

	s.writeM.Lock()
	err = s.insert(ctx, hostID, snaps, rows)
	s.writeM.Unlock()
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sn := range snaps {
		if sn.TimeMs >= c.latestT {
			c.latestT = sn.TimeMs
			c.latest = make(map[Key]float64, len(sn.Samples))
			for _, v := range sn.Samples {
				c.latest[c.keys[v.ID]] = v.Value
			}
		}
	}
	return nil
}

func (s *Store) insert(ctx context.Context, hostID int64, snaps []Snapshot, rows [][]byte) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append %d snapshots of host %d: %w", len(snaps), hostID, err)
	}
	defer tx.Rollback()
	q := s.rebind(`INSERT INTO series_raw (host_id, ts, data) VALUES (?, ?, ?) ON CONFLICT (host_id, ts) DO NOTHING`)
	for i, sn := range snaps {
		if _, err := tx.ExecContext(ctx, q, hostID, sn.TimeMs, rows[i]); err != nil {
			return fmt.Errorf("append snapshot %d of host %d: %w", sn.TimeMs, hostID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %d snapshots of host %d: %w", len(snaps), hostID, err)
	}
	return nil
}

// Latest returns the host's newest snapshot from memory, reading it from disk once after a
// restart.
func (s *Store) Latest(hostID int64) (int64, map[Key]float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s.cache(ctx, hostID)
	if err != nil {
		return 0, nil, false
	}
	if c.latest == nil {
		var ts int64
		var data []byte
		err := s.db.QueryRowContext(ctx, s.rebind(`SELECT ts, data FROM series_raw WHERE host_id = ? ORDER BY ts DESC LIMIT 1`), hostID).Scan(&ts, &data)
		if err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				s.log.Warn("reading newest snapshot failed", "host_id", hostID, "err", err)
			}
			return 0, nil, false
		}
		samples, err := decodeRow(data, c.scales)
		if err != nil {
			return 0, nil, false
		}
		c.latestT, c.latest = ts, map[Key]float64{}
		for _, v := range samples {
			c.latest[c.keys[v.ID]] = v.Value
		}
	}
	out := make(map[Key]float64, len(c.latest))
	for k, v := range c.latest {
		out[k] = v
	}
	return c.latestT, out, true
}

// Maintain deletes raw snapshots older than the retention.
func (s *Store) Maintain(ctx context.Context, now time.Time) error {
	return s.DeleteBefore(ctx, 0, now.Add(-s.opts.RawRetention))
}

// DeleteHost removes every sample and series of a host.
func (s *Store) DeleteHost(ctx context.Context, hostID int64) error {
	s.writeM.Lock()
	defer s.writeM.Unlock()
	for _, q := range []string{`DELETE FROM series_raw WHERE host_id = ?`, `DELETE FROM series_keys WHERE host_id = ?`} {
		if _, err := s.db.ExecContext(ctx, s.rebind(q), hostID); err != nil {
			return fmt.Errorf("delete series of host %d: %w", hostID, err)
		}
	}
	s.mu.Lock()
	delete(s.hosts, hostID)
	s.mu.Unlock()
	return nil
}

// DeleteBefore removes samples older than before, for one host or (hostID 0) for all.
func (s *Store) DeleteBefore(ctx context.Context, hostID int64, before time.Time) error {
	s.writeM.Lock()
	defer s.writeM.Unlock()
	var err error
	if hostID == 0 {
		_, err = s.db.ExecContext(ctx, s.rebind(`DELETE FROM series_raw WHERE ts < ?`), before.UnixMilli())
	} else {
		_, err = s.db.ExecContext(ctx, s.rebind(`DELETE FROM series_raw WHERE host_id = ? AND ts < ?`), hostID, before.UnixMilli())
	}
	if err != nil {
		return fmt.Errorf("delete samples before %s: %w", before.Format(time.RFC3339), err)
	}
	return nil
}

// Stats summarises what the store holds.
type Stats struct {
	Hosts     int   `json:"hosts"`
	Snapshots int64 `json:"snapshots"`
	Bytes     int64 `json:"bytes"`
}

// Stats counts stored snapshots and their encoded bytes.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT host_id), COUNT(*), COALESCE(SUM(LENGTH(data)), 0) FROM series_raw`).Scan(&st.Hosts, &st.Snapshots, &st.Bytes)
	if err != nil {
		return st, fmt.Errorf("series stats: %w", err)
	}
	return st, nil
}
