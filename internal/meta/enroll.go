package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// EnrollmentKey lets agents register themselves as hosts of an organization, a limited number of
// times before it expires: for fleets installed by configuration management, where creating
// each host by hand does not scale.
type EnrollmentKey struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix"`
	MaxUses   int       `json:"max_uses"`
	Uses      int       `json:"uses"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
	OrgID     int64     `json:"-"`
}

// ErrKeyExhausted means an enrollment key is expired or used up.
var ErrKeyExhausted = errors.New("enrollment key expired or used up")

const enrollCols = `id, name, prefix, max_uses, uses, expires_at, created_at, org_id`

func scanEnroll(row interface{ Scan(...any) error }) (EnrollmentKey, error) {
	var k EnrollmentKey
	var exp, created int64
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.MaxUses, &k.Uses, &exp, &created, &k.OrgID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return k, ErrNotFound
		}
		return k, err
	}
	k.ExpiresAt, k.CreatedAt = msTime(exp), msTime(created)
	return k, nil
}

// CreateEnrollmentKey stores a key and returns its secret, shown only this once.
func (d *DB) CreateEnrollmentKey(ctx context.Context, orgID int64, name string, maxUses int, expires time.Time) (EnrollmentKey, string, error) {
	secret := NewSecret("vge_")
	var id int64
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO enrollment_keys (org_id, hash, prefix, name, max_uses, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), orgID, Hash(secret), secret[:8], name, maxUses, expires.UnixMilli(), d.ms()).Scan(&id)
	if err != nil {
		return EnrollmentKey{}, "", fmt.Errorf("create enrollment key %q: %w", name, err)
	}
	k, err := scanEnroll(d.db.QueryRowContext(ctx, d.q(`SELECT `+enrollCols+` FROM enrollment_keys WHERE id = ?`), id))
	return k, secret, err
}

// ListEnrollmentKeys returns an organization's keys (never their secrets).
func (d *DB) ListEnrollmentKeys(ctx context.Context, orgID int64) ([]EnrollmentKey, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT `+enrollCols+` FROM enrollment_keys WHERE org_id = ? ORDER BY id`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list enrollment keys: %w", err)
	}
	defer rows.Close()
	out := []EnrollmentKey{}
	for rows.Next() {
		k, err := scanEnroll(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeEnrollmentKey deletes a key; hosts it enrolled keep their own agent tokens.
func (d *DB) RevokeEnrollmentKey(ctx context.Context, orgID, id int64) error {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM enrollment_keys WHERE id = ? AND org_id = ?`), id, orgID)
	if err != nil {
		return fmt.Errorf("revoke enrollment key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Enroll spends one use of a key and registers a host with a fresh agent token. The use is
// counted with a conditional update, so concurrent enrollments cannot exceed the limit. An
// unknown key is ErrNotFound, an expired or used-up one ErrKeyExhausted, a taken name ErrConflict.
func (d *DB) Enroll(ctx context.Context, secret, hostName string) (Host, string, EnrollmentKey, error) {
	k, err := scanEnroll(d.db.QueryRowContext(ctx, d.q(`SELECT `+enrollCols+` FROM enrollment_keys WHERE hash = ?`), Hash(secret)))
	if err != nil {
		return Host{}, "", k, err
	}
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE enrollment_keys SET uses = uses + 1 WHERE id = ? AND uses < max_uses AND expires_at > ?`), k.ID, d.ms())
	if err != nil {
		return Host{}, "", k, fmt.Errorf("use enrollment key %d: %w", k.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Host{}, "", k, ErrKeyExhausted
	}
	h, token, err := d.CreateHost(ctx, k.OrgID, hostName)
	if err != nil {
		// Give the use back: nothing was enrolled.
		d.db.ExecContext(ctx, d.q(`UPDATE enrollment_keys SET uses = uses - 1 WHERE id = ?`), k.ID)
		return Host{}, "", k, err
	}
	return h, token, k, nil
}
