// Package meta is the hub's metadata store: organizations, users, memberships, sessions, API
// tokens, hosts and their agent tokens. It runs on SQLite (embedded default) and PostgreSQL
// with one schema; secrets (session, API and agent tokens) are stored only as SHA-256 hashes.
package meta

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// DB is the metadata store.
type DB struct {
	db      *sql.DB
	dialect string
	now     func() time.Time
}

// Open connects and applies pending migrations. driver is "sqlite" or "pgx".
func Open(ctx context.Context, driver, dsn string) (*DB, error) {
	dialect := map[string]string{"sqlite": "sqlite", "pgx": "postgres"}[driver]
	if dialect == "" {
		return nil, fmt.Errorf("metadata store: unsupported driver %q (want sqlite or pgx)", driver)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	limitPool(db, dialect)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	d := &DB{db: db, dialect: dialect, now: time.Now}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Pool sizes. database/sql opens a new connection whenever every open one is busy, without
// limit. Under a connection storm of thousands of agents that meant thousands of SQLite
// connections (three file descriptors each, plus a page cache), which exhausted the hub's
// open-file limit and stopped acknowledgements (bench/results/load.md, 2026-11-23). SQLite
// allows one writer at a time anyway, so a few connections serve readers beside it; PostgreSQL
// gets more, since it runs writers in parallel, but stays well under its default
// max_connections of 100 so that several hubs can share one server.
const (
	sqliteMaxConns   = 8
	postgresMaxConns = 32
)

func limitPool(db *sql.DB, dialect string) {
	n := sqliteMaxConns
	if dialect == "postgres" {
		n = postgresMaxConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// Idle connections are closed after a while so that a burst does not pin memory.
	db.SetConnMaxIdleTime(5 * time.Minute)
}

// SQL returns the underlying database, shared with the series store.
func (d *DB) SQL() *sql.DB { return d.db }

// Dialect is "sqlite" or "postgres".
func (d *DB) Dialect() string { return d.dialect }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// q rebinds ? placeholders to $n for PostgreSQL.
func (d *DB) q(query string) string {
	if d.dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *DB) ms() int64 { return d.now().UnixMilli() }

// NewSecret returns a random token with a prefix that tells what it is for (vgh_ agent, vgt_
// API, vgs_ session, vgx_ setup), 256 bits of entropy.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash is how secrets are stored: SHA-256 is enough for 256-bit random tokens, and it lets
// lookups by token use an index without any timing difference between partial matches.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint") || strings.Contains(s, "duplicate key") || strings.Contains(s, "23505")
}

func msTime(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := msTime(v.Int64)
	return &t
}
