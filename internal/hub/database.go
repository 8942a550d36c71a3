package hub

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Database says where the hub keeps its metadata and series: empty for the embedded SQLite
// file under the data directory (the default), or a postgres:// URL.
type Database struct {
	// URL is empty (SQLite) or postgres://user@host:port/db?sslmode=…; it may carry the
	// password, but PasswordFile keeps it out of the process list and shell history.
	URL string
	// PasswordFile, when set, holds the PostgreSQL password (trailing newline ignored).
	PasswordFile string
}

// IsPostgres reports whether the database is PostgreSQL.
func (d Database) IsPostgres() bool { return d.URL != "" }

// pgConnectTimeout bounds a connection attempt when the URL sets none: pgx would otherwise
// wait for the operating system's TCP timeout (minutes) on an unreachable host, and a hub
// that hangs at start says nothing about why.
const pgConnectTimeout = "10"

// postgresDSN checks the URL, adds the password from its file and a connect timeout, and
// returns the DSN for pgx together with a description for logs and errors that names host,
// port, database and user but never the password.
func (d Database) postgresDSN() (dsn, where, password string, err error) {
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// url.Parse's error quotes the whole URL, password included: say what is wrong without it.
		return "", "", "", errors.New("--database: want a URL like postgres://vigil@db.example.com:5432/vigil?sslmode=verify-full (or leave it empty for the embedded SQLite database)")
	}
	if d.PasswordFile != "" {
		b, err := os.ReadFile(d.PasswordFile)
		if err != nil {
			return "", "", "", fmt.Errorf("--database-password-file: %w", err)
		}
		pw := strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			return "", "", "", fmt.Errorf("--database-password-file %s is empty", d.PasswordFile)
		}
		user := ""
		if u.User != nil {
			user = u.User.Username()
		}
		u.User = url.UserPassword(user, pw)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", pgConnectTimeout)
		u.RawQuery = q.Encode()
	}
	dsn = u.String()
	// pgx resolves defaults the URL leaves out (PGHOST, PGUSER, PGPASSWORD, ~/.pgpass…), so
	// the description comes from its parsed configuration: it names what is really used.
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", "", "", fmt.Errorf("--database: %s", redact(err.Error(), u))
	}
	where = fmt.Sprintf("%s:%d/%s as user %s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
	return dsn, where, cfg.Password, nil
}

// redact removes the password (and the URL carrying it) from a message.
func redact(msg string, u *url.URL) string {
	if u == nil || u.User == nil {
		return msg
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, u.String(), u.Redacted())
		if !strings.Contains(u.Host+u.Path+u.User.Username(), pw) {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// Describe names the database for logs: the SQLite file, or PostgreSQL's host, port, database
// and user (never the password).
func (d Database) Describe(dataDir string) string {
	if !d.IsPostgres() {
		return "SQLite " + filepath.Join(dataDir, "vigil.db")
	}
	_, where, _, err := d.postgresDSN()
	if err != nil {
		return "PostgreSQL (invalid URL)"
	}
	return "PostgreSQL " + where
}

// OpenMeta opens the metadata store (and so the database the series store shares) and applies
// pending migrations. SQLite lives in <dataDir>/vigil.db, created with the directory when
// missing; PostgreSQL must exist and be reachable. Errors name the PostgreSQL host, port,
// database and user, never the password.
func OpenMeta(ctx context.Context, d Database, dataDir string) (*meta.DB, error) {
	if !d.IsPostgres() {
		if d.PasswordFile != "" {
			return nil, errors.New("--database-password-file needs --database postgres://…")
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
		}
		db, err := meta.Open(ctx, "sqlite", DSN(dataDir))
		if err != nil {
			return nil, fmt.Errorf("open SQLite database in %s: %w", dataDir, err)
		}
		return db, nil
	}
	dsn, where, password, err := d.postgresDSN()
	if err != nil {
		return nil, err
	}
	db, err := meta.Open(ctx, "pgx", dsn)
	if err != nil {
		// pgx's errors name user and database, not the password; the replacement is a
		// second guard, skipped when the password is also a name (it would mangle them).
		msg := err.Error()
		if password != "" && !strings.Contains(where, password) {
			msg = strings.ReplaceAll(msg, password, "xxxxx")
		}
		return nil, &openError{msg: fmt.Sprintf("open PostgreSQL database at %s: %s%s", where, msg, pgHint(err)), err: err}
	}
	return db, nil
}

// openError carries a message with the password removed while keeping the cause for errors.Is.
type openError struct {
	msg string
	err error
}

func (e *openError) Error() string { return e.msg }
func (e *openError) Unwrap() error { return e.err }

// pgHint adds what an operator should check for the most common start failures.
func pgHint(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return " (check the user name and the password: --database-password-file, PGPASSWORD or ~/.pgpass)"
		case "3D000":
			return " (create it first: createdb -O <user> <name>)"
		case "42501":
			return " (the user needs the right to create tables in the database's schema)"
		}
		return ""
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded) {
		return " (is PostgreSQL running and reachable from here? check host, port, firewall and pg_hba.conf)"
	}
	return ""
}
