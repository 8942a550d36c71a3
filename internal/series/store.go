// Package series is the hub's series store: the compact columnar format of DESIGN.md §4 kept
// as blobs in the hub's SQL database (SQLite or PostgreSQL), next to the metadata tables.
//
// Data flows through three stages:
//
//   - Head: Append writes one compact row per host and snapshot to series_head, batched with
//     other concurrent Append calls into one transaction (group commit), and returns after the
//     commit, so acknowledged snapshots survive a crash. The newest snapshot of every host
//     also stays in memory for Latest.
//   - Raw blocks: Maintain compacts head rows of closed 2-hour windows into one columnar,
//     zstd-compressed block per host and window (tier "raw"). Late rows for a closed window
//     are merged into its block the same way.
//   - Rollups: when a day closes, its raw blocks are rolled up into a 1-minute block
//     (min, avg, max, last, count per series and minute); when a week closes, its 1-minute
//     blocks are rolled up into a 1-hour block. Late data marks the affected rollup windows
//     pending again, so they are rebuilt.
//
// Queries pick the coarsest tier whose resolution fits the requested step and fill the time
// not yet rolled up from the next finer tier, down to the head.
//
// Durability: the store relies on the database's commit. With SQLite in WAL mode,
// synchronous=NORMAL makes a committed transaction survive a process crash (kill -9), because
// the WAL is in the OS page cache; it does not survive power loss or a kernel crash until the
// next checkpoint. Hubs that must keep acknowledged data across power loss set
// synchronous=FULL; group commit keeps that affordable (one fsync per batch).
package series

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/klauspost/compress/zstd"
)

// Key names a series of one host: a metric name and an instance label ("" = host-wide).
type Key struct{ Name, Label string }

// Options configure retention and value encoding. Zero retentions take the defaults
// (raw 14 days, 1-minute 90 days, 1-hour 2 years).
type Options struct {
	RawRetention, MinuteRetention, HourRetention time.Duration
	// Scale returns the decimal digits kept for a metric name; a negative result or a nil func
	// stores values as floats (integral values are still stored as integers: that is exact).
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

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("series store closed")

// Store is the series store. It is safe for concurrent use.
//
// Lock order: a host's registration lock (regLock), then writeMu, then mu; never the other way
// round.
type Store struct {
	db      *sql.DB
	dialect string
	opts    Options
	log     *slog.Logger
	enc     *zstd.Encoder
	dec     *zstd.Decoder

	writeMu   sync.Mutex // one writer at a time: SQLite allows only one, and batches are cheaper
	maintainM sync.Mutex // one Maintain at a time: rollups are computed outside writeMu

	mu      sync.Mutex
	hosts   map[int64]*hostState
	loading map[int64]chan struct{} // hosts whose dictionary is being read; closed when done
	// regs serialise the creation of series ids per host (many hosts register at once after a
	// hub restart; one store-wide lock made them queue behind each other).
	regs map[int64]*sync.Mutex

	reqs    chan *appendReq
	stop    chan struct{}
	stopped chan struct{}
	closeM  sync.Once

	// wconn is the connection the group-commit writer and series registration use, held
	// outside the pool (both run under writeMu): appends never queue behind readers for a
	// pooled connection, and on SQLite the WAL checkpoint moves off the commit path (see
	// checkpointer). nil until first use and after an error, so a broken connection is
	// replaced.
	wconn *sql.Conn
	// dictStmt reads one host's dictionary (readHost).
	dictStmt *sql.Stmt
	// checkpointed is closed when the checkpointer has stopped.
	checkpointed chan struct{}
	now          func() time.Time // injected by tests
}

// hostState is what the store keeps in memory per host: the series dictionary and the newest
// snapshot. keys and scales only grow, so readers may keep a slice header after unlocking.
// There is no map from key to id: it cost ~10 KB per host (100 MB at 10,000 hosts) to speed up
// only handshakes, which find their ids by position instead (see ids).
type hostState struct {
	keys    []Key  // names interned (see Intern): hosts mostly share them
	scales  []int8 // decimal digits per series id; -1 = float
	latestT int64
	latest  []Sample // nil until known
	// checked is when the dictionary was last read from the database, latestChecked when the
	// newest snapshot was (both matter only when other hubs share the database, see shared.go).
	checked, latestChecked time.Time
	// appended is when this process last stored a snapshot of the host (shared databases only).
	appended time.Time
}

// ids sets out[i] to the id of keys[i] and returns the keys not in the dictionary (each once).
// An agent sends its dictionary in the order the store first registered it, so keys[i] is
// almost always id i; a map is built only for the keys that are not.
func (h *hostState) ids(keys []Key, out []uint32) (fresh []Key) {
	var byKey map[Key]uint32
	var seen map[Key]bool
	for i, k := range keys {
		if i < len(h.keys) && h.keys[i] == k && k.Name != "" {
			out[i] = uint32(i)
			continue
		}
		if byKey == nil {
			byKey = make(map[Key]uint32, len(h.keys))
			for id, k := range h.keys {
				if k.Name != "" { // a hole in the ids
					byKey[k] = uint32(id)
				}
			}
			seen = map[Key]bool{}
		}
		if id, ok := byKey[k]; ok {
			out[i] = id
			continue
		}
		if !seen[k] {
			fresh = append(fresh, k)
			seen[k] = true
		}
	}
	return fresh
}

// Intern returns k with its strings replaced by the process-wide copies (unique.Make), so that
// the dictionaries of thousands of hosts share one copy of each name and label.
func Intern(k Key) Key {
	return Key{Name: unique.Make(k.Name).Value(), Label: unique.Make(k.Label).Value()}
}

var schema = []string{
	`CREATE TABLE IF NOT EXISTS series_ids (
		host_id BIGINT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL,
		scale SMALLINT NOT NULL, PRIMARY KEY (host_id, id), UNIQUE (host_id, name, label))`,
	`CREATE TABLE IF NOT EXISTS series_head (
		host_id BIGINT NOT NULL, ts BIGINT NOT NULL, n INTEGER NOT NULL, data BYTEA NOT NULL,
		PRIMARY KEY (host_id, ts))`,
	`CREATE TABLE IF NOT EXISTS series_blocks (
		host_id BIGINT NOT NULL, tier SMALLINT NOT NULL, start_ms BIGINT NOT NULL,
		end_ms BIGINT NOT NULL, samples BIGINT NOT NULL, data BYTEA NOT NULL,
		PRIMARY KEY (host_id, tier, start_ms))`,
	`CREATE INDEX IF NOT EXISTS series_blocks_end ON series_blocks (tier, end_ms)`,
	// Maintain lists closed head windows and expires old head rows by time alone; without
	// this index both scan the whole head (millions of rows at 10,000 hosts).
	`CREATE INDEX IF NOT EXISTS series_head_ts ON series_head (ts)`,
	`CREATE TABLE IF NOT EXISTS series_pending (
		host_id BIGINT NOT NULL, tier SMALLINT NOT NULL, start_ms BIGINT NOT NULL,
		PRIMARY KEY (host_id, tier, start_ms))`,
}

// Open creates the store's tables when missing and starts the group-commit writer.
// dialect is "sqlite" or "postgres".
func Open(ctx context.Context, db *sql.DB, dialect string, opts Options) (*Store, error) {
	if dialect != "sqlite" && dialect != "postgres" {
		return nil, fmt.Errorf("series store: unknown SQL dialect %q", dialect)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RawRetention <= 0 {
		opts.RawRetention = 14 * 24 * time.Hour
	}
	if opts.MinuteRetention <= 0 {
		opts.MinuteRetention = 90 * 24 * time.Hour
	}
	if opts.HourRetention <= 0 {
		opts.HourRetention = 2 * 365 * 24 * time.Hour
	}
	if err := createSchema(ctx, db, dialect); err != nil {
		return nil, err
	}
	enc, dec, err := newZstd()
	if err != nil {
		return nil, err
	}
	dictStmt, err := db.PrepareContext(ctx, rebind(dialect, `SELECT id, name, label, scale FROM series_ids WHERE host_id = ? ORDER BY id`))
	if err != nil {
		return nil, fmt.Errorf("prepare dictionary query: %w", err)
	}
	s := &Store{
		dictStmt: dictStmt,
		db:       db, dialect: dialect, opts: opts, log: opts.Logger.With("component", "series"),
		enc: enc, dec: dec, hosts: map[int64]*hostState{}, loading: map[int64]chan struct{}{}, regs: map[int64]*sync.Mutex{},
		reqs: make(chan *appendReq, 1024), stop: make(chan struct{}), stopped: make(chan struct{}),
		checkpointed: make(chan struct{}), now: time.Now,
	}
	go s.writer()
	go func() { defer close(s.checkpointed); s.checkpointer() }()
	return s, nil
}

// schemaLock is the PostgreSQL advisory lock key that serialises the series tables' creation
// across hubs starting at once (the metadata store's migrations use their own key).
const schemaLock = 0x76736572 // "vser"

// createSchema creates the store's tables when missing. On PostgreSQL, CREATE TABLE IF NOT
// EXISTS run by two sessions at once can still fail on the catalog's unique index
// (pg_type_typname_nsp_index), so hubs starting together queue on an advisory lock, held on
// one pinned connection.
func createSchema(ctx context.Context, db *sql.DB, dialect string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("create series tables: %w", err)
	}
	defer conn.Close()
	if dialect == "postgres" {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, schemaLock); err != nil {
			return fmt.Errorf("wait for other hubs to create the series tables: %w", err)
		}
		// A fresh context: the caller's may be cancelled, and a lock left on a pooled
		// connection would block every other hub's start.
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, schemaLock)
	}
	for _, q := range schema {
		if dialect == "sqlite" {
			q = strings.ReplaceAll(q, "BYTEA", "BLOB")
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create series tables: %w", err)
		}
	}
	return nil
}

// Close stops the writer after committing what was queued. The database belongs to the
// caller and stays open.
func (s *Store) Close() error {
	s.closeM.Do(func() {
		close(s.stop)
		<-s.stopped
		<-s.checkpointed
		s.writeMu.Lock()
		if s.wconn != nil {
			s.wconn.Close()
			s.wconn = nil
		}
		s.writeMu.Unlock()
		s.dictStmt.Close()
		s.enc.Close()
		s.dec.Close()
	})
	return nil
}

// rebind turns ? placeholders into $n for PostgreSQL.
func (s *Store) rebind(q string) string { return rebind(s.dialect, q) }

func rebind(dialect, q string) string {
	if dialect != "postgres" {
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
	if sc < 0 || sc > maxScale {
		return -1
	}
	return int8(sc)
}

// host returns the host's state, loading its dictionary on first use. Called with s.mu held,
// and returns with it held, but releases it during the load: that is a database read, and
// holding the store-wide lock through it made every other host's appends wait behind each
// first connection (thousands after a hub restart). loading makes concurrent callers for the
// same host wait for one load instead of reading twice.
func (s *Store) host(ctx context.Context, hostID int64) (*hostState, error) {
	for {
		if h := s.hosts[hostID]; h != nil {
			return h, nil
		}
		if ch, ok := s.loading[hostID]; ok {
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				s.mu.Lock()
				return nil, fmt.Errorf("load series of host %d: %w", hostID, ctx.Err())
			}
			s.mu.Lock()
			continue // loaded, or the load failed and this caller tries itself
		}
		ch := make(chan struct{})
		s.loading[hostID] = ch
		s.mu.Unlock()
		h, err := s.readHost(ctx, hostID)
		s.mu.Lock()
		delete(s.loading, hostID)
		close(ch)
		if err != nil {
			return nil, err
		}
		s.hosts[hostID] = h
		return h, nil
	}
}

// readHost reads a host's series dictionary from the database.
func (s *Store) readHost(ctx context.Context, hostID int64) (*hostState, error) {
	h := &hostState{checked: s.now()}
	// Prepared once: after a hub restart every agent's handshake reads its host here, and
	// parsing the query each time was a visible share of the hub's CPU in that storm.
	rows, err := s.dictStmt.QueryContext(ctx, hostID)
	if err != nil {
		return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uint32
		var k Key
		var sc int8
		if err := rows.Scan(&id, &k.Name, &k.Label, &sc); err != nil {
			return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
		}
		for uint32(len(h.keys)) < id { // ids are dense; tolerate holes anyway
			h.keys = append(h.keys, Key{})
			h.scales = append(h.scales, -1)
		}
		h.keys = append(h.keys, Intern(k))
		h.scales = append(h.scales, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load series of host %d: %w", hostID, err)
	}
	h.keys, h.scales = slices.Clip(h.keys), slices.Clip(h.scales)
	return h, nil
}

// dict returns the host's keys and scales (append-only slices, safe to read after unlocking).
func (s *Store) dict(ctx context.Context, hostID int64) ([]Key, []int8, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.host(ctx, hostID)
	if err != nil {
		return nil, nil, err
	}
	return h.keys[:len(h.keys):len(h.keys)], h.scales[:len(h.scales):len(h.scales)], nil
}

// Keys returns the host's dictionary, indexed by series id, as held in memory: nil when it is not
// loaded. The slice is capped and never modified in place (the dictionary only grows), so
// callers may keep it, e.g. one per agent connection instead of a copy.
func (s *Store) Keys(hostID int64) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hosts[hostID]
	if h == nil {
		return nil
	}
	return h.keys[:len(h.keys):len(h.keys)]
}

// SeriesIDs returns stable per-host ids for keys, creating and persisting missing ones.
func (s *Store) SeriesIDs(ctx context.Context, hostID int64, keys []Key) ([]uint32, error) {
	out := make([]uint32, len(keys))
	lookup := func() ([]Key, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h, err := s.host(ctx, hostID)
		if err != nil {
			return nil, err
		}
		return h.ids(keys, out), nil
	}
	fresh, err := lookup()
	if err != nil || len(fresh) == 0 {
		return out, err
	}
	reg := s.regLock(hostID)
	reg.Lock()
	defer reg.Unlock()
	if fresh, err = lookup(); err != nil || len(fresh) == 0 { // another caller created them
		return out, err
	}
	if s.shared() {
		// Another hub may have registered series of this host (its agent failed over):
		// take their ids into account, or the new ones would collide with them.
		if err := s.refreshHost(ctx, hostID, 0); err != nil {
			return nil, err
		}
		if fresh, err = lookup(); err != nil || len(fresh) == 0 {
			return out, err
		}
	}
	s.mu.Lock()
	hs, err := s.host(ctx, hostID) // reloads when DeleteHost ran since lookup
	var next uint32
	if hs != nil {
		next = uint32(len(hs.keys))
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	scales := make([]int8, len(fresh))
	for i, k := range fresh {
		scales[i] = s.scaleOf(k.Name)
	}
	// Registered through the group-commit writer, in the same transaction as other hosts'
	// registrations and snapshots. The wait ignores ctx: once queued, the ids may be
	// committed, and the in-memory dictionary must learn them, or the next registration of
	// this host would reuse the ids and fail on the primary key.
	r := &appendReq{hostID: hostID, first: next, keys: fresh, keyScales: scales, done: make(chan error, 1)}
	select {
	case s.reqs <- r:
	case <-s.stopped:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("register series of host %d: %w", hostID, ctx.Err())
	}
	if err := <-r.done; err != nil {
		return nil, err
	}
	s.mu.Lock()
	if h := s.hosts[hostID]; h != nil { // nil when DeleteHost ran meanwhile; reload next time
		for i, k := range fresh {
			h.addKey(next+uint32(i), Intern(k), scales[i])
		}
	}
	s.mu.Unlock()
	_, err = lookup()
	return out, err
}

// keysPerInsert bounds one multi-row INSERT of series_ids: 5 parameters a row stays far below
// SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const keysPerInsert = 200

// insertKeys registers a host's new series in tx with a few multi-row INSERTs: a hello of 150
// new series was 150 statements and a transaction of its own, which at thousands of first
// connections kept the write lock from the snapshots.
func (s *Store) insertKeys(ctx context.Context, tx *sql.Tx, hostID int64, first uint32, keys []Key, scales []int8) error {
	for lo := 0; lo < len(keys); lo += keysPerInsert {
		hi := min(lo+keysPerInsert, len(keys))
		var q strings.Builder
		q.WriteString(`INSERT INTO series_ids (host_id, id, name, label, scale) VALUES `)
		args := make([]any, 0, 5*(hi-lo))
		for i := lo; i < hi; i++ {
			if i > lo {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, hostID, first+uint32(i), keys[i].Name, keys[i].Label, scales[i])
		}
		if _, err := tx.ExecContext(ctx, s.rebind(q.String()), args...); err != nil {
			return fmt.Errorf("register series %s{%s}… (%d) of host %d: %w", keys[lo].Name, keys[lo].Label, hi-lo, hostID, err)
		}
	}
	return nil
}

// regLock returns the lock that serialises series registration of one host.
func (s *Store) regLock(hostID int64) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.regs[hostID]
	if m == nil {
		m = &sync.Mutex{}
		s.regs[hostID] = m
	}
	return m
}
