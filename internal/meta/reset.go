package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreatePasswordReset issues a password-reset token (vgr_) for a user, valid for ttl and usable
// once. Only its hash is stored. A new request replaces the user's earlier tokens, so at most one
// link per account works at a time; expired tokens of everyone are purged here.
func (d *DB) CreatePasswordReset(ctx context.Context, userID int64, ttl time.Duration) (string, time.Time, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create password reset: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM password_resets WHERE user_id = ? OR expires_at <= ?`), userID, d.ms()); err != nil {
		return "", time.Time{}, fmt.Errorf("retire old password resets: %w", err)
	}
	secret := NewSecret("vgr_")
	exp := d.now().Add(ttl)
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO password_resets (hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)`),
		Hash(secret), userID, exp.UnixMilli(), d.ms()); err != nil {
		return "", time.Time{}, fmt.Errorf("store password reset for user %d: %w", userID, err)
	}
	return secret, exp.UTC().Truncate(time.Millisecond), tx.Commit()
}

// PasswordReset returns the user a live reset token belongs to and when it expires; a wrong,
// used or expired token gives ErrNotFound.
func (d *DB) PasswordReset(ctx context.Context, secret string) (User, time.Time, error) {
	var u User
	var exp int64
	err := d.db.QueryRowContext(ctx, d.q(`SELECT u.id, u.email, r.expires_at FROM password_resets r JOIN users u ON u.id = r.user_id
		WHERE r.hash = ? AND r.expires_at > ?`), Hash(secret), d.ms()).Scan(&u.ID, &u.Email, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, time.Time{}, ErrNotFound
	}
	if err != nil {
		return User{}, time.Time{}, fmt.Errorf("look up password reset: %w", err)
	}
	return u, msTime(exp), nil
}

// ResetPassword consumes a reset token and sets the user's password, ending all their sessions,
// in one transaction: two requests racing with the same token cannot both succeed (the DELETE
// that claims the token is what serialises them). Two-factor settings and API tokens stay.
func (d *DB) ResetPassword(ctx context.Context, secret, passwordHash string) (User, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("reset password: %w", err)
	}
	defer tx.Rollback()
	var u User
	err = tx.QueryRowContext(ctx, d.q(`DELETE FROM password_resets WHERE hash = ? AND expires_at > ? RETURNING user_id`), Hash(secret), d.ms()).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("claim password reset: %w", err)
	}
	if err := tx.QueryRowContext(ctx, d.q(`UPDATE users SET password_hash = ? WHERE id = ? RETURNING email`), passwordHash, u.ID).Scan(&u.Email); err != nil {
		return User{}, fmt.Errorf("set password of user %d: %w", u.ID, err)
	}
	for _, q := range []string{`DELETE FROM sessions WHERE user_id = ?`, `DELETE FROM password_resets WHERE user_id = ?`} {
		if _, err := tx.ExecContext(ctx, d.q(q), u.ID); err != nil {
			return User{}, fmt.Errorf("reset password of user %d: %w", u.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return User{}, fmt.Errorf("reset password: %w", err)
	}
	return u, nil
}
