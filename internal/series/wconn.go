package series

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoSpace marks a write that failed because the database's disk is full. Callers tell the
// sender so in words (the agent keeps its data and retries); nothing written is half-applied,
// since the transaction rolls back.
var ErrNoSpace = errors.New("the hub's disk is full")

// noSpace wraps err with ErrNoSpace when the database reports a full disk: SQLite's
// SQLITE_FULL ("database or disk is full", code 13), PostgreSQL's disk_full (SQLSTATE 53100)
// or a plain ENOSPC from a file operation.
func noSpace(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	for _, m := range []string{"database or disk is full", "SQLITE_FULL", "SQLSTATE 53100", "no space left on device"} {
		if strings.Contains(strings.ToLower(s), strings.ToLower(m)) {
			return fmt.Errorf("%w: %w", ErrNoSpace, err)
		}
	}
	return err
}

// checkpointEvery is how often the checkpointer copies SQLite's WAL back into the database.
const checkpointEvery = time.Second

// writeConn returns the writer's own connection, opening it on first use. Called with
// writeMu held.
func (s *Store) writeConn(ctx context.Context) (*sql.Conn, error) {
	if s.wconn != nil {
		return s.wconn, nil
	}
	c, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open the writer's connection: %w", err)
	}
	if s.dialect == "sqlite" {
		// SQLite checkpoints the WAL in whichever connection's commit crosses 1,000 pages,
		// which made every so many group commits (and the acks waiting for them) much
		// slower. The writer leaves that to the checkpointer instead.
		if _, err := c.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
			c.Close()
			return nil, fmt.Errorf("configure the writer's connection: %w", err)
		}
	}
	s.wconn = c
	return c, nil
}

// dropWriteConn discards the writer's connection after an error, so the next write opens a
// fresh one instead of failing forever on a broken connection. Called with writeMu held.
func (s *Store) dropWriteConn() {
	if s.wconn != nil {
		s.wconn.Close()
		s.wconn = nil
	}
}

// checkpointer runs SQLite WAL checkpoints in the background until the store closes. PASSIVE
// never waits for readers or the writer; pages it cannot copy now are copied next time.
func (s *Store) checkpointer() {
	if s.dialect != "sqlite" {
		return
	}
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var lastErr time.Time
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		cancel()
		if err != nil && time.Since(lastErr) > time.Minute {
			lastErr = time.Now()
			s.log.Warn("WAL checkpoint failed; the WAL file grows until one succeeds", "err", err)
		}
	}
}
