package main

import (
	"context"
	"flag"
	"os"

	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/meta"
)

// dbFlags are the flags every command that opens the database takes: the data directory (the
// SQLite database, the local agent's spool) and, for PostgreSQL, its URL and password file.
type dbFlags struct {
	data     *string
	database hub.Database
}

func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	f.data = fs.String("data", envOr("VIGIL_DATA", "./data"), "data directory: the SQLite database unless --database is set, and the local agent's spool [VIGIL_DATA]")
	fs.StringVar(&f.database.URL, "database", os.Getenv("VIGIL_DATABASE"),
		"PostgreSQL URL, e.g. postgres://vigil@db.example.com/vigil?sslmode=verify-full; empty = embedded SQLite in --data [VIGIL_DATABASE]")
	fs.StringVar(&f.database.PasswordFile, "database-password-file", os.Getenv("VIGIL_DATABASE_PASSWORD_FILE"),
		"file holding the PostgreSQL password, so it is not on the command line (PGPASSWORD and ~/.pgpass work too) [VIGIL_DATABASE_PASSWORD_FILE]")
	return f
}

// openMeta opens the hub's database: SQLite in the data directory (<dir>/vigil.db, created when
// missing, with the hub's own DSN so the admin commands can write while the hub runs) or
// PostgreSQL. Migrations are applied as the hub would.
func (f *dbFlags) openMeta(ctx context.Context) (*meta.DB, error) {
	return hub.OpenMeta(ctx, f.database, *f.data)
}
