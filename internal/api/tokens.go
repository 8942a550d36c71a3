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

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	toks, err := a.cfg.Meta.ListAPITokens(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list tokens", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name          string `json:"name"`
		Scope         string `json:"scope"`
		ExpiresInDays *int   `json:"expires_in_days"`
	}
	if !decode(w, r, &body) {
		return
	}
	body.Name = strings.TrimSpace(body.Name)
	if body.Name == "" || len(body.Name) > 100 {
		writeError(w, http.StatusBadRequest, "name must be 1–100 characters", "name")
		return
	}
	if body.Scope != meta.ScopeRead && body.Scope != meta.ScopeWrite {
		writeError(w, http.StatusBadRequest, `scope must be "read" or "write"`, "scope")
		return
	}
	p, _ := auth.FromContext(r.Context())
	if body.Scope == meta.ScopeWrite && (p.ReadOnly || !p.Allows(meta.RoleEditor)) {
		writeError(w, http.StatusForbidden, "a viewer may only create read tokens", "scope")
		return
	}
	var exp *time.Time
	if body.ExpiresInDays != nil {
		if *body.ExpiresInDays < 1 || *body.ExpiresInDays > 3650 {
			writeError(w, http.StatusBadRequest, "expires_in_days must be between 1 and 3650", "expires_in_days")
			return
		}
		t := a.cfg.Now().Add(time.Duration(*body.ExpiresInDays) * 24 * time.Hour)
		exp = &t
	}
	tok, secret, err := a.cfg.Meta.CreateAPIToken(r.Context(), p.OrgID, p.UserID, body.Name, body.Scope, exp)
	if err != nil {
		a.internal(w, r, "create token", err)
		return
	}
	a.log.Info("API token created", "token_id", tok.ID, "name", tok.Name, "scope", tok.Scope, "by", p.Email)
	a.audit(r, "token.create", tok.Name, "scope "+tok.Scope+", prefix "+tok.Prefix)
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "secret": secret})
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	// Below admin, people may revoke only their own tokens.
	if !p.Allows(meta.RoleAdmin) {
		toks, err := a.cfg.Meta.ListAPITokens(r.Context(), p.OrgID)
		if err != nil {
			a.internal(w, r, "list tokens", err)
			return
		}
		for _, t := range toks {
			if t.ID == id && t.UserID != p.UserID {
				writeError(w, http.StatusForbidden, "only admins may revoke other people's tokens", "id")
				return
			}
		}
	}
	err := a.cfg.Meta.RevokeAPIToken(r.Context(), p.OrgID, id)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no token with id "+strconv.FormatInt(id, 10), "id")
		return
	}
	if err != nil {
		a.internal(w, r, "revoke token", err)
		return
	}
	a.log.Info("API token revoked", "token_id", id, "by", p.Email)
	a.audit(r, "token.revoke", strconv.FormatInt(id, 10), "")
	w.WriteHeader(http.StatusNoContent)
}
