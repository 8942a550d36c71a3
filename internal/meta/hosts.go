package meta

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Host is a monitored server.
type Host struct {
	ID           int64           `json:"id"`
	OrgID        int64           `json:"-"`
	Name         string          `json:"name"`
	CreatedAt    time.Time       `json:"created_at"`
	LastSeen     *time.Time      `json:"last_seen"`
	AgentVersion string          `json:"agent_version"`
	Facts        json.RawMessage `json:"facts"`
	// Tags group hosts (role, environment, location); normalized by NormalizeTags, never nil.
	Tags []string `json:"tags"`
}

const hostCols = `id, org_id, name, created_at, last_seen, agent_version, facts, tags`

func scanHost(row interface{ Scan(...any) error }) (Host, error) {
	var h Host
	var created int64
	var seen sql.NullInt64
	var facts, tags string
	if err := row.Scan(&h.ID, &h.OrgID, &h.Name, &created, &seen, &h.AgentVersion, &facts, &tags); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Host{}, ErrNotFound
		}
		return Host{}, err
	}
	h.CreatedAt, h.LastSeen, h.Facts = msTime(created), nullTime(seen), json.RawMessage(facts)
	if err := json.Unmarshal([]byte(tags), &h.Tags); err != nil || h.Tags == nil {
		h.Tags = []string{} // a damaged column must not hide the host
	}
	return h, nil
}

// CreateHost registers a host and returns its agent token, which is shown only this once.
func (d *DB) CreateHost(ctx context.Context, orgID int64, name string) (Host, string, error) {
	token := NewSecret("vgh_")
	var id int64
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO hosts (org_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
		orgID, name, Hash(token), d.ms()).Scan(&id)
	if isUnique(err) {
		return Host{}, "", fmt.Errorf("host %q: %w", name, ErrConflict)
	}
	if err != nil {
		return Host{}, "", fmt.Errorf("create host %q: %w", name, err)
	}
	h, err := d.HostByID(ctx, id)
	return h, token, err
}

// EnsureHostToken returns the host of that name, creating it if needed, with a fresh agent
// token (the old one stops working).
func (d *DB) EnsureHostToken(ctx context.Context, orgID int64, name string) (Host, string, error) {
	h, token, err := d.CreateHost(ctx, orgID, name)
	if !errors.Is(err, ErrConflict) {
		return h, token, err
	}
	var id int64
	if err := d.db.QueryRowContext(ctx, d.q(`SELECT id FROM hosts WHERE org_id = ? AND name = ?`), orgID, name).Scan(&id); err != nil {
		return Host{}, "", fmt.Errorf("find host %q: %w", name, err)
	}
	token, err = d.RotateHostToken(ctx, orgID, id)
	if err != nil {
		return Host{}, "", err
	}
	h, err = d.HostByID(ctx, id)
	return h, token, err
}

// RotateHostToken replaces a host's agent token; the old token is refused from now on.
func (d *DB) RotateHostToken(ctx context.Context, orgID, hostID int64) (string, error) {
	token := NewSecret("vgh_")
	res, err := d.db.ExecContext(ctx, d.q(`UPDATE hosts SET token_hash = ? WHERE id = ? AND org_id = ?`), Hash(token), hostID, orgID)
	if err != nil {
		return "", fmt.Errorf("rotate token of host %d: %w", hostID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", ErrNotFound
	}
	return token, nil
}

// HostByAgentToken authenticates an agent.
func (d *DB) HostByAgentToken(ctx context.Context, token string) (Host, error) {
	return scanHost(d.db.QueryRowContext(ctx, d.q(`SELECT `+hostCols+` FROM hosts WHERE token_hash = ?`), Hash(token)))
}

// HostByID returns a host of any organization; callers check the organization.
func (d *DB) HostByID(ctx context.Context, id int64) (Host, error) {
	return scanHost(d.db.QueryRowContext(ctx, d.q(`SELECT `+hostCols+` FROM hosts WHERE id = ?`), id))
}

// GetHost returns a host of one organization; another organization's host is ErrNotFound.
func (d *DB) GetHost(ctx context.Context, orgID, id int64) (Host, error) {
	return scanHost(d.db.QueryRowContext(ctx, d.q(`SELECT `+hostCols+` FROM hosts WHERE id = ? AND org_id = ?`), id, orgID))
}

// ListHosts returns an organization's hosts by name.
func (d *DB) ListHosts(ctx context.Context, orgID int64) ([]Host, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT `+hostCols+` FROM hosts WHERE org_id = ? ORDER BY name`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list hosts of org %d: %w", orgID, err)
	}
	defer rows.Close()
	out := []Host{}
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, fmt.Errorf("list hosts of org %d: %w", orgID, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// DeleteHost removes a host; its agent token stops working.
func (d *DB) DeleteHost(ctx context.Context, orgID, id int64) error {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM hosts WHERE id = ? AND org_id = ?`), id, orgID)
	if err != nil {
		return fmt.Errorf("delete host %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AgentReport is what ingest learned about one host since its last flush: the newest last-seen
// time and, after a hello, the facts and agent version. Zero fields leave columns unchanged.
type AgentReport struct {
	HostID       int64
	LastSeen     time.Time       // zero: unchanged
	Facts        json.RawMessage // nil: facts and agent version unchanged
	AgentVersion string
}

// ApplyAgentReports writes many hosts' updates in one transaction. Ingest collects them and
// flushes about once a second: one write transaction per handshake and per disconnect made
// SQLite's single writer the bottleneck of a connection storm (bench/results/load.md).
// Updates of hosts deleted meanwhile are ignored.
func (d *DB) ApplyAgentReports(ctx context.Context, updates []AgentReport) error {
	if len(updates) == 0 {
		return nil
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("update %d hosts: %w", len(updates), err)
	}
	defer tx.Rollback()
	seen, err := tx.PrepareContext(ctx, d.q(`UPDATE hosts SET last_seen = ? WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("update %d hosts: %w", len(updates), err)
	}
	defer seen.Close()
	facts, err := tx.PrepareContext(ctx, d.q(`UPDATE hosts SET facts = ?, agent_version = ? WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("update %d hosts: %w", len(updates), err)
	}
	defer facts.Close()
	for _, u := range updates {
		if u.Facts != nil {
			if _, err := facts.ExecContext(ctx, string(u.Facts), u.AgentVersion, u.HostID); err != nil {
				return fmt.Errorf("update facts of host %d: %w", u.HostID, err)
			}
		}
		if !u.LastSeen.IsZero() {
			if _, err := seen.ExecContext(ctx, u.LastSeen.UnixMilli(), u.HostID); err != nil {
				return fmt.Errorf("record last seen of host %d: %w", u.HostID, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("update %d hosts: %w", len(updates), err)
	}
	return nil
}
