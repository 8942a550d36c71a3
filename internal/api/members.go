package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

const invitationTTL = 7 * 24 * time.Hour

var roles = map[string]bool{meta.RoleOwner: true, meta.RoleAdmin: true, meta.RoleEditor: true, meta.RoleViewer: true}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	ms, err := a.cfg.Meta.Members(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list members", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": ms})
}

// memberTarget loads the member named by {id} and checks the caller may change them: admins
// manage editors and viewers, only owners manage owners and admins or grant those roles.
func (a *API) memberTarget(w http.ResponseWriter, r *http.Request, newRole string) (meta.Member, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return meta.Member{}, false
	}
	p, _ := auth.FromContext(r.Context())
	ms, err := a.cfg.Meta.Members(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list members", err)
		return meta.Member{}, false
	}
	for _, m := range ms {
		if m.UserID != id {
			continue
		}
		privileged := func(role string) bool { return role == meta.RoleOwner || role == meta.RoleAdmin }
		if !p.Allows(meta.RoleOwner) && (privileged(m.Role) || privileged(newRole)) {
			writeError(w, http.StatusForbidden, "only owners may change owners and admins or grant those roles", "role")
			return meta.Member{}, false
		}
		return m, true
	}
	writeError(w, http.StatusNotFound, "no member with user id "+strconv.FormatInt(id, 10), "id")
	return meta.Member{}, false
}

func (a *API) setMemberRole(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Role string `json:"role"`
	}
	if !decode(w, r, &body) {
		return
	}
	if !roles[body.Role] {
		writeError(w, http.StatusBadRequest, "role must be owner, admin, editor or viewer", "role")
		return
	}
	m, ok := a.memberTarget(w, r, body.Role)
	if !ok {
		return
	}
	a.applyRole(w, r, m, body.Role)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) {
	m, ok := a.memberTarget(w, r, "")
	if !ok {
		return
	}
	a.applyRole(w, r, m, "")
}

func (a *API) applyRole(w http.ResponseWriter, r *http.Request, m meta.Member, role string) {
	p, _ := auth.FromContext(r.Context())
	err := a.cfg.Meta.SetRole(r.Context(), p.OrgID, m.UserID, role)
	if errors.Is(err, meta.ErrLastOwner) {
		writeError(w, http.StatusConflict, err.Error(), "role")
		return
	}
	if err != nil {
		a.internal(w, r, "change member", err)
		return
	}
	if role == "" {
		a.audit(r, "member.remove", m.Email, "was "+m.Role)
	} else {
		a.audit(r, "member.role", m.Email, m.Role+" → "+role)
	}
	w.WriteHeader(http.StatusNoContent)
}

// invite creates an invitation link and, with send_email, mails it to the invitee. The link is
// in the answer either way, so a failed delivery (reported in email_error) can be sent by hand.
func (a *API) invite(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Email     string `json:"email"`
		Role      string `json:"role"`
		SendEmail bool   `json:"send_email"`
	}
	if !decode(w, r, &body) {
		return
	}
	email, ok := validEmail(w, body.Email)
	if !ok {
		return
	}
	if !roles[body.Role] {
		writeError(w, http.StatusBadRequest, "role must be owner, admin, editor or viewer", "role")
		return
	}
	p, _ := auth.FromContext(r.Context())
	if (body.Role == meta.RoleOwner || body.Role == meta.RoleAdmin) && !p.Allows(meta.RoleOwner) {
		writeError(w, http.StatusForbidden, "only owners may invite owners and admins", "role")
		return
	}
	if body.SendEmail && a.cfg.Mailer == nil {
		writeError(w, http.StatusConflict, errNoMail+"; create the invitation without send_email and pass the link on yourself", "send_email")
		return
	}
	inv, secret, err := a.cfg.Meta.CreateInvitation(r.Context(), p.OrgID, p.UserID, email, body.Role, invitationTTL)
	if err != nil {
		a.internal(w, r, "create invitation", err)
		return
	}
	inv.OrgName = p.OrgName
	link := a.cfg.PublicURL + "/invite?token=" + secret
	out := map[string]any{"invitation": inv, "link": link, "emailed": false}
	detail := "as " + body.Role
	if body.SendEmail {
		ctx, cancel := context.WithTimeout(r.Context(), mailTimeout)
		text := fmt.Sprintf("%s invited you to join %s on Vigil (%s) as %s.\n\nOpen this link to accept. It works once, until %s:\n\n%s\n\n"+
			"If you did not expect this, ignore this message.\n",
			p.Email, p.OrgName, a.cfg.PublicURL, body.Role, inv.ExpiresAt.Format("2 Jan 2006"), link)
		err := a.cfg.Mailer.Mail(ctx, email, "You are invited to "+p.OrgName+" on Vigil", text)
		cancel()
		if err != nil {
			a.log.Warn("invitation mail failed", "email", email, "err", err)
			out["email_error"] = "could not send the email: " + err.Error()
			detail += "; email failed"
		} else {
			out["emailed"] = true
			detail += "; emailed"
		}
	}
	a.audit(r, "member.invite", email, detail)
	writeJSON(w, http.StatusCreated, out)
}

// invitation shows who invited whom to what, for the page the link opens.
func (a *API) invitation(w http.ResponseWriter, r *http.Request) {
	inv, err := a.cfg.Meta.InvitationBySecret(r.Context(), r.URL.Query().Get("token"))
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "invitation not found, used or expired", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "look up invitation", err)
		return
	}
	u, hash, err := a.cfg.Meta.UserByEmail(r.Context(), inv.Email)
	writeJSON(w, http.StatusOK, map[string]any{"invitation": inv, "account_exists": err == nil,
		"signed_in": err == nil && hash == "" && a.signedInAs(r, u.ID)})
}

// signedInAs reports whether the request carries a browser session (with its CSRF header on
// writes) of the given user. For an account without a password (made by single sign-on) that
// session is what proves the invitee; accounts with a password must still give it.
func (a *API) signedInAs(r *http.Request, userID int64) bool {
	p, err := a.auth.Authenticate(r)
	return err == nil && p.Session != "" && p.UserID == userID
}

// acceptInvitation joins the organization: an existing account proves itself with its password,
// a new one is created with the password given. Either way the browser is signed in to the
// organization it joined.
func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token        string `json:"token"`
		Password     string `json:"password"`
		TOTP         string `json:"totp"`
		RecoveryCode string `json:"recovery_code"`
	}
	if !decode(w, r, &body) {
		return
	}
	inv, err := a.cfg.Meta.InvitationBySecret(r.Context(), body.Token)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "invitation not found, used or expired", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "look up invitation", err)
		return
	}
	keys := []string{"ip:" + a.clientIP(r), "user:" + inv.Email}
	if !a.allow(w, "too many failed attempts", keys...) {
		return
	}
	u, hash, err := a.cfg.Meta.UserByEmail(r.Context(), inv.Email)
	switch {
	case err == nil && hash == "" && a.signedInAs(r, u.ID):
		// A password-less account signed in as the invitee in this browser (by its provider).
	case err == nil:
		if ok, _ := auth.VerifyPassword(hash, body.Password); !ok {
			a.limiter.Fail(keys...)
			writeError(w, http.StatusUnauthorized, "wrong password for "+inv.Email, "password")
			return
		}
		// Accepting signs the browser in, so an account with two-factor on must pass it here too.
		if !a.secondFactor(w, r, u.ID, body.TOTP, body.RecoveryCode) {
			if body.TOTP != "" || body.RecoveryCode != "" {
				a.limiter.Fail(keys...)
			}
			return
		}
	case errors.Is(err, meta.ErrNotFound):
		newHash, err := auth.HashPassword(body.Password)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), "password")
			return
		}
		if u, err = a.cfg.Meta.CreateUser(r.Context(), inv.Email, newHash); err != nil {
			a.internal(w, r, "create user", err)
			return
		}
	default:
		a.internal(w, r, "look up user", err)
		return
	}
	if _, err := a.cfg.Meta.AcceptInvitation(r.Context(), body.Token, u.ID); err != nil {
		writeError(w, http.StatusNotFound, "invitation not found, used or expired", "token")
		return
	}
	a.auditAs(r, inv.OrgID, u.ID, u.Email, "member.join", u.Email, "as "+inv.Role)
	if a.startSession(w, r, u.ID, inv.OrgID) {
		writeJSON(w, http.StatusOK, map[string]any{"user": u, "org": meta.Org{ID: inv.OrgID, Name: inv.OrgName}})
	}
}

func (a *API) myOrgs(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	ms, err := a.cfg.Meta.Memberships(r.Context(), p.UserID)
	if err != nil {
		a.internal(w, r, "list organizations", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": ms, "current": p.OrgID})
}

// switchOrg moves the browser's session to another organization of the user.
func (a *API) switchOrg(w http.ResponseWriter, r *http.Request) {
	var body struct {
		OrgID int64 `json:"org_id"`
	}
	if !decode(w, r, &body) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if p.Session == "" {
		writeError(w, http.StatusBadRequest, "API tokens belong to one organization; create a token in the other organization", "")
		return
	}
	if _, _, _, err := a.cfg.Meta.Member(r.Context(), p.UserID, body.OrgID); err != nil {
		writeError(w, http.StatusNotFound, "you are not a member of organization "+strconv.FormatInt(body.OrgID, 10), "org_id")
		return
	}
	if err := a.cfg.Meta.DeleteSession(r.Context(), p.Session); err != nil {
		a.internal(w, r, "end session", err)
		return
	}
	if a.startSession(w, r, p.UserID, body.OrgID) {
		w.WriteHeader(http.StatusNoContent)
	}
}
