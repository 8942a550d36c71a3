package meta

import (
	"context"
	"fmt"
	"strings"
)

// migrations are applied in order and recorded in meta_migrations. Never edit a released entry:
// append a new one. "SERIAL_PK" becomes each dialect's auto-increment primary key.
var migrations = []string{
	`CREATE TABLE orgs (id SERIAL_PK, name TEXT NOT NULL, created_at BIGINT NOT NULL);
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
	 CREATE TABLE setup_tokens (hash TEXT PRIMARY KEY, created_at BIGINT NOT NULL);`,
	`CREATE TABLE audit_log (id SERIAL_PK, org_id BIGINT, user_id BIGINT, actor TEXT NOT NULL, action TEXT NOT NULL,
	   target TEXT NOT NULL, detail TEXT NOT NULL, remote TEXT NOT NULL, created_at BIGINT NOT NULL);
	 CREATE INDEX audit_log_org ON audit_log (org_id, id);`,
	`CREATE TABLE enrollment_keys (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, name TEXT NOT NULL, max_uses INTEGER NOT NULL,
	   uses INTEGER NOT NULL DEFAULT 0, expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);`,
	`CREATE TABLE invitations (id SERIAL_PK, org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	   hash TEXT NOT NULL UNIQUE, email TEXT NOT NULL, role TEXT NOT NULL, invited_by BIGINT NOT NULL,
	   expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);`,
	`ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
	 ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
	 ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
	 CREATE TABLE recovery_codes (user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, hash TEXT NOT NULL,
	   PRIMARY KEY (user_id, hash));`,
}

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var done int
	if err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM meta_migrations`).Scan(&done); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	pk := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if d.dialect == "postgres" {
		pk = "BIGSERIAL PRIMARY KEY"
	}
	for v := done + 1; v <= len(migrations); v++ {
		tx, err := d.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		for _, stmt := range strings.Split(strings.ReplaceAll(migrations[v-1], "SERIAL_PK", pk), ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO meta_migrations (version) VALUES (?)`), v); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}
