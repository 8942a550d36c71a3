package api

import (
	"errors"
	"math"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

const sessionTTL = 30 * 24 * time.Hour

func (a *API) setupStatus(w http.ResponseWriter, r *http.Request) {
	needed, err := a.cfg.Meta.SetupNeeded(r.Context())
	if err != nil {
		a.internal(w, r, "check setup", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"needed": needed})
}

type credentials struct {
	Token        string `json:"token"`
	Email        string `json:"email"`
	Password     string `json:"password"`
	Org          string `json:"org"`
	TOTP         string `json:"totp"`
	RecoveryCode string `json:"recovery_code"`
}

// validEmail normalises and checks an email address, answering 400 when it is not one.
func validEmail(w http.ResponseWriter, email string) (string, bool) {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		writeError(w, http.StatusBadRequest, "email must be a plain address like you@example.com", "email")
		return "", false
	}
	return email, true
}

func (a *API) setup(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !decode(w, r, &c) {
		return
	}
	email, ok := validEmail(w, c.Email)
	if !ok {
		return
	}
	if c.Token == "" {
		writeError(w, http.StatusBadRequest, "token is required: use the one-time link the hub printed", "token")
		return
	}
	org := strings.TrimSpace(c.Org)
	if org == "" {
		org = "Default"
	}
	if len(org) > 100 {
		writeError(w, http.StatusBadRequest, "org must be at most 100 characters", "org")
		return
	}
	hash, err := auth.HashPassword(c.Password)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "password")
		return
	}
	u, o, err := a.cfg.Meta.CompleteSetup(r.Context(), c.Token, email, hash, org)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusForbidden, "setup token is wrong or already used; restart the hub for a new link", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "complete setup", err)
		return
	}
	a.log.Info("first owner created", "email", email, "org", o.Name)
	a.auditAs(r, o.ID, u.ID, email, "setup.complete", email, "first owner of "+o.Name)
	if a.startSession(w, r, u.ID, o.ID) {
		writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	}
}

// allow answers 429 with Retry-After (whole seconds, RFC 9110 §10.2.3) when any key is
// rate-limited, and returns false then.
func (a *API) allow(w http.ResponseWriter, what string, keys ...string) bool {
	ok, wait := a.limiter.Allow(keys...)
	if !ok {
		tooMany(w, what, wait)
	}
	return ok
}

func tooMany(w http.ResponseWriter, what string, wait time.Duration) {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeError(w, http.StatusTooManyRequests, what+"; try again in "+(time.Duration(secs)*time.Second).String(), "")
}

// clientIP is the address rate limits and the audit log are keyed on: the TCP peer, or, when
// the peer is a trusted reverse proxy (--trusted-proxy), the client it forwarded for according
// to X-Forwarded-For (auth.ClientIP). Untrusted peers cannot spoof it with that header.
func (a *API) clientIP(r *http.Request) string {
	return auth.ClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), a.cfg.TrustedProxies)
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !decode(w, r, &c) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(c.Email))
	keys := []string{"ip:" + a.clientIP(r), "user:" + email}
	if !a.allow(w, "too many failed logins", keys...) {
		return
	}
	u, hash, err := a.cfg.Meta.UserByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		a.internal(w, r, "look up user", err)
		return
	}
	ok := false
	if err == nil && hash != "" {
		ok, _ = auth.VerifyPassword(hash, c.Password)
	} else { // also accounts made by single sign-on, which have no password
		auth.VerifyUnknownUser(c.Password) // same cost, so timing does not reveal accounts
	}
	if !ok {
		a.limiter.Fail(keys...)
		a.log.Warn("failed login", "email", email, "remote", a.clientIP(r))
		if err == nil { // record failures against known accounts in their organization's log
			if o, _, err := a.cfg.Meta.PrimaryMembership(r.Context(), u.ID); err == nil {
				a.auditAs(r, o.ID, u.ID, email, "login.failed", email, "wrong password")
			}
		}
		writeError(w, http.StatusUnauthorized, "wrong email or password", "")
		return
	}
	o, _, err := a.cfg.Meta.PrimaryMembership(r.Context(), u.ID)
	if err != nil {
		writeError(w, http.StatusForbidden, "your account belongs to no organization", "")
		return
	}
	if !a.secondFactor(w, r, u.ID, c.TOTP, c.RecoveryCode) {
		if c.TOTP != "" || c.RecoveryCode != "" {
			a.limiter.Fail(keys...)
			a.auditAs(r, o.ID, u.ID, email, "login.failed", email, "wrong two-factor code")
		}
		return
	}
	if a.startSession(w, r, u.ID, o.ID) {
		a.auditAs(r, o.ID, u.ID, email, "login", email, "")
		writeJSON(w, http.StatusOK, map[string]any{"user": u})
	}
}

// startSession sets the session cookie (HttpOnly) and the CSRF cookie (readable by the UI's
// JavaScript, which echoes it in X-Vigil-CSRF on writes).
func (a *API) startSession(w http.ResponseWriter, r *http.Request, userID, orgID int64) bool {
	secret, s, err := a.cfg.Meta.CreateSession(r.Context(), userID, orgID, sessionTTL)
	if err != nil {
		a.internal(w, r, "create session", err)
		return false
	}
	secure := a.cfg.SecureCookies || r.TLS != nil
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: secret, Path: "/", Expires: s.ExpiresAt, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: auth.CSRFCookie, Value: s.CSRF, Path: "/", Expires: s.ExpiresAt, Secure: secure, SameSite: http.SameSiteStrictMode})
	return true
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	if p.Session != "" {
		if err := a.cfg.Meta.DeleteSession(r.Context(), p.Session); err != nil {
			a.internal(w, r, "end session", err)
			return
		}
	}
	a.audit(r, "logout", p.Email, "")
	for _, name := range []string{auth.SessionCookie, auth.CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1})
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"user": meta.User{ID: p.UserID, Email: p.Email},
		"org":  meta.Org{ID: p.OrgID, Name: p.OrgName},
		"role": p.Role,
	})
}
