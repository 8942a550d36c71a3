package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/vigil-mon/vigil/internal/meta"
)

// OIDCConfig configures sign-in with an OpenID Connect provider (authorization code flow with
// PKCE). By default only existing accounts may sign in, matched by the provider's verified email.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Name         string // shown on the login page: "Sign in with <Name>"
	// AllowedDomains, when set, are the only email domains that may sign in this way.
	AllowedDomains []string
	// DefaultRole, when set, lets unknown users in: they join the hub's first organization with
	// this role. AutoCreateOrg instead gives each unknown user a new organization they own.
	DefaultRole   string
	AutoCreateOrg bool
	// HTTPClient reaches the provider; nil means a client with a 15 s timeout.
	HTTPClient *http.Client
}

const (
	oidcCookie    = "vigil_oidc"
	oidcCookieTTL = 10 * time.Minute
	oidcCallback  = "/api/v1/auth/oidc/callback"
)

// oidcLogin holds the provider, discovered on first use (so a provider that is down at start
// does not stop the hub) and then kept.
type oidcLogin struct {
	cfg OIDCConfig
	key []byte // signs the flow cookie; per process, so a flow must end on the hub it began on

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCLogin(cfg OIDCConfig) *oidcLogin {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Name == "" {
		cfg.Name = "single sign-on"
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &oidcLogin{cfg: cfg, key: key}
}

func (o *oidcLogin) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.cfg.HTTPClient)
}

// discover returns the provider, fetching its discovery document the first time it succeeds.
func (o *oidcLogin) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	o.provider = p
	return p, nil
}

func (o *oidcLogin) oauth(p *oidc.Provider, publicURL string) *oauth2.Config {
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: publicURL + oidcCallback, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// oidcFlow is what the browser carries between start and callback, in a signed cookie: the
// state and nonce to compare with the provider's answer, the PKCE verifier and where to go next.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Expires  int64  `json:"e"` // unix seconds
}

func (o *oidcLogin) seal(f oidcFlow) string {
	payload := base64.RawURLEncoding.EncodeToString(must(json.Marshal(f)))
	mac := hmac.New(sha256.New, o.key)
	mac.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// open checks the cookie's signature and age; any tampering or garbage gives an error.
func (o *oidcLogin) open(v string, now time.Time) (oidcFlow, error) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok {
		return oidcFlow{}, errors.New("malformed flow cookie")
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil {
		return oidcFlow{}, errors.New("malformed flow cookie signature")
	}
	mac := hmac.New(sha256.New, o.key)
	mac.Write([]byte(payload))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return oidcFlow{}, errors.New("flow cookie signature does not match")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return oidcFlow{}, errors.New("malformed flow cookie payload")
	}
	var f oidcFlow
	if err := json.Unmarshal(raw, &f); err != nil {
		return oidcFlow{}, fmt.Errorf("flow cookie payload: %w", err)
	}
	if now.Unix() > f.Expires {
		return oidcFlow{}, errors.New("sign-in took longer than 10 minutes")
	}
	return f, nil
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext keeps the after-login destination on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/api/") {
		return "/"
	}
	return next
}

func (a *API) flowCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: oidcCookie, Value: value, Path: "/api/v1/auth/oidc/", MaxAge: maxAge, HttpOnly: true,
		Secure: a.cfg.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode} // Lax: it must come back on the provider's redirect
}

// oidcStart sends the browser to the provider with a fresh state, nonce and PKCE challenge.
func (a *API) oidcStart(w http.ResponseWriter, r *http.Request) {
	if a.oidc == nil {
		writeError(w, http.StatusNotFound, "this hub has no OpenID Connect provider configured (--oidc-issuer)", "")
		return
	}
	p, err := a.oidc.discover(r.Context())
	if err != nil {
		a.log.Error("OpenID provider discovery failed", "issuer", a.oidc.cfg.Issuer, "err", err)
		a.ssoFail(w, r, "provider")
		return
	}
	f := oidcFlow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next")), Expires: a.cfg.Now().Add(oidcCookieTTL).Unix()}
	http.SetCookie(w, a.flowCookie(r, a.oidc.seal(f), int(oidcCookieTTL.Seconds())))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, a.oidc.oauth(p, a.cfg.PublicURL).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

// ssoFail ends a sign-in attempt on the login page with a short code the page explains; codes
// rather than text, so a crafted link cannot make the page say anything else.
func (a *API) ssoFail(w http.ResponseWriter, r *http.Request, code string) {
	http.SetCookie(w, a.flowCookie(r, "", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login?sso_error="+url.QueryEscape(code), http.StatusSeeOther)
}

type oidcClaims struct {
	Email    string `json:"email"`
	Verified *bool  `json:"email_verified"`
	Name     string `json:"name"`
}

// oidcCallback checks the provider's answer against the flow cookie, redeems the code with the
// PKCE verifier, verifies the ID token (signature, issuer, audience, expiry, nonce), and signs in
// the account with the token's verified email.
func (a *API) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if a.oidc == nil {
		writeError(w, http.StatusNotFound, "this hub has no OpenID Connect provider configured (--oidc-issuer)", "")
		return
	}
	ipKey := "ip:" + a.clientIP(r)
	if ok, _ := a.limiter.Allow(ipKey); !ok {
		a.ssoFail(w, r, "rate")
		return
	}
	fail := func(code, why string, err error) {
		a.limiter.Fail(ipKey)
		a.log.Warn("OpenID Connect sign-in refused", "reason", why, "err", err, "remote", a.clientIP(r))
		a.ssoFail(w, r, code)
	}
	q := r.URL.Query()
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		fail("expired", "no flow cookie (expired, or started in another browser)", err)
		return
	}
	f, err := a.oidc.open(c.Value, a.cfg.Now())
	if err != nil {
		fail("expired", "bad flow cookie", err)
		return
	}
	if e := q.Get("error"); e != "" {
		fail("provider", "the provider answered "+e, errors.New(q.Get("error_description")))
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		fail("state", "state does not match", nil)
		return
	}
	p, err := a.oidc.discover(r.Context())
	if err != nil {
		fail("provider", "provider discovery", err)
		return
	}
	ctx, cancel := context.WithTimeout(a.oidc.ctx(r.Context()), 15*time.Second)
	defer cancel()
	tok, err := a.oidc.oauth(p, a.cfg.PublicURL).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		fail("provider", "code exchange", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail("provider", "no id_token in the token response", nil)
		return
	}
	idt, err := p.VerifierContext(ctx, &oidc.Config{ClientID: a.oidc.cfg.ClientID, Now: a.cfg.Now}).Verify(ctx, raw)
	if err != nil {
		fail("provider", "ID token verification", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		fail("nonce", "nonce does not match", nil)
		return
	}
	var cl oidcClaims
	if err := idt.Claims(&cl); err != nil {
		fail("provider", "ID token claims", err)
		return
	}
	email := strings.ToLower(strings.TrimSpace(cl.Email))
	if email == "" || cl.Verified == nil || !*cl.Verified {
		fail("unverified", "email missing or not verified: "+email, nil)
		return
	}
	if !a.oidc.domainAllowed(email) {
		fail("domain", "email domain not allowed: "+email, nil)
		return
	}
	u, orgID, code, err := a.oidcAccount(r, email)
	if err != nil {
		fail(code, "account for "+email, err)
		return
	}
	http.SetCookie(w, a.flowCookie(r, "", -1))
	if !a.startSession(w, r, u.ID, orgID) {
		return
	}
	a.auditAs(r, orgID, u.ID, email, "login", email, "via OpenID Connect ("+a.oidc.cfg.Name+")")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (o *oidcLogin) domainAllowed(email string) bool {
	if len(o.cfg.AllowedDomains) == 0 {
		return true
	}
	_, domain, _ := strings.Cut(email, "@")
	for _, d := range o.cfg.AllowedDomains {
		if strings.EqualFold(strings.TrimPrefix(d, "@"), domain) {
			return true
		}
	}
	return false
}

// oidcAccount finds the account for a verified email, or creates one when the configuration
// allows it, and returns the organization to sign in to. The error code is for ssoFail.
func (a *API) oidcAccount(r *http.Request, email string) (meta.User, int64, string, error) {
	ctx := r.Context()
	u, _, err := a.cfg.Meta.UserByEmail(ctx, email)
	switch {
	case err == nil:
		o, _, err := a.cfg.Meta.PrimaryMembership(ctx, u.ID)
		if err != nil {
			return u, 0, "no_org", err
		}
		return u, o.ID, "", nil
	case !errors.Is(err, meta.ErrNotFound):
		return u, 0, "failed", err
	case a.oidc.cfg.AutoCreateOrg:
		// No password: the account signs in through the provider (or sets one by reset email).
		u, o, err := a.cfg.Meta.CreateOwner(ctx, email, "", email)
		if err != nil {
			return u, 0, "failed", err
		}
		a.auditAs(r, o.ID, u.ID, email, "member.join", email, "as owner of a new organization, via OpenID Connect")
		return u, o.ID, "", nil
	case a.oidc.cfg.DefaultRole != "":
		orgID, err := a.cfg.Meta.FirstOrgID(ctx)
		if err != nil {
			return u, 0, "no_org", err
		}
		if u, err = a.cfg.Meta.CreateUser(ctx, email, ""); err != nil {
			return u, 0, "failed", err
		}
		if err := a.cfg.Meta.AddMember(ctx, orgID, u.ID, a.oidc.cfg.DefaultRole); err != nil {
			return u, 0, "failed", err
		}
		a.auditAs(r, orgID, u.ID, email, "member.join", email, "as "+a.oidc.cfg.DefaultRole+", via OpenID Connect")
		return u, orgID, "", nil
	default:
		return u, 0, "no_account", errors.New("no account and no provisioning configured")
	}
}
