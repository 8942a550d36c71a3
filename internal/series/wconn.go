package series

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

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
