package meta

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migration is one schema version. SQL is written in the dialects' common subset, with
// "SERIAL_PK" standing for each dialect's auto-increment primary key; Postgres, when set,
// replaces SQL on PostgreSQL, so each dialect keeps its own history where they must differ.
type migration struct {
	SQL      string
	Postgres string
}

func (m migration) forDialect(dialect string) string {
	if dialect == "postgres" && m.Postgres != "" {
		return m.Postgres
	}
	return m.SQL
}

// migrations are applied in order and recorded in meta_migrations. Never edit a released entry:
// append a new one. Table names must not start with series_: the series store owns those.
var migrations = []migration{
	{SQL: `CREATE TABLE orgs (id SERIAL_PK, name TEXT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE TABLE users (id SERIAL_PK, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE TABLE memberships (user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	   org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, role TEXT NOT NULL, PRIMARY KEY (user_id, org_id));
	 CREATE TABLE sessions (hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	   org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, csrf TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
	 CREATE TABLE api_tokens (id SERIAL_PK, hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, name TEXT NOT NULL,
	   scope TEXT NOT NULL, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at BIGINT NOT NULL,
	   expires_at BIGINT, last_used_at BIGINT);
	 CREATE TABLE hosts (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, name TEXT NOT NULL,
	   token_hash TEXT NOT NULL UNIQUE, facts TEXT NOT NULL DEFAULT '{}', agent_version TEXT NOT NULL DEFAULT '',
	   created_at BIGINT NOT NULL, last_seen BIGINT, UNIQUE (org_id, name));
	 CREATE TABLE setup_tokens (hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL);`},
	{SQL: `CREATE TABLE audit_log (id SERIAL_PK, org_id BIGINT, user_id BIGINT, actor TEXT NOT NULL, action TEXT NOT NULL,
	   target TEXT NOT NULL, detail TEXT NOT NULL, remote TEXT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE INDEX audit_log_org ON audit_log (org_id, id);`},
	{SQL: `CREATE TABLE enrollment_keys (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, name TEXT NOT NULL, max_uses INTEGER NOT NULL,
	   uses INTEGER NOT NULL DEFAULT 0, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);`},
	{SQL: `CREATE TABLE invitations (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   hash TEXT NOT NULL UNIQUE, email TEXT NOT NULL, role TEXT NOT NULL, invited_by BIGINT NOT NULL,
	   expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);`},
	{SQL: `ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
	 ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
	 ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
	 CREATE TABLE recovery_codes (user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, hash TEXT NOT NULL,
	   PRIMARY KEY (user_id, hash));`},
	{SQL: `CREATE INDEX memberships_org ON memberships (org_id);
	 CREATE INDEX sessions_user ON sessions (user_id, org_id);
	 CREATE INDEX api_tokens_org ON api_tokens (org_id, user_id);
	 CREATE INDEX invitations_org ON invitations (org_id)`},
	{SQL: `CREATE TABLE password_resets (hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	   expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE INDEX password_resets_user ON password_resets (user_id);`},
	{SQL: `CREATE TABLE checks (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, name TEXT NOT NULL,
	   type TEXT NOT NULL, spec TEXT NOT NULL, host_id BIGINT REFERENCES hosts(id) ON DELETE SET NULL,
	   push_hash TEXT UNIQUE, push_at BIGINT, push_down INTEGER NOT NULL DEFAULT 0, push_msg TEXT NOT NULL DEFAULT '',
	   state TEXT NOT NULL DEFAULT '', state_since BIGINT, state_msg TEXT NOT NULL DEFAULT '',
	   created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (org_id, name));
	 CREATE TABLE check_events (id SERIAL_PK, check_id BIGINT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
	   at BIGINT NOT NULL, up INTEGER NOT NULL, message TEXT NOT NULL);
	 CREATE INDEX check_events_check ON check_events (check_id, at)`},
	// Host tags as a JSON array of normalized strings: a fleet has a few thousand hosts, so
	// filtering by tag happens in memory and a join table would buy nothing.
	{SQL: `ALTER TABLE hosts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'`},
	// Processes, services and containers reported by agents (protocol version 2); see procs.go.
	{SQL: `CREATE TABLE host_procs (host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE, pid BIGINT NOT NULL,
	   start_ms BIGINT NOT NULL, name TEXT NOT NULL, user_name TEXT NOT NULL, cmdline TEXT NOT NULL, last_ms BIGINT NOT NULL,
	   PRIMARY KEY (host_id, pid, start_ms));
	 CREATE TABLE host_proc_samples (host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE, time_ms BIGINT NOT NULL,
	   pid BIGINT NOT NULL, start_ms BIGINT NOT NULL, cpu DOUBLE PRECISION NOT NULL, rss BIGINT NOT NULL,
	   read_bps BIGINT NOT NULL, write_bps BIGINT NOT NULL, total INTEGER NOT NULL,
	   PRIMARY KEY (host_id, pid, start_ms, time_ms));
	 CREATE INDEX host_proc_samples_time ON host_proc_samples (host_id, time_ms);
	 CREATE TABLE host_proc_events (host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE, kind INTEGER NOT NULL,
	   pid BIGINT NOT NULL, start_ms BIGINT NOT NULL, time_ms BIGINT NOT NULL, name TEXT NOT NULL, user_name TEXT NOT NULL,
	   cmdline TEXT NOT NULL, PRIMARY KEY (host_id, kind, pid, start_ms));
	 CREATE INDEX host_proc_events_time ON host_proc_events (host_id, time_ms);
	 CREATE TABLE host_services (host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE, kind TEXT NOT NULL,
	   name TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL, since_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL,
	   PRIMARY KEY (host_id, kind, name));
	 CREATE TABLE host_containers (host_id BIGINT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE, id TEXT NOT NULL,
	   name TEXT NOT NULL, image TEXT NOT NULL, state TEXT NOT NULL, health TEXT NOT NULL, restarts BIGINT NOT NULL,
	   cpu DOUBLE PRECISION NOT NULL, mem_bytes BIGINT NOT NULL, mem_limit BIGINT NOT NULL, rx_bps BIGINT NOT NULL,
	   tx_bps BIGINT NOT NULL, updated_ms BIGINT NOT NULL, PRIMARY KEY (host_id, id));`},
	// Alerting (issue 5). Rules, channels and silences are JSON documents keyed by a
	// user-visible ID per organization: the alert package owns their shape and validation,
	// and YAML export/import round-trips them unchanged. alerts_seeded makes the default
	// rules a once-only gift: an org that deletes them does not get them back.
	{SQL: `ALTER TABLE orgs ADD COLUMN alerts_seeded INTEGER NOT NULL DEFAULT 0;
	 CREATE TABLE alert_rules (org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, id TEXT NOT NULL,
	   body TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, id));
	 CREATE TABLE alert_channels (org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, id TEXT NOT NULL,
	   body TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, id));
	 CREATE TABLE alert_silences (org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, id TEXT NOT NULL,
	   body TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, id));
	 CREATE TABLE alert_settings (org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE, name TEXT NOT NULL,
	   body TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (org_id, name));
	 CREATE TABLE alert_history (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   rule_id TEXT NOT NULL, rule_name TEXT NOT NULL, host_id TEXT NOT NULL, label TEXT NOT NULL,
	   from_state TEXT NOT NULL, to_state TEXT NOT NULL, severity TEXT NOT NULL, value DOUBLE PRECISION NOT NULL,
	   reason TEXT NOT NULL, actor TEXT NOT NULL, comment TEXT NOT NULL, at BIGINT NOT NULL);
	 CREATE INDEX alert_history_org ON alert_history (org_id, at);
	 CREATE TABLE alert_deliveries (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   channel TEXT NOT NULL, subject TEXT NOT NULL, try INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT NOT NULL,
	   test INTEGER NOT NULL, duration_ms BIGINT NOT NULL, at BIGINT NOT NULL);
	 CREATE INDEX alert_deliveries_org ON alert_deliveries (org_id, id)`},
	{SQL: `CREATE TABLE status_pages (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   slug TEXT NOT NULL UNIQUE, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
	   items TEXT NOT NULL DEFAULT '[]', notices TEXT NOT NULL DEFAULT '[]', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
	 CREATE INDEX status_pages_org ON status_pages (org_id)`},
}

// migrationLock is the PostgreSQL advisory lock key that serialises migrations across hubs.
const migrationLock = 0x76696769 // "vigi"

// migrate applies pending migrations, each in its own transaction, on one pinned connection.
// Several processes may start at once (hubs behind a load balancer, the admin CLI beside a
// hub). On PostgreSQL they queue on an advisory lock: even CREATE TABLE IF NOT EXISTS collides
// when run concurrently there. On SQLite writes are serialised anyway; each version's row in
// meta_migrations is inserted first, so a process that read an old version number blocks on
// that insert until the other commits, then sees a unique violation and skips the version.
func (d *DB) migrate(ctx context.Context) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("metadata schema migration: %w", err)
	}
	defer conn.Close()
	if d.dialect == "postgres" {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("wait for other hubs' schema migrations: %w", err)
		}
		// Unlock with a fresh context: the caller's may be cancelled, and a lock left on a
		// pooled connection would block every other hub's start.
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var done int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM meta_migrations`).Scan(&done); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	pk := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if d.dialect == "postgres" {
		pk = "BIGSERIAL PRIMARY KEY"
	}
	for v := done + 1; v <= len(migrations); v++ {
		if err := d.apply(ctx, conn, v, strings.ReplaceAll(migrations[v-1].forDialect(d.dialect), "SERIAL_PK", pk)); err != nil {
			return fmt.Errorf("metadata schema migration %d: %w", v, err)
		}
	}
	return nil
}

func (d *DB) apply(ctx context.Context, conn *sql.Conn, version int, script string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO meta_migrations (version) VALUES (?)`), version); err != nil {
		if isUnique(err) {
			return nil // another process applied it meanwhile
		}
		return err
	}
	for _, stmt := range strings.Split(script, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit()
}
