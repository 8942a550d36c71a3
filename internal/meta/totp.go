package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// TOTP is a user's two-factor state. Secrets are stored as they are: a TOTP secret must be
// readable to check codes, unlike passwords and tokens.
type TOTP struct {
	Secret   string // active secret; "" = two-factor off
	Pending  string // secret being set up, not yet confirmed with a code
	LastStep int64  // newest time step accepted, so a code cannot be replayed
}

// GetTOTP returns a user's two-factor state.
func (d *DB) GetTOTP(ctx context.Context, userID int64) (TOTP, error) {
	var t TOTP
	err := d.db.QueryRowContext(ctx, d.q(`SELECT totp_secret, totp_pending, totp_last_step FROM users WHERE id = ?`), userID).Scan(&t.Secret, &t.Pending, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// SetPendingTOTP stores a secret awaiting confirmation.
func (d *DB) SetPendingTOTP(ctx context.Context, userID int64, secret string) error {
	_, err := d.db.ExecContext(ctx, d.q(`UPDATE users SET totp_pending = ? WHERE id = ?`), secret, userID)
	return err
}

// EnableTOTP activates the pending secret and replaces the recovery codes (given as hashes).
func (d *DB) EnableTOTP(ctx context.Context, userID int64, step int64, recoveryHashes []string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q(`UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_last_step = ? WHERE id = ?`), step, userID); err != nil {
		return fmt.Errorf("enable two-factor for user %d: %w", userID, err)
	}
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
		return err
	}
	for _, h := range recoveryHashes {
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`), userID, h); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// DisableTOTP turns two-factor off and forgets the recovery codes.
func (d *DB) DisableTOTP(ctx context.Context, userID int64) error {
	if _, err := d.db.ExecContext(ctx, d.q(`UPDATE users SET totp_secret = '', totp_pending = '', totp_last_step = 0 WHERE id = ?`), userID); err != nil {
		return err
	}
	_, err := d.db.ExecContext(ctx, d.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID)
	return err
}

// UseTOTPStep records an accepted time step; it fails (false) when that step or a later one was
// already used, which defeats replaying a code seen over someone's shoulder.
func (d *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`), step, userID, step)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode consumes a recovery code (given as its hash); false when unknown or used.
func (d *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string) (bool, error) {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM recovery_codes WHERE user_id = ? AND hash = ?`), userID, hash)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
