package main

import (
	"context"
	"fmt"
	"os"

	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/meta"
)

// openMeta opens the metadata store in a data directory (<dir>/vigil.db), creating the directory
// when missing. Every subcommand that needs the database uses it, with the hub's own DSN
// (WAL, busy timeout, foreign keys), so the admin commands can write while the hub runs.
func openMeta(ctx context.Context, dataDir string) (*meta.DB, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	db, err := meta.Open(ctx, "sqlite", hub.DSN(dataDir))
	if err != nil {
		return nil, fmt.Errorf("open metadata store in %s: %w", dataDir, err)
	}
	return db, nil
}
