package meta

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// StatusPage is a public page of an organization showing chosen hosts and checks. Items and
// notices are stored as JSON: they are always read and written with their page, never queried.
type StatusPage struct {
	ID          int64          `json:"id"`
	OrgID       int64          `json:"-"`
	Slug        string         `json:"slug"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Items       []StatusItem   `json:"items"`
	Notices     []StatusNotice `json:"notices"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// StatusItem is a host or a check shown on a page.
type StatusItem struct {
	Kind string `json:"kind"` // "check" or "host"
	ID   int64  `json:"id"`
}

// StatusNotice is a maintenance notice: shown from its start until its end.
type StatusNotice struct {
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

const pageCols = `id, org_id, slug, title, description, items, notices, created_at, updated_at`

func scanPage(row interface{ Scan(...any) error }) (StatusPage, error) {
	var p StatusPage
	var items, notices string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.OrgID, &p.Slug, &p.Title, &p.Description, &items, &notices, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return StatusPage{}, ErrNotFound
		}
		return StatusPage{}, err
	}
	if err := json.Unmarshal([]byte(items), &p.Items); err != nil {
		return StatusPage{}, fmt.Errorf("status page %d items: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(notices), &p.Notices); err != nil {
		return StatusPage{}, fmt.Errorf("status page %d notices: %w", p.ID, err)
	}
	if p.Items == nil {
		p.Items = []StatusItem{}
	}
	if p.Notices == nil {
		p.Notices = []StatusNotice{}
	}
	p.CreatedAt, p.UpdatedAt = msTime(created), msTime(updated)
	return p, nil
}

// itemsOfOrg rejects items naming another organization's (or no) host or check.
func (d *DB) itemsOfOrg(ctx context.Context, orgID int64, items []StatusItem) error {
	for _, it := range items {
		var err error
		switch it.Kind {
		case "host":
			_, err = d.GetHost(ctx, orgID, it.ID)
		case "check":
			_, err = d.GetCheck(ctx, orgID, it.ID)
		default:
			err = ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("%s %d: %w", it.Kind, it.ID, err)
		}
	}
	return nil
}

// SaveStatusPage creates (p.ID 0) or replaces a page. A slug taken by any page is ErrConflict;
// an item that is not the organization's is ErrNotFound.
func (d *DB) SaveStatusPage(ctx context.Context, orgID int64, p StatusPage) (StatusPage, error) {
	if err := d.itemsOfOrg(ctx, orgID, p.Items); err != nil {
		return StatusPage{}, err
	}
	if p.Items == nil {
		p.Items = []StatusItem{}
	}
	if p.Notices == nil {
		p.Notices = []StatusNotice{}
	}
	items, _ := json.Marshal(p.Items)
	notices, _ := json.Marshal(p.Notices)
	now := d.ms()
	var err error
	if p.ID == 0 {
		err = d.db.QueryRowContext(ctx, d.q(`INSERT INTO status_pages (org_id, slug, title, description, items, notices, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), orgID, p.Slug, p.Title, p.Description, string(items), string(notices), now, now).Scan(&p.ID)
	} else {
		var res sql.Result
		res, err = d.db.ExecContext(ctx, d.q(`UPDATE status_pages SET slug = ?, title = ?, description = ?, items = ?, notices = ?, updated_at = ?
			WHERE id = ? AND org_id = ?`), p.Slug, p.Title, p.Description, string(items), string(notices), now, p.ID, orgID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return StatusPage{}, ErrNotFound
			}
		}
	}
	if isUnique(err) {
		return StatusPage{}, fmt.Errorf("status page slug %q: %w", p.Slug, ErrConflict)
	}
	if err != nil {
		return StatusPage{}, fmt.Errorf("save status page %q: %w", p.Slug, err)
	}
	return d.GetStatusPage(ctx, orgID, p.ID)
}

// GetStatusPage returns a page of one organization.
func (d *DB) GetStatusPage(ctx context.Context, orgID, id int64) (StatusPage, error) {
	return scanPage(d.db.QueryRowContext(ctx, d.q(`SELECT `+pageCols+` FROM status_pages WHERE id = ? AND org_id = ?`), id, orgID))
}

// StatusPageBySlug returns the page with that slug, of any organization (the public view).
func (d *DB) StatusPageBySlug(ctx context.Context, slug string) (StatusPage, error) {
	return scanPage(d.db.QueryRowContext(ctx, d.q(`SELECT `+pageCols+` FROM status_pages WHERE slug = ?`), slug))
}

// ListStatusPages returns an organization's pages by title.
func (d *DB) ListStatusPages(ctx context.Context, orgID int64) ([]StatusPage, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT `+pageCols+` FROM status_pages WHERE org_id = ? ORDER BY title, id`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list status pages of org %d: %w", orgID, err)
	}
	defer rows.Close()
	out := []StatusPage{}
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// DeleteStatusPage removes a page; its URL answers 404 from then on.
func (d *DB) DeleteStatusPage(ctx context.Context, orgID, id int64) error {
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM status_pages WHERE id = ? AND org_id = ?`), id, orgID)
	if err != nil {
		return fmt.Errorf("delete status page %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
