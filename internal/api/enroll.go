package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

func (a *API) listEnrollmentKeys(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	keys, err := a.cfg.Meta.ListEnrollmentKeys(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list enrollment keys", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (a *API) createEnrollmentKey(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name          string `json:"name"`
		MaxUses       int    `json:"max_uses"`
		ExpiresInDays int    `json:"expires_in_days"`
	}
	if !decode(w, r, &body) {
		return
	}
	body.Name = strings.TrimSpace(body.Name)
	switch {
	case body.Name == "" || len(body.Name) > 100:
		writeError(w, http.StatusBadRequest, "name must be 1–100 characters", "name")
		return
	case body.MaxUses < 1 || body.MaxUses > 100000:
		writeError(w, http.StatusBadRequest, "max_uses must be between 1 and 100000", "max_uses")
		return
	case body.ExpiresInDays < 1 || body.ExpiresInDays > 365:
		writeError(w, http.StatusBadRequest, "expires_in_days must be between 1 and 365", "expires_in_days")
		return
	}
	p, _ := auth.FromContext(r.Context())
	k, secret, err := a.cfg.Meta.CreateEnrollmentKey(r.Context(), p.OrgID, body.Name, body.MaxUses, a.cfg.Now().Add(time.Duration(body.ExpiresInDays)*24*time.Hour))
	if err != nil {
		a.internal(w, r, "create enrollment key", err)
		return
	}
	a.audit(r, "enrollment_key.create", k.Name, "max uses "+strconv.Itoa(k.MaxUses)+", prefix "+k.Prefix)
	writeJSON(w, http.StatusCreated, map[string]any{"key": k, "secret": secret,
		"command": "vigil-agent --hub " + a.cfg.PublicURL + " --enroll-key " + secret})
}

func (a *API) revokeEnrollmentKey(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	err := a.cfg.Meta.RevokeEnrollmentKey(r.Context(), p.OrgID, id)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no enrollment key with id "+strconv.FormatInt(id, 10), "id")
		return
	}
	if err != nil {
		a.internal(w, r, "revoke enrollment key", err)
		return
	}
	a.audit(r, "enrollment_key.revoke", strconv.FormatInt(id, 10), "")
	w.WriteHeader(http.StatusNoContent)
}

// enroll lets an agent holding an enrollment key register itself. It is public (the key is the
// credential) and rate-limited per address like logins, so keys cannot be guessed.
func (a *API) enroll(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	if !decode(w, r, &body) {
		return
	}
	ipKey := "enroll-ip:" + a.clientIP(r)
	if !a.allow(w, "too many failed enrollments", ipKey) {
		return
	}
	name := strings.TrimSpace(body.Name)
	if !ValidHostName(name) {
		writeError(w, http.StatusBadRequest, "name must be 1–100 letters, digits, spaces, dots, dashes or underscores", "name")
		return
	}
	h, token, k, err := a.cfg.Meta.Enroll(r.Context(), body.Key, name)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		a.limiter.Fail(ipKey)
		writeError(w, http.StatusUnauthorized, "enrollment key not recognised or revoked", "key")
		return
	case errors.Is(err, meta.ErrKeyExhausted):
		writeError(w, http.StatusForbidden, "enrollment key expired or used up; ask for a new one", "key")
		return
	case errors.Is(err, meta.ErrConflict):
		writeError(w, http.StatusConflict, "a host named "+strconv.Quote(name)+" already exists; choose another --name", "name")
		return
	case err != nil:
		a.internal(w, r, "enroll host", err)
		return
	}
	a.log.Info("host enrolled itself", "host", h.Name, "host_id", h.ID, "key", k.Prefix, "remote", a.clientIP(r))
	a.auditAs(r, k.OrgID, 0, "enrollment key "+k.Prefix, "host.enroll", h.Name, "host id "+strconv.FormatInt(h.ID, 10))
	writeJSON(w, http.StatusCreated, map[string]any{"host_id": h.ID, "name": h.Name, "token": token})
}
