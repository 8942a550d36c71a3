package meta

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AlertEvent is one entry of the alert history: a state change or a manual action (ack,
// unack) with who did it.
type AlertEvent struct {
	ID       int64     `json:"id"`
	OrgID    int64     `json:"-"`
	RuleID   string    `json:"rule_id"`
	RuleName string    `json:"rule_name"`
	HostID   string    `json:"host_id"`
	Label    string    `json:"label,omitempty"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Severity string    `json:"severity,omitempty"`
	Value    float64   `json:"value"`
	Reason   string    `json:"reason"`
	Actor    string    `json:"actor,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// AddAlertEvents appends history entries in one transaction.
func (d *DB) AddAlertEvents(ctx context.Context, events []AlertEvent) error {
	if len(events) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, d.q(`INSERT INTO alert_history (org_id, rule_id, rule_name, host_id, label, from_state,
		to_state, severity, value, reason, actor, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("add alert history: %w", err)
	}
	defer stmt.Close()
	for _, e := range events {
		if _, err := stmt.ExecContext(ctx, e.OrgID, e.RuleID, e.RuleName, e.HostID, e.Label, e.From, e.To, e.Severity,
			e.Value, e.Reason, e.Actor, e.Comment, e.At.UnixMilli()); err != nil {
			return fmt.Errorf("add alert history: %w", err)
		}
	}
	return tx.Commit()
}

// AlertEventFilter selects history entries; zero fields match everything.
type AlertEventFilter struct {
	RuleID, HostID, Severity, State string
	From, To                        time.Time
	BeforeID                        int64 // paging: entries with a smaller ID
	Limit                           int   // default 100, at most 1000
}

// ListAlertEvents returns matching history entries, newest first.
func (d *DB) ListAlertEvents(ctx context.Context, orgID int64, f AlertEventFilter) ([]AlertEvent, error) {
	where := []string{"org_id = ?"}
	args := []any{orgID}
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.RuleID != "" {
		add("rule_id = ?", f.RuleID)
	}
	if f.HostID != "" {
		add("host_id = ?", f.HostID)
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if f.State != "" {
		add("to_state = ?", f.State)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixMilli())
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT id, org_id, rule_id, rule_name, host_id, label, from_state, to_state,
		severity, value, reason, actor, comment, at FROM alert_history WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list alert history: %w", err)
	}
	defer rows.Close()
	out := []AlertEvent{}
	for rows.Next() {
		var e AlertEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.OrgID, &e.RuleID, &e.RuleName, &e.HostID, &e.Label, &e.From, &e.To, &e.Severity,
			&e.Value, &e.Reason, &e.Actor, &e.Comment, &at); err != nil {
			return nil, fmt.Errorf("list alert history: %w", err)
		}
		e.At = msTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Delivery is one attempt at delivering a notification, for the delivery log.
type Delivery struct {
	ID       int64         `json:"id"`
	OrgID    int64         `json:"-"`
	Channel  string        `json:"channel"`
	Subject  string        `json:"subject"`
	Try      int           `json:"try"`
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Test     bool          `json:"test,omitempty"`
	Duration time.Duration `json:"-"`
	DurMS    int64         `json:"duration_ms"`
	At       time.Time     `json:"at"`
}

// AddDelivery appends to the delivery log.
func (d *DB) AddDelivery(ctx context.Context, x Delivery) error {
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO alert_deliveries (org_id, channel, subject, try, ok, error, test, duration_ms, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), x.OrgID, x.Channel, x.Subject, x.Try, b2i(x.OK), x.Error, b2i(x.Test), x.Duration.Milliseconds(), x.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("add delivery log entry for %s: %w", x.Channel, err)
	}
	return nil
}

// ListDeliveries returns an organization's delivery log, newest first, optionally for one
// channel.
func (d *DB) ListDeliveries(ctx context.Context, orgID int64, channel string, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT id, org_id, channel, subject, try, ok, error, test, duration_ms, at FROM alert_deliveries WHERE org_id = ?`
	args := []any{orgID}
	if channel != "" {
		q += ` AND channel = ?`
		args = append(args, channel)
	}
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, d.q(q+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var x Delivery
		var ok, test int
		var at int64
		if err := rows.Scan(&x.ID, &x.OrgID, &x.Channel, &x.Subject, &x.Try, &ok, &x.Error, &test, &x.DurMS, &at); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		x.OK, x.Test, x.At, x.Duration = ok != 0, test != 0, msTime(at), time.Duration(x.DurMS)*time.Millisecond
		out = append(out, x)
	}
	return out, rows.Err()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PruneAlertLogs deletes history entries older than historyBefore and delivery-log entries
// older than deliveriesBefore, across organizations, and reports how many rows went.
func (d *DB) PruneAlertLogs(ctx context.Context, historyBefore, deliveriesBefore time.Time) (int64, error) {
	var total int64
	for _, p := range []struct {
		table string
		t     time.Time
	}{{"alert_history", historyBefore}, {"alert_deliveries", deliveriesBefore}} {
		res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM `+p.table+` WHERE at < ?`), p.t.UnixMilli())
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", p.table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
