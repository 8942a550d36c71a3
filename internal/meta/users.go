package meta

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Roles, from most to least powerful.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleEditor = "editor"
	RoleViewer = "viewer"
)

// User is an account. The password hash never leaves this package except for verification.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// Org is an organization.
type Org struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// SetupToken returns a one-time token for creating the first owner while no user exists. Only
// its hash is stored, so each start issues a fresh token and invalidates older ones.
func (d *DB) SetupToken(ctx context.Context) (string, bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", false, fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return "", false, nil
	}
	token := NewSecret("vgx_")
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return "", false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens`); err != nil {
		return "", false, fmt.Errorf("reset setup token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO setup_tokens (hash, created_at) VALUES (?, ?)`), Hash(token), d.ms()); err != nil {
		return "", false, fmt.Errorf("store setup token: %w", err)
	}
	return token, true, tx.Commit()
}

// SetupNeeded reports whether no user exists yet.
func (d *DB) SetupNeeded(ctx context.Context) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// CompleteSetup consumes the setup token and creates the first owner with their organization,
// in one transaction: a failure leaves the token usable, and two racing requests with the same
// token cannot both succeed. A wrong or used token gives ErrNotFound.
func (d *DB) CompleteSetup(ctx context.Context, token, email, passwordHash, orgName string) (User, Org, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, Org{}, fmt.Errorf("complete setup: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, d.q(`DELETE FROM setup_tokens WHERE hash = ?`), Hash(token))
	if err != nil {
		return User{}, Org{}, fmt.Errorf("consume setup token: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return User{}, Org{}, ErrNotFound
	}
	u, o, err := d.createOwner(ctx, tx, email, passwordHash, orgName)
	if err != nil {
		return User{}, Org{}, err
	}
	if err := tx.Commit(); err != nil {
		return User{}, Org{}, fmt.Errorf("complete setup: %w", err)
	}
	return u, o, nil
}

// CreateOwner creates a user owning a new organization, and retires any pending setup token
// (the admin CLI uses it; the setup link printed at start then stops working).
func (d *DB) CreateOwner(ctx context.Context, email, passwordHash, orgName string) (User, Org, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, Org{}, fmt.Errorf("create owner %s: %w", email, err)
	}
	defer tx.Rollback()
	u, o, err := d.createOwner(ctx, tx, email, passwordHash, orgName)
	if err != nil {
		return User{}, Org{}, err
	}
	if err := tx.Commit(); err != nil {
		return User{}, Org{}, fmt.Errorf("create owner %s: %w", email, err)
	}
	return u, o, nil
}

func (d *DB) createOwner(ctx context.Context, tx *sql.Tx, email, passwordHash, orgName string) (User, Org, error) {
	now := d.ms()
	u := User{Email: email}
	if err := tx.QueryRowContext(ctx, d.q(`INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING id`), email, passwordHash, now).Scan(&u.ID); err != nil {
		if isUnique(err) {
			return User{}, Org{}, fmt.Errorf("user %s: %w", email, ErrConflict)
		}
		return User{}, Org{}, fmt.Errorf("create user %s: %w", email, err)
	}
	o := Org{Name: orgName}
	if err := tx.QueryRowContext(ctx, d.q(`INSERT INTO orgs (name, created_at) VALUES (?, ?) RETURNING id`), orgName, now).Scan(&o.ID); err != nil {
		return User{}, Org{}, fmt.Errorf("create organization %q: %w", orgName, err)
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)`), u.ID, o.ID, RoleOwner); err != nil {
		return User{}, Org{}, fmt.Errorf("make %s owner: %w", email, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens`); err != nil {
		return User{}, Org{}, fmt.Errorf("retire setup token: %w", err)
	}
	return u, o, nil
}

// UserByEmail returns the user and their password hash.
func (d *DB) UserByEmail(ctx context.Context, email string) (User, string, error) {
	u := User{}
	var hash string
	err := d.db.QueryRowContext(ctx, d.q(`SELECT id, email, password_hash FROM users WHERE email = ?`), email).Scan(&u.ID, &u.Email, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", ErrNotFound
	}
	if err != nil {
		return User{}, "", fmt.Errorf("look up user %s: %w", email, err)
	}
	return u, hash, nil
}

// PrimaryMembership returns the organization a user signs in to by default (their oldest
// membership) and their role in it.
func (d *DB) PrimaryMembership(ctx context.Context, userID int64) (Org, string, error) {
	var o Org
	var role string
	err := d.db.QueryRowContext(ctx, d.q(`SELECT o.id, o.name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY o.id LIMIT 1`), userID).Scan(&o.ID, &o.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, "", ErrNotFound
	}
	if err != nil {
		return Org{}, "", fmt.Errorf("membership of user %d: %w", userID, err)
	}
	return o, role, nil
}

// Member returns a user's organization and role in it, ErrNotFound when not a member.
func (d *DB) Member(ctx context.Context, userID, orgID int64) (User, Org, string, error) {
	var u User
	var o Org
	var role string
	err := d.db.QueryRowContext(ctx, d.q(`SELECT u.id, u.email, o.id, o.name, m.role FROM memberships m
		JOIN users u ON u.id = m.user_id JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? AND m.org_id = ?`), userID, orgID).
		Scan(&u.ID, &u.Email, &o.ID, &o.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Org{}, "", ErrNotFound
	}
	if err != nil {
		return User{}, Org{}, "", fmt.Errorf("membership of user %d in org %d: %w", userID, orgID, err)
	}
	return u, o, role, nil
}

// FirstOrgID returns the oldest organization, ErrNotFound before setup.
func (d *DB) FirstOrgID(ctx context.Context) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `SELECT id FROM orgs ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// Session is a signed-in browser.
type Session struct {
	UserID, OrgID int64
	CSRF          string
	ExpiresAt     time.Time
}

// CreateSession stores a new session and returns its secret for the cookie. Expired sessions
// are purged here, so the table holds only live ones without a separate cleanup job.
func (d *DB) CreateSession(ctx context.Context, userID, orgID int64, ttl time.Duration) (string, Session, error) {
	if _, err := d.db.ExecContext(ctx, d.q(`DELETE FROM sessions WHERE expires_at <= ?`), d.ms()); err != nil {
		return "", Session{}, fmt.Errorf("purge expired sessions: %w", err)
	}
	secret := NewSecret("vgs_")
	s := Session{UserID: userID, OrgID: orgID, CSRF: NewSecret(""), ExpiresAt: d.now().Add(ttl)}
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO sessions (hash, user_id, org_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`),
		Hash(secret), userID, orgID, s.CSRF, d.ms(), s.ExpiresAt.UnixMilli())
	if err != nil {
		return "", Session{}, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return secret, s, nil
}

// SessionBySecret returns an unexpired session.
func (d *DB) SessionBySecret(ctx context.Context, secret string) (Session, error) {
	var s Session
	var exp int64
	err := d.db.QueryRowContext(ctx, d.q(`SELECT user_id, org_id, csrf, expires_at FROM sessions WHERE hash = ? AND expires_at > ?`), Hash(secret), d.ms()).
		Scan(&s.UserID, &s.OrgID, &s.CSRF, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up session: %w", err)
	}
	s.ExpiresAt = msTime(exp)
	return s, nil
}

// DeleteSession ends a session (logout).
func (d *DB) DeleteSession(ctx context.Context, secret string) error {
	if _, err := d.db.ExecContext(ctx, d.q(`DELETE FROM sessions WHERE hash = ?`), Hash(secret)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// CreateUser creates a user without an organization; AddMember gives them one.
func (d *DB) CreateUser(ctx context.Context, email, passwordHash string) (User, error) {
	u := User{Email: email}
	err := d.db.QueryRowContext(ctx, d.q(`INSERT INTO users (email, password_hash, created_at) VALUES (?, ?, ?) RETURNING id`), email, passwordHash, d.ms()).Scan(&u.ID)
	if isUnique(err) {
		return User{}, fmt.Errorf("user %s: %w", email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", email, err)
	}
	return u, nil
}

// AddMember gives a user a role in an organization, or changes it.
func (d *DB) AddMember(ctx context.Context, orgID, userID int64, role string) error {
	switch role {
	case RoleOwner, RoleAdmin, RoleEditor, RoleViewer:
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	_, err := d.db.ExecContext(ctx, d.q(`INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)
		ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role`), userID, orgID, role)
	if err != nil {
		return fmt.Errorf("add user %d to org %d as %s: %w", userID, orgID, role, err)
	}
	return nil
}
