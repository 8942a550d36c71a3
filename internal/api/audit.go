package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// audit records a security-relevant action by the request's principal. A failure to record is
// logged, not returned: the action already happened and must not be reported as failed.
func (a *API) audit(r *http.Request, action, target, detail string) {
	p, _ := auth.FromContext(r.Context())
	a.auditAs(r, p.OrgID, p.UserID, p.Email, action, target, detail)
}

func (a *API) auditAs(r *http.Request, orgID, userID int64, actor, action, target, detail string) {
	e := meta.AuditEntry{OrgID: orgID, UserID: userID, Actor: actor, Action: action, Target: target, Detail: detail, Remote: a.clientIP(r)}
	if err := a.cfg.Meta.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		a.log.Error("audit log write failed", "action", action, "err", err)
	}
}

// listAudit shows owners their organization's audit log, newest first, 100 at a time; pass
// before=<id of the last entry> for the next page.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "before must be an audit entry id", "before")
			return
		}
		before = n
	}
	entries, err := a.cfg.Meta.ListAudit(r.Context(), p.OrgID, 100, before)
	if err != nil {
		a.internal(w, r, "read the audit log", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

// changePassword checks the current password, stores the new one, ends every session of the
// user (a thief's too) and signs this browser in again.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !decode(w, r, &body) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if !a.allow(w, "too many wrong passwords", "user:"+p.Email) {
		return
	}
	_, hash, err := a.cfg.Meta.UserByEmail(r.Context(), p.Email)
	if err != nil {
		a.internal(w, r, "look up user", err)
		return
	}
	if ok, _ := auth.VerifyPassword(hash, body.Current); !ok {
		a.limiter.Fail("user:" + p.Email)
		writeError(w, http.StatusForbidden, "current password is wrong", "current")
		return
	}
	newHash, err := auth.HashPassword(body.New)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "new")
		return
	}
	if err := a.cfg.Meta.SetPassword(r.Context(), p.UserID, newHash); err != nil {
		a.internal(w, r, "change password", err)
		return
	}
	a.audit(r, "password.change", p.Email, "all sessions ended")
	if p.Session != "" && !a.startSession(w, r, p.UserID, p.OrgID) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
