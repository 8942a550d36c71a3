package meta

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AlertKind names one of the per-organization document collections of alerting.
type AlertKind string

// The collections; each is its own table (see migration 7).
const (
	AlertRules    AlertKind = "alert_rules"
	AlertChannels AlertKind = "alert_channels"
	AlertSilences AlertKind = "alert_silences"
)

func (k AlertKind) valid() bool { return k == AlertRules || k == AlertChannels || k == AlertSilences }

// AlertDoc is one rule, channel or silence: its ID and JSON body. The alert and alerting
// packages own the body's shape; the store only keeps it per organization.
type AlertDoc struct {
	ID        string          `json:"id"`
	Body      json.RawMessage `json:"body"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// ListAlertDocs returns an organization's documents of kind k sorted by ID.
func (d *DB) ListAlertDocs(ctx context.Context, k AlertKind, orgID int64) ([]AlertDoc, error) {
	if !k.valid() {
		return nil, fmt.Errorf("list alert documents: unknown kind %q", k)
	}
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT id, body, updated_at FROM `+string(k)+` WHERE org_id = ? ORDER BY id`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list %s of org %d: %w", k, orgID, err)
	}
	defer rows.Close()
	out := []AlertDoc{}
	for rows.Next() {
		var doc AlertDoc
		var body string
		var at int64
		if err := rows.Scan(&doc.ID, &body, &at); err != nil {
			return nil, fmt.Errorf("list %s of org %d: %w", k, orgID, err)
		}
		doc.Body, doc.UpdatedAt = json.RawMessage(body), msTime(at)
		out = append(out, doc)
	}
	return out, rows.Err()
}

// GetAlertDoc returns one document, or ErrNotFound.
func (d *DB) GetAlertDoc(ctx context.Context, k AlertKind, orgID int64, id string) (AlertDoc, error) {
	if !k.valid() {
		return AlertDoc{}, fmt.Errorf("get alert document: unknown kind %q", k)
	}
	var body string
	var at int64
	err := d.db.QueryRowContext(ctx, d.q(`SELECT body, updated_at FROM `+string(k)+` WHERE org_id = ? AND id = ?`), orgID, id).Scan(&body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return AlertDoc{}, ErrNotFound
	}
	if err != nil {
		return AlertDoc{}, fmt.Errorf("get %s %q: %w", k, id, err)
	}
	return AlertDoc{ID: id, Body: json.RawMessage(body), UpdatedAt: msTime(at)}, nil
}

// CreateAlertDoc adds a document; ErrConflict if the ID is taken in this organization.
func (d *DB) CreateAlertDoc(ctx context.Context, k AlertKind, orgID int64, id string, body []byte) error {
	if !k.valid() {
		return fmt.Errorf("create alert document: unknown kind %q", k)
	}
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO `+string(k)+` (org_id, id, body, updated_at) VALUES (?, ?, ?, ?)`), orgID, id, string(body), d.ms())
	if isUnique(err) {
		return fmt.Errorf("%s %q: %w", k, id, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create %s %q: %w", k, id, err)
	}
	return nil
}

// UpdateAlertDoc replaces a document's body; ErrNotFound if it does not exist.
func (d *DB) UpdateAlertDoc(ctx context.Context, k AlertKind, orgID int64, id string, body []byte) error {
	if !k.valid() {
		return fmt.Errorf("update alert document: unknown kind %q", k)
	}
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE `+string(k)+` SET body = ?, updated_at = ? WHERE org_id = ? AND id = ?`), string(body), d.ms(), orgID, id)
	if err != nil {
		return fmt.Errorf("update %s %q: %w", k, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAlertDoc removes a document; ErrNotFound if it does not exist.
func (d *DB) DeleteAlertDoc(ctx context.Context, k AlertKind, orgID int64, id string) error {
	if !k.valid() {
		return fmt.Errorf("delete alert document: unknown kind %q", k)
	}
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM `+string(k)+` WHERE org_id = ? AND id = ?`), orgID, id)
	if err != nil {
		return fmt.Errorf("delete %s %q: %w", k, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReplaceAlertDocs replaces, in one transaction, every document of the kinds present in set
// (YAML import: all or nothing). Kinds absent from set are left alone.
func (d *DB) ReplaceAlertDocs(ctx context.Context, orgID int64, set map[AlertKind][]AlertDoc) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := d.ms()
	for k, docs := range set {
		if !k.valid() {
			return fmt.Errorf("replace alert documents: unknown kind %q", k)
		}
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM `+string(k)+` WHERE org_id = ?`), orgID); err != nil {
			return fmt.Errorf("replace %s: %w", k, err)
		}
		for _, doc := range docs {
			_, err := tx.ExecContext(ctx, d.q(`INSERT INTO `+string(k)+` (org_id, id, body, updated_at) VALUES (?, ?, ?, ?)`), orgID, doc.ID, string(doc.Body), now)
			if isUnique(err) {
				return fmt.Errorf("%s %q: %w", k, doc.ID, ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("replace %s: insert %q: %w", k, doc.ID, err)
			}
		}
	}
	return tx.Commit()
}

// SeedAlertRules gives an organization its default rules exactly once in its life: the first
// call inserts them and marks the org, every later call (even after the rules were deleted)
// does nothing. Concurrent callers race on the mark inside one transaction, so only one
// inserts. It reports whether this call seeded.
func (d *DB) SeedAlertRules(ctx context.Context, orgID int64, rules []AlertDoc) (bool, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.q(`UPDATE orgs SET alerts_seeded = 1 WHERE id = ? AND alerts_seeded = 0`), orgID)
	if err != nil {
		return false, fmt.Errorf("seed alert rules of org %d: %w", orgID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	now := d.ms()
	for _, r := range rules {
		// An imported rule may already use a default's ID; the user's rule wins.
		var exists int
		err := tx.QueryRowContext(ctx, d.q(`SELECT COUNT(*) FROM alert_rules WHERE org_id = ? AND id = ?`), orgID, r.ID).Scan(&exists)
		if err != nil {
			return false, fmt.Errorf("seed alert rules of org %d: %w", orgID, err)
		}
		if exists > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO alert_rules (org_id, id, body, updated_at) VALUES (?, ?, ?, ?)`), orgID, r.ID, string(r.Body), now); err != nil {
			return false, fmt.Errorf("seed alert rule %q of org %d: %w", r.ID, orgID, err)
		}
	}
	return true, tx.Commit()
}

// OrgIDs returns every organization's ID, for services that run per organization.
func (d *DB) OrgIDs(ctx context.Context) ([]int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Alert setting names (alert_settings): small per-org JSON values.
const (
	AlertSettingRoute = "route" // default route by severity
	AlertSettingState = "state" // saved engine state
)

// GetAlertSetting returns a per-org alerting setting, or ErrNotFound if never set.
func (d *DB) GetAlertSetting(ctx context.Context, orgID int64, name string) (json.RawMessage, error) {
	var body string
	err := d.db.QueryRowContext(ctx, d.q(`SELECT body FROM alert_settings WHERE org_id = ? AND name = ?`), orgID, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get alert setting %s of org %d: %w", name, orgID, err)
	}
	return json.RawMessage(body), nil
}

// SetAlertSetting stores a per-org alerting setting, replacing any previous value.
func (d *DB) SetAlertSetting(ctx context.Context, orgID int64, name string, body []byte) error {
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO alert_settings (org_id, name, body, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`), orgID, name, string(body), d.ms())
	if err != nil {
		return fmt.Errorf("set alert setting %s of org %d: %w", name, orgID, err)
	}
	return nil
}
