package api

import (
	"net/http"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

func (a *API) totpStatus(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	t, err := a.cfg.Meta.GetTOTP(r.Context(), p.UserID)
	if err != nil {
		a.internal(w, r, "read two-factor state", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": t.Secret != ""})
}

// totpSetup starts enabling two-factor: a new secret, confirmed by totpEnable with a code.
func (a *API) totpSetup(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	secret := auth.NewTOTPSecret()
	if err := a.cfg.Meta.SetPendingTOTP(r.Context(), p.UserID, secret); err != nil {
		a.internal(w, r, "start two-factor setup", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "otpauth_url": auth.TOTPURL("Vigil", p.Email, secret)})
}

// totpEnable activates two-factor once the user proves their app produces codes, and returns
// ten recovery codes, shown only this once.
func (a *API) totpEnable(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Code string `json:"code"`
	}
	if !decode(w, r, &body) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	t, err := a.cfg.Meta.GetTOTP(r.Context(), p.UserID)
	if err != nil {
		a.internal(w, r, "read two-factor state", err)
		return
	}
	if t.Pending == "" {
		writeError(w, http.StatusConflict, "start with POST /api/v1/me/totp/setup", "")
		return
	}
	step, ok := auth.VerifyTOTP(t.Pending, body.Code, a.cfg.Now())
	if !ok {
		writeError(w, http.StatusBadRequest, "code does not match; check the authenticator app's clock", "code")
		return
	}
	codes := auth.NewRecoveryCodes(10)
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = meta.Hash(auth.NormalizeRecoveryCode(c))
	}
	if err := a.cfg.Meta.EnableTOTP(r.Context(), p.UserID, step, hashes); err != nil {
		a.internal(w, r, "enable two-factor", err)
		return
	}
	a.audit(r, "totp.enable", p.Email, "")
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

// totpDisable needs the password, so a borrowed unlocked browser cannot remove the second factor.
func (a *API) totpDisable(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Password string `json:"password"`
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
	if ok, _ := auth.VerifyPassword(hash, body.Password); !ok {
		a.limiter.Fail("user:" + p.Email)
		writeError(w, http.StatusForbidden, "password is wrong", "password")
		return
	}
	if err := a.cfg.Meta.DisableTOTP(r.Context(), p.UserID); err != nil {
		a.internal(w, r, "disable two-factor", err)
		return
	}
	a.audit(r, "totp.disable", p.Email, "")
	w.WriteHeader(http.StatusNoContent)
}

// secondFactor checks a login's TOTP or recovery code for a user with two-factor on. It
// answers the request itself and returns false when the login must not proceed.
func (a *API) secondFactor(w http.ResponseWriter, r *http.Request, userID int64, code, recovery string) bool {
	t, err := a.cfg.Meta.GetTOTP(r.Context(), userID)
	if err != nil {
		a.internal(w, r, "read two-factor state", err)
		return false
	}
	if t.Secret == "" {
		return true
	}
	switch {
	case recovery != "":
		if ok, err := a.cfg.Meta.UseRecoveryCode(r.Context(), userID, meta.Hash(auth.NormalizeRecoveryCode(recovery))); err == nil && ok {
			return true
		}
		writeError(w, http.StatusUnauthorized, "recovery code unknown or already used", "recovery_code")
	case code != "":
		if step, ok := auth.VerifyTOTP(t.Secret, code, a.cfg.Now()); ok {
			if fresh, err := a.cfg.Meta.UseTOTPStep(r.Context(), userID, step); err == nil && fresh {
				return true
			}
		}
		writeError(w, http.StatusUnauthorized, "two-factor code wrong or already used", "totp")
	default:
		writeError(w, http.StatusUnauthorized, "two-factor code required", "totp")
		return false // not a failed guess: the UI asks for the code next
	}
	return false
}
