package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Mailer sends one plain-text message; the hub wires it to its SMTP settings.
type Mailer interface {
	Mail(ctx context.Context, to, subject, text string) error
}

const (
	resetTTL    = 30 * time.Minute
	mailTimeout = 30 * time.Second
)

// errNoMail is the 409 for features that need the hub's SMTP settings.
const errNoMail = "this hub sends no email: an administrator must start it with --smtp-addr and --smtp-from first"

// authMethods tells the login page which ways to sign in exist.
func (a *API) authMethods(w http.ResponseWriter, r *http.Request) {
	var oidc any // OpenID Connect: {"name","start_url"} when configured
	if a.oidc != nil {
		oidc = map[string]string{"name": a.oidc.cfg.Name, "start_url": "/api/v1/auth/oidc/start"}
	}
	writeJSON(w, http.StatusOK, map[string]any{"password": true, "password_reset": a.cfg.Mailer != nil, "oidc": oidc})
}

// requestPasswordReset mails a reset link when the address belongs to an account. The answer is
// 202 either way and the mail is sent in the background, so neither the status nor the time
// taken tells whether an account exists.
func (a *API) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email string `json:"email"`
	}
	if !decode(w, r, &body) {
		return
	}
	email, ok := validEmail(w, body.Email)
	if !ok {
		return
	}
	if a.cfg.Mailer == nil {
		writeError(w, http.StatusConflict, errNoMail, "")
		return
	}
	keys := []string{"ip:" + a.clientIP(r), "user:" + email}
	ok, wait := a.resetLimiter.Allow(keys...)
	if !ok {
		tooMany(w, "too many password reset requests", wait)
		return
	}
	a.resetLimiter.Fail(keys...) // every request counts, successful or not
	u, _, err := a.cfg.Meta.UserByEmail(r.Context(), email)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		a.log.Info("password reset requested for an unknown address", "email", email, "remote", a.clientIP(r))
	case err != nil:
		a.internal(w, r, "look up user", err)
		return
	default:
		// Everything an existing account costs beyond the lookup (token, audit entry, mail) runs
		// after the answer, so its latency matches an unknown address's.
		remote := a.clientIP(r)
		go a.sendPasswordReset(u, remote)
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "if an account uses this address, a reset link is on its way"})
}

// sendPasswordReset stores a reset token for u and mails the link; failures are logged (the
// requester was already answered).
func (a *API) sendPasswordReset(u meta.User, remote string) {
	ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
	defer cancel()
	secret, exp, err := a.cfg.Meta.CreatePasswordReset(ctx, u.ID, resetTTL)
	if err != nil {
		a.log.Error("password reset: could not store the token", "email", u.Email, "err", err)
		return
	}
	if o, _, err := a.cfg.Meta.PrimaryMembership(ctx, u.ID); err == nil {
		e := meta.AuditEntry{OrgID: o.ID, UserID: u.ID, Actor: u.Email, Action: "password.reset.request", Target: u.Email, Detail: "link mailed", Remote: remote}
		if err := a.cfg.Meta.Audit(ctx, e); err != nil {
			a.log.Error("audit log write failed", "action", e.Action, "err", err)
		}
	}
	link := a.cfg.PublicURL + "/reset-password?token=" + secret
	text := fmt.Sprintf("Someone (hopefully you) asked to reset the password of your Vigil account %s at %s.\n\n"+
		"Open this link to choose a new password. It works once, until %s:\n\n%s\n\n"+
		"If you did not ask for this, ignore this message: your password stays as it is.\n",
		u.Email, a.cfg.PublicURL, exp.Format("15:04 MST, 2 Jan 2006"), link)
	if err := a.cfg.Mailer.Mail(ctx, u.Email, "Reset your Vigil password", text); err != nil {
		a.log.Error("password reset mail failed", "email", u.Email, "err", err)
	}
}

// passwordReset tells the reset page whether its link still works and for which account.
func (a *API) passwordReset(w http.ResponseWriter, r *http.Request) {
	u, exp, err := a.cfg.Meta.PasswordReset(r.Context(), r.URL.Query().Get("token"))
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "this reset link is wrong, used or expired; ask for a new one", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "look up password reset", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"email": u.Email, "expires_at": exp})
}

// confirmPasswordReset sets the new password. It ends every session of the account and does not
// sign this browser in: the user signs in with the new password and, if on, their second factor,
// which a reset leaves as it was (as it does API tokens).
func (a *API) confirmPasswordReset(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if !decode(w, r, &body) {
		return
	}
	if !strings.HasPrefix(body.Token, "vgr_") {
		writeError(w, http.StatusBadRequest, "token must be the vgr_… value from the reset link", "token")
		return
	}
	keys := []string{"ip:" + a.clientIP(r)}
	if !a.allow(w, "too many failed attempts", keys...) {
		return
	}
	hash, err := auth.HashPassword(body.Password)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "password")
		return
	}
	u, err := a.cfg.Meta.ResetPassword(r.Context(), body.Token, hash)
	if errors.Is(err, meta.ErrNotFound) {
		a.limiter.Fail(keys...)
		writeError(w, http.StatusNotFound, "this reset link is wrong, used or expired; ask for a new one", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "reset password", err)
		return
	}
	if o, _, err := a.cfg.Meta.PrimaryMembership(r.Context(), u.ID); err == nil {
		a.auditAs(r, o.ID, u.ID, u.Email, "password.reset", u.Email, "by email link; all sessions ended")
	}
	a.log.Info("password reset by email link", "email", u.Email, "remote", a.clientIP(r))
	w.WriteHeader(http.StatusNoContent)
}
