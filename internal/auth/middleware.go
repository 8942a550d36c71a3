package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/vigil-mon/vigil/internal/meta"
)

// Cookie and header names shared with the web UI.
const (
	SessionCookie = "vigil_session"
	CSRFCookie    = "vigil_csrf"
	CSRFHeader    = "X-Vigil-CSRF"
)

// Principal is who makes a request, in which organization, with which role.
type Principal struct {
	UserID  int64
	Email   string
	OrgID   int64
	OrgName string
	Role    string
	// ReadOnly is set for read-scoped API tokens.
	ReadOnly bool
	// Session is the session secret when signed in by cookie (for logout).
	Session string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, if authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

var roleRank = map[string]int{meta.RoleViewer: 1, meta.RoleEditor: 2, meta.RoleAdmin: 3, meta.RoleOwner: 4}

// Allows reports whether the principal's role is at least min.
func (p Principal) Allows(min string) bool { return roleRank[p.Role] >= roleRank[min] }

// Errors Authenticate returns, each mapped to a status by the API.
var (
	ErrNoCredentials  = errors.New("sign in, or send Authorization: Bearer <API token>")
	ErrBadCredentials = errors.New("session expired or token invalid, expired or revoked")
	ErrCSRF           = errors.New("missing or wrong " + CSRFHeader + " header for a cookie-authenticated write")
	ErrReadOnly       = errors.New("this API token is read-only")
)

// Authenticator resolves requests to principals.
type Authenticator struct{ DB *meta.DB }

// Authenticate checks the bearer token or the session cookie. Cookie-authenticated unsafe
// methods must carry the CSRF header matching the session's CSRF secret: a cross-site form
// cannot read the cookie to copy it into a header.
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return Principal{}, ErrBadCredentials
		}
		t, err := a.DB.APITokenBySecret(ctx, secret)
		if err != nil {
			return Principal{}, credErr(err)
		}
		u, o, role, err := a.DB.Member(ctx, t.UserID, t.OrgID)
		if err != nil {
			return Principal{}, credErr(err)
		}
		p := Principal{UserID: u.ID, Email: u.Email, OrgID: o.ID, OrgName: o.Name, Role: role, ReadOnly: t.Scope != meta.ScopeWrite}
		if p.ReadOnly && !safeMethod(r.Method) {
			return p, ErrReadOnly
		}
		return p, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Principal{}, ErrNoCredentials
	}
	s, err := a.DB.SessionBySecret(ctx, c.Value)
	if err != nil {
		return Principal{}, credErr(err)
	}
	u, o, role, err := a.DB.Member(ctx, s.UserID, s.OrgID)
	if err != nil {
		return Principal{}, credErr(err)
	}
	p := Principal{UserID: u.ID, Email: u.Email, OrgID: o.ID, OrgName: o.Name, Role: role, Session: c.Value}
	if !safeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(s.CSRF)) != 1 {
		return p, ErrCSRF
	}
	return p, nil
}

func credErr(err error) error {
	if errors.Is(err, meta.ErrNotFound) {
		return ErrBadCredentials
	}
	return err
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
