package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Member is a user's role in an organization.
type Member struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

// Membership is one organization a user belongs to.
type Membership struct {
	Org  Org    `json:"org"`
	Role string `json:"role"`
}

// Members lists an organization's members.
func (d *DB) Members(ctx context.Context, orgID int64) ([]Member, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT u.id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? ORDER BY u.email`), orgID)
	if err != nil {
		return nil, fmt.Errorf("list members of org %d: %w", orgID, err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Email, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Memberships lists the organizations a user belongs to.
func (d *DB) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY o.name`), userID)
	if err != nil {
		return nil, fmt.Errorf("list organizations of user %d: %w", userID, err)
	}
	defer rows.Close()
	out := []Membership{}
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.Org.ID, &m.Org.Name, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ErrLastOwner protects an organization from losing its last owner.
var ErrLastOwner = errors.New("an organization needs at least one owner")

// SetRole changes a member's role, or removes them when role is "". The last owner can be
// neither demoted nor removed. Removing a member also ends their sessions in the organization.
func (d *DB) SetRole(ctx context.Context, orgID, userID int64, role string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var current string
	err = tx.QueryRowContext(ctx, d.q(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if current == RoleOwner && role != RoleOwner {
		var owners int
		if err := tx.QueryRowContext(ctx, d.q(`SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = ?`), orgID, RoleOwner).Scan(&owners); err != nil {
			return err
		}
		if owners <= 1 {
			return ErrLastOwner
		}
	}
	if role == "" {
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID); err != nil {
			return fmt.Errorf("remove user %d from org %d: %w", userID, orgID, err)
		}
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM sessions WHERE org_id = ? AND user_id = ?`), orgID, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM api_tokens WHERE org_id = ? AND user_id = ?`), orgID, userID); err != nil {
			return err
		}
	} else if _, err := tx.ExecContext(ctx, d.q(`UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?`), role, orgID, userID); err != nil {
		return fmt.Errorf("set role of user %d in org %d: %w", userID, orgID, err)
	}
	return tx.Commit()
}

// Invitation lets someone join an organization with a role, by a link holding a secret.
type Invitation struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"-"`
	OrgName   string    `json:"org"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateInvitation stores an invitation and returns its secret for the link.
func (d *DB) CreateInvitation(ctx context.Context, orgID, invitedBy int64, email, role string, ttl time.Duration) (Invitation, string, error) {
	secret := NewSecret("vgi_")
	inv := Invitation{OrgID: orgID, Email: email, Role: role, ExpiresAt: d.now().Add(ttl)}
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO invitations (org_id, hash, email, role, invited_by, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), orgID, Hash(secret), email, role, invitedBy, inv.ExpiresAt.UnixMilli(), d.ms()).Scan(&inv.ID)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("invite %s: %w", email, err)
	}
	return inv, secret, nil
}

// InvitationBySecret returns an unexpired invitation.
func (d *DB) InvitationBySecret(ctx context.Context, secret string) (Invitation, error) {
	var inv Invitation
	var exp int64
	err := d.db.QueryRowContext(ctx, d.q(`SELECT i.id, i.org_id, o.name, i.email, i.role, i.expires_at FROM invitations i
		JOIN orgs o ON o.id = i.org_id WHERE i.hash = ? AND i.expires_at > ?`), Hash(secret), d.ms()).
		Scan(&inv.ID, &inv.OrgID, &inv.OrgName, &inv.Email, &inv.Role, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, ErrNotFound
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("look up invitation: %w", err)
	}
	inv.ExpiresAt = msTime(exp)
	return inv, nil
}

// AcceptInvitation adds the user to the invitation's organization and consumes it. A user who
// already belongs keeps their role: an invitation must not become a way to demote an owner.
func (d *DB) AcceptInvitation(ctx context.Context, secret string, userID int64) (Invitation, error) {
	inv, err := d.InvitationBySecret(ctx, secret)
	if err != nil {
		return inv, err
	}
	res, err := d.db.ExecContext(ctx, d.q(`DELETE FROM invitations WHERE id = ?`), inv.ID)
	if err != nil {
		return inv, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return inv, ErrNotFound // accepted concurrently
	}
	_, err = d.db.ExecContext(ctx, d.q(`INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?) ON CONFLICT (user_id, org_id) DO NOTHING`), userID, inv.OrgID, inv.Role)
	if err != nil {
		return inv, fmt.Errorf("accept invitation to org %d: %w", inv.OrgID, err)
	}
	return inv, nil
}
