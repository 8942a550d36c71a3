package meta

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry records a security-relevant action: sign-ins, token and role changes, deletions.
// OrgID is 0 for actions outside an organization (a failed login of an unknown account).
type AuditEntry struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"-"`
	UserID    int64     `json:"user_id,omitempty"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Detail    string    `json:"detail"`
	Remote    string    `json:"remote"`
	CreatedAt time.Time `json:"created_at"`
}

// Audit appends an entry. The log is append-only: nothing in the API edits or deletes it.
func (d *DB) Audit(ctx context.Context, e AuditEntry) error {
	org, user := sql.NullInt64{Int64: e.OrgID, Valid: e.OrgID != 0}, sql.NullInt64{Int64: e.UserID, Valid: e.UserID != 0}
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO audit_log (org_id, user_id, actor, action, target, detail, remote, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), org, user, e.Actor, e.Action, e.Target, e.Detail, e.Remote, d.ms())
	if err != nil {
		return fmt.Errorf("write audit entry %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns an organization's newest entries first, older than beforeID when it is not 0.
func (d *DB) ListAudit(ctx context.Context, orgID int64, limit int, beforeID int64) ([]AuditEntry, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT id, org_id, user_id, actor, action, target, detail, remote, created_at
		FROM audit_log WHERE org_id = ? AND id < ? ORDER BY id DESC LIMIT ?`), orgID, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var org, user sql.NullInt64
		var at int64
		if err := rows.Scan(&e.ID, &org, &user, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.Remote, &at); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e.OrgID, e.UserID, e.CreatedAt = org.Int64, user.Int64, msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password hash and ends all their sessions, so that a stolen
// session does not survive the password change.
func (d *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM sessions WHERE user_id = ?`), userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return tx.Commit()
}
