package meta

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Check is an uptime check as stored. Spec is the check package's JSON spec; this package keeps
// it opaque so that the schema does not change with every new check option.
type Check struct {
	ID         int64           `json:"id"`
	OrgID      int64           `json:"-"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	HostID     *int64          `json:"host_id"`
	Spec       json.RawMessage `json:"spec"`
	State      string          `json:"state"` // "up", "down" or "" (not yet known)
	StateSince *time.Time      `json:"state_since"`
	StateMsg   string          `json:"state_message"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Push       *CheckPush      `json:"-"`
}

// CheckPush is the most recent call of a push check's URL.
type CheckPush struct {
	At      time.Time
	Down    bool
	Message string
}

// CheckEvent is a state change of a check.
type CheckEvent struct {
	At      time.Time `json:"at"`
	Up      bool      `json:"up"`
	Message string    `json:"message"`
}

const checkCols = `id, org_id, name, type, host_id, spec, state, state_since, state_msg, created_at, updated_at, push_at, push_down, push_msg`

func scanCheck(row interface{ Scan(...any) error }) (Check, error) {
	var c Check
	var host, since, pushAt sql.NullInt64
	var spec string
	var created, updated int64
	var pushDown int
	var pushMsg string
	if err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Type, &host, &spec, &c.State, &since, &c.StateMsg, &created, &updated, &pushAt, &pushDown, &pushMsg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Check{}, ErrNotFound
		}
		return Check{}, err
	}
	if host.Valid {
		c.HostID = &host.Int64
	}
	c.Spec, c.StateSince, c.CreatedAt, c.UpdatedAt = json.RawMessage(spec), nullTime(since), msTime(created), msTime(updated)
	if pushAt.Valid {
		c.Push = &CheckPush{At: msTime(pushAt.Int64), Down: pushDown != 0, Message: pushMsg}
	}
	return c, nil
}

// CheckInput is what CreateCheck and UpdateCheck store.
type CheckInput struct {
	Name, Type string
	HostID     *int64
	Spec       json.RawMessage
}

// hostOfOrg reports whether the host belongs to the organization: a check must not point at
// another organization's host.
func (d *DB) hostOfOrg(ctx context.Context, orgID int64, hostID *int64) error {
	if hostID == nil {
		return nil
	}
	if _, err := d.GetHost(ctx, orgID, *hostID); err != nil {
		return fmt.Errorf("host %d: %w", *hostID, err)
	}
	return nil
}

// CreateCheck stores a new check. Push checks get a secret token, returned only here; other
// types return "".
func (d *DB) CreateCheck(ctx context.Context, orgID int64, in CheckInput) (Check, string, error) {
	if err := d.hostOfOrg(ctx, orgID, in.HostID); err != nil {
		return Check{}, "", err
	}
	var token string
	var hash sql.NullString
	if in.Type == "push" {
		token = NewSecret("vgp_")
		hash = sql.NullString{String: Hash(token), Valid: true}
	}
	now := d.ms()
	var id int64
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO checks (org_id, name, type, spec, host_id, push_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), orgID, in.Name, in.Type, string(in.Spec), in.HostID, hash, now, now).Scan(&id)
	if isUnique(err) {
		return Check{}, "", fmt.Errorf("check %q: %w", in.Name, ErrConflict)
	}
	if err != nil {
		return Check{}, "", fmt.Errorf("create check %q: %w", in.Name, err)
	}
	c, err := d.GetCheck(ctx, orgID, id)
	return c, token, err
}

// UpdateCheck replaces a check's spec. A push check that changes type loses its token; one that
// becomes a push check gets a new token, returned.
func (d *DB) UpdateCheck(ctx context.Context, orgID, id int64, in CheckInput) (Check, string, error) {
	old, err := d.GetCheck(ctx, orgID, id)
	if err != nil {
		return Check{}, "", err
	}
	if err := d.hostOfOrg(ctx, orgID, in.HostID); err != nil {
		return Check{}, "", err
	}
	var token string
	setPush := ""
	args := []any{in.Name, in.Type, string(in.Spec), in.HostID, d.ms()}
	switch {
	case in.Type == "push" && old.Type != "push":
		token = NewSecret("vgp_")
		setPush = ", push_hash = ?, push_at = NULL"
		args = append(args, Hash(token))
	case in.Type != "push" && old.Type == "push":
		setPush = ", push_hash = NULL, push_at = NULL"
	}
	_, err = d.db.ExecContext(ctx, d.q(`UPDATE checks SET name = ?, type = ?, spec = ?, host_id = ?, updated_at = ?`+setPush+`
		WHERE id = ? AND org_id = ?`), append(args, id, orgID)...)
	if isUnique(err) {
		return Check{}, "", fmt.Errorf("check %q: %w", in.Name, ErrConflict)
	}
	if err != nil {
		return Check{}, "", fmt.Errorf("update check %d: %w", id, err)
	}
	c, err := d.GetCheck(ctx, orgID, id)
	return c, token, err
}

// RotatePushToken gives a push check a new secret; the old URL stops working.
func (d *DB) RotatePushToken(ctx context.Context, orgID, id int64) (string, error) {
	token := NewSecret("vgp_")
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE checks SET push_hash = ? WHERE id = ? AND org_id = ? AND type = 'push'`), Hash(token), id, orgID)
	if err != nil {
		return "", fmt.Errorf("rotate push token of check %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", ErrNotFound
	}
	return token, nil
}

// GetCheck returns a check of one organization; another organization's is ErrNotFound.
func (d *DB) GetCheck(ctx context.Context, orgID, id int64) (Check, error) {
	return scanCheck(d.db.QueryRowContext(ctx, d.q(`SELECT `+checkCols+` FROM checks WHERE id = ? AND org_id = ?`), id, orgID))
}

// ListChecks returns an organization's checks by name; orgID 0 returns every organization's
// (the scheduler's view at start).
func (d *DB) ListChecks(ctx context.Context, orgID int64) ([]Check, error) {
	q, args := `SELECT `+checkCols+` FROM checks WHERE org_id = ? ORDER BY name`, []any{orgID}
	if orgID == 0 {
		q, args = `SELECT `+checkCols+` FROM checks ORDER BY id`, nil
	}
	rows, err := d.db.QueryContext(ctx, d.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list checks of org %d: %w", orgID, err)
	}
	defer rows.Close()
	out := []Check{}
	for rows.Next() {
		c, err := scanCheck(rows)
		if err != nil {
			return nil, fmt.Errorf("list checks of org %d: %w", orgID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCheck removes a check and its events.
func (d *DB) DeleteCheck(ctx context.Context, orgID, id int64) error {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM checks WHERE id = ? AND org_id = ?`), id, orgID)
	if err != nil {
		return fmt.Errorf("delete check %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RecordPush stores a call of a push URL and returns the check it belongs to.
func (d *DB) RecordPush(ctx context.Context, token string, at time.Time, down bool, msg string) (Check, error) {
	c, err := scanCheck(d.db.QueryRowContext(ctx, d.q(`SELECT `+checkCols+` FROM checks WHERE push_hash = ?`), Hash(token)))
	if err != nil {
		return Check{}, err
	}
	flag := 0
	if down {
		flag = 1
	}
	if _, err := d.db.ExecContext(ctx, d.q(`UPDATE checks SET push_at = ?, push_down = ?, push_msg = ? WHERE id = ?`), at.UnixMilli(), flag, msg, c.ID); err != nil {
		return Check{}, fmt.Errorf("record push of check %d: %w", c.ID, err)
	}
	c.Push = &CheckPush{At: at, Down: down, Message: msg}
	return c, nil
}

// SetCheckState records a state change: the check's current state and an event in its history,
// in one transaction.
func (d *DB) SetCheckState(ctx context.Context, id int64, up bool, at time.Time, msg string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record state of check %d: %w", id, err)
	}
	defer tx.Rollback()
	state, flag := "down", 0
	if up {
		state, flag = "up", 1
	}
	res, err := tx.ExecContext(ctx, d.q(`UPDATE checks SET state = ?, state_since = ?, state_msg = ? WHERE id = ?`), state, at.UnixMilli(), msg, id)
	if err != nil {
		return fmt.Errorf("record state of check %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound // deleted while its probe ran
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO check_events (check_id, at, up, message) VALUES (?, ?, ?, ?)`), id, at.UnixMilli(), flag, msg); err != nil {
		return fmt.Errorf("record event of check %d: %w", id, err)
	}
	return tx.Commit()
}

// CheckEvents returns a check's state changes in [from, to], oldest first, plus the last change
// before from (so a caller knows the state the range starts in). limit bounds the answer.
func (d *DB) CheckEvents(ctx context.Context, id int64, from, to time.Time, limit int) ([]CheckEvent, error) {
	out := []CheckEvent{}
	var prior CheckEvent
	var at int64
	var up int
	err := d.db.QueryRowContext(ctx, d.q(`SELECT at, up, message FROM check_events WHERE check_id = ? AND at < ? ORDER BY at DESC LIMIT 1`),
		id, from.UnixMilli()).Scan(&at, &up, &prior.Message)
	switch {
	case err == nil:
		prior.At, prior.Up = msTime(at), up != 0
		out = append(out, prior)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("events of check %d: %w", id, err)
	}
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT at, up, message FROM check_events WHERE check_id = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?`),
		id, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("events of check %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e CheckEvent
		if err := rows.Scan(&at, &up, &e.Message); err != nil {
			return nil, fmt.Errorf("events of check %d: %w", id, err)
		}
		e.At, e.Up = msTime(at), up != 0
		out = append(out, e)
	}
	return out, rows.Err()
}
