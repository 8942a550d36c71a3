package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// API token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// APIToken authenticates scripts for one organization, on behalf of the user who created it.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	Prefix     string     `json:"prefix"`
	OrgID      int64      `json:"-"`
	UserID     int64      `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

const tokenCols = `id, name, scope, prefix, org_id, user_id, created_at, expires_at, last_used_at`

func scanToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var created int64
	var exp, used sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Scope, &t.Prefix, &t.OrgID, &t.UserID, &created, &exp, &used); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return APIToken{}, ErrNotFound
		}
		return APIToken{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = msTime(created), nullTime(exp), nullTime(used)
	return t, nil
}

// CreateAPIToken stores a token and returns its secret, shown only this once.
func (d *DB) CreateAPIToken(ctx context.Context, orgID, userID int64, name, scope string, expires *time.Time) (APIToken, string, error) {
	secret := NewSecret("vgt_")
	var exp sql.NullInt64
	if expires != nil {
		exp = sql.NullInt64{Int64: expires.UnixMilli(), Valid: true}
	}
	var id int64
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO api_tokens (hash, prefix, name, scope, org_id, user_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), Hash(secret), secret[:8], name, scope, orgID, userID, d.ms(), exp).Scan(&id)
	if err != nil {
		return APIToken{}, "", fmt.Errorf("create API token %q: %w", name, err)
	}
	t, err := scanToken(d.db.QueryRowContext(ctx, d.q(`SELECT `+tokenCols+` FROM api_tokens WHERE id = ?`), id))
	return t, secret, err
}

// APITokenBySecret returns an unexpired token and records its use.
func (d *DB) APITokenBySecret(ctx context.Context, secret string) (APIToken, error) {
	t, err := scanToken(d.db.QueryRowContext(ctx, d.q(`SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`), Hash(secret)))
	if err != nil {
		return APIToken{}, err
	}
	now := d.now()
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return APIToken{}, ErrNotFound
	}
	// Recording last use at minute resolution avoids a write per request.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_, _ = d.db.ExecContext(ctx, d.q(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), now.UnixMilli(), t.ID)
	}
	return t, nil
}

// ListAPITokens returns an organization's tokens (never their secrets).
func (d *DB) ListAPITokens(ctx context.Context, orgID int64) ([]APIToken, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT `+tokenCols+` FROM api_tokens WHERE org_id = ? ORDER BY id`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken deletes a token of the organization.
func (d *DB) RevokeAPIToken(ctx context.Context, orgID, id int64) error {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM api_tokens WHERE id = ? AND org_id = ?`), id, orgID)
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
