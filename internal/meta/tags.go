package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Limits on host tags; the API and the CLI report violations with these numbers.
const (
	MaxTags   = 20
	MaxTagLen = 40
)

// TagError says which tag is wrong and why; Index is its position in the caller's list.
type TagError struct {
	Index int
	Msg   string
}

func (e *TagError) Error() string { return fmt.Sprintf("tag %d: %s", e.Index+1, e.Msg) }

// NormalizeTags trims and lower-cases tags, drops duplicates and sorts them. A tag is 1–40
// letters, digits or . _ - : = (so "env=prod" and "dc:fra1" work), starting with a letter or
// digit. The result is never nil.
func NormalizeTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" {
			return nil, &TagError{i, "empty tag"}
		}
		if len(t) > MaxTagLen {
			return nil, &TagError{i, fmt.Sprintf("%q is longer than %d characters", t, MaxTagLen)}
		}
		for j, c := range t {
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (j > 0 && strings.ContainsRune("._-:=", c))
			if !ok {
				return nil, &TagError{i, fmt.Sprintf("%q: use letters, digits and . _ - : =, starting with a letter or digit", t)}
			}
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, &TagError{MaxTags, fmt.Sprintf("at most %d tags per host", MaxTags)}
	}
	slices.Sort(out)
	return out, nil
}

// HostUpdate holds the fields to change; nil fields stay as they are.
type HostUpdate struct {
	Name *string
	Tags []string // nil: unchanged; empty: remove all
}

// UpdateHost renames a host and/or replaces its tags (already normalized by the caller).
// A name taken by another host of the organization is ErrConflict.
func (d *DB) UpdateHost(ctx context.Context, orgID, id int64, u HostUpdate) (Host, error) {
	h, err := d.GetHost(ctx, orgID, id)
	if err != nil {
		return Host{}, err
	}
	if u.Name != nil {
		h.Name = *u.Name
	}
	if u.Tags != nil {
		h.Tags = u.Tags
	}
	tags, err := json.Marshal(h.Tags)
	if err != nil {
		return Host{}, err
	}
	_, err = d.db.ExecContext(ctx, d.q(`UPDATE hosts SET name = ?, tags = ? WHERE id = ? AND org_id = ?`), h.Name, string(tags), id, orgID)
	if isUnique(err) {
		return Host{}, fmt.Errorf("host %q: %w", h.Name, ErrConflict)
	}
	if err != nil {
		return Host{}, fmt.Errorf("update host %d: %w", id, err)
	}
	return h, nil
}
