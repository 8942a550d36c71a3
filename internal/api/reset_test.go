package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
)

// TestPasswordResetByEmail runs the whole reset against a real SMTP server: the link arrives by
// mail, works once, ends every session, and the second factor still applies afterwards.
func TestPasswordResetByEmail(t *testing.T) {
	sink := newMailSink(t)
	e := newEnv(t, withMail(sink.addr))
	c := e.owner(t)
	if code, body := e.browser(t).do(t, "GET", "/api/v1/auth/methods", ""); code != 200 || body["password_reset"] != true || body["password"] != true {
		t.Errorf("methods: got %d %v, want password and password_reset", code, body)
	}
	_, setup := c.do(t, "POST", "/api/v1/me/totp/setup", "")
	secret := setup["secret"].(string)
	now := time.Now()
	first, _ := auth.TOTPCode(secret, auth.TOTPStep(now))
	if code, _ := c.do(t, "POST", "/api/v1/me/totp/enable", `{"code":"`+first+`"}`); code != 200 {
		t.Fatalf("enable two-factor: got %d", code)
	}

	anon := e.browser(t)
	for _, tc := range []struct {
		body  string
		code  int
		field string
	}{
		{`{"email":"not an address"}`, 400, "email"},
		{`{"email":"x@example.com","extra":1}`, 400, "extra"},
		{`{}`, 400, "email"},
	} {
		if code, body := anon.do(t, "POST", "/api/v1/password-reset", tc.body); code != tc.code || body["field"] != tc.field {
			t.Errorf("%s: got %d %v, want %d naming %q", tc.body, code, body, tc.code, tc.field)
		}
	}
	// An unknown address gets the same answer and no mail; the known one gets the next mail.
	code, unknown := anon.do(t, "POST", "/api/v1/password-reset", `{"email":"nobody@example.com"}`)
	if code != 202 {
		t.Errorf("unknown address: got %d, want 202", code)
	}
	code, known := anon.do(t, "POST", "/api/v1/password-reset", `{"email":"OWNER@example.com"}`)
	if code != 202 || known["status"] != unknown["status"] {
		t.Errorf("known address: got %d %v, want 202 and the same body as %v", code, known, unknown)
	}
	m := sink.next(t)
	match := resetToken.FindStringSubmatch(m.text)
	if m.to != "owner@example.com" || match == nil || !strings.Contains(m.text, "http://hub:8080/reset-password?token=") {
		t.Fatalf("got mail to %s: %q, want a reset link to owner@example.com", m.to, m.text)
	}
	token := match[1]

	if code, body := anon.do(t, "GET", "/api/v1/password-reset?token="+token, ""); code != 200 || body["email"] != "owner@example.com" {
		t.Errorf("check link: got %d %v", code, body)
	}
	if code, body := anon.do(t, "GET", "/api/v1/password-reset?token=vgr_nope", ""); code != 404 || body["field"] != "token" {
		t.Errorf("wrong link: got %d %v, want 404", code, body)
	}
	if code, body := anon.do(t, "POST", "/api/v1/password-reset/confirm", `{"token":"`+token+`","password":"short"}`); code != 400 || body["field"] != "password" {
		t.Errorf("weak password: got %d %v, want 400 naming password", code, body)
	}
	if code, body := anon.do(t, "POST", "/api/v1/password-reset/confirm", `{"token":"nope","password":"a new long password"}`); code != 400 || body["field"] != "token" {
		t.Errorf("malformed token: got %d %v, want 400 naming token", code, body)
	}
	const newPW = "a new long password"
	if code, body := anon.do(t, "POST", "/api/v1/password-reset/confirm", `{"token":"`+token+`","password":"`+newPW+`"}`); code != 204 {
		t.Fatalf("confirm: got %d %v, want 204", code, body)
	}
	if code, _ := anon.do(t, "POST", "/api/v1/password-reset/confirm", `{"token":"`+token+`","password":"another long password"}`); code != 404 {
		t.Errorf("second use: got %d, want 404", code)
	}
	if code, _ := c.do(t, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("old session after reset: got %d, want 401", code)
	}
	login := func(password, extra string) (int, map[string]any) {
		return e.browser(t).do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+password+`"`+extra+`}`)
	}
	if code, _ := login(pw, ""); code != 401 {
		t.Errorf("old password: got %d, want 401", code)
	}
	if code, body := login(newPW, ""); code != 401 || body["field"] != "totp" {
		t.Errorf("new password alone: got %d %v, want 401 asking for totp (two-factor stays on)", code, body)
	}
	next, _ := auth.TOTPCode(secret, auth.TOTPStep(now)+1)
	if code, _ := login(newPW, `,"totp":"`+next+`"`); code != 200 {
		t.Errorf("new password and code: got %d, want 200", code)
	}
	ctx := t.Context()
	org, _ := e.db.FirstOrgID(ctx)
	entries, _ := e.db.ListAudit(ctx, org, 100, 0)
	seen := map[string]bool{}
	for _, en := range entries {
		seen[en.Action] = true
	}
	if !seen["password.reset.request"] || !seen["password.reset"] {
		t.Errorf("audit log lacks the reset: %v", seen)
	}
}

func TestPasswordResetRateLimit(t *testing.T) {
	e := newEnv(t, withMail("127.0.0.1:1"))
	anon := e.browser(t)
	for i := range 5 {
		if code, _ := anon.do(t, "POST", "/api/v1/password-reset", `{"email":"nobody@example.com"}`); code != 202 {
			t.Fatalf("request %d: got %d, want 202", i+1, code)
		}
	}
	code, body := anon.do(t, "POST", "/api/v1/password-reset", `{"email":"nobody@example.com"}`)
	if code != 429 || !strings.Contains(body["error"].(string), "too many") {
		t.Errorf("6th request: got %d %v, want 429", code, body)
	}
}

// TestMailNotConfigured: without SMTP settings the features that need mail say so with 409.
func TestMailNotConfigured(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	if code, body := c.do(t, "GET", "/api/v1/auth/methods", ""); code != 200 || body["password_reset"] != false || body["oidc"] != nil {
		t.Errorf("methods: got %d %v, want no reset and no oidc", code, body)
	}
	if code, body := c.do(t, "POST", "/api/v1/password-reset", `{"email":"owner@example.com"}`); code != 409 || !strings.Contains(body["error"].(string), "--smtp-addr") {
		t.Errorf("reset: got %d %v, want 409 naming --smtp-addr", code, body)
	}
	if code, body := c.do(t, "POST", "/api/v1/invitations", `{"email":"x@example.com","role":"viewer","send_email":true}`); code != 409 || body["field"] != "send_email" {
		t.Errorf("invite by email: got %d %v, want 409 naming send_email", code, body)
	}
	if code, body := c.do(t, "POST", "/api/v1/invitations", `{"email":"x@example.com","role":"viewer"}`); code != 201 || body["emailed"] != false {
		t.Errorf("invite by link: got %d %v, want 201 not emailed", code, body)
	}
}

func TestInvitationByEmail(t *testing.T) {
	sink := newMailSink(t)
	e := newEnv(t, withMail(sink.addr))
	c := e.owner(t)
	code, body := c.do(t, "POST", "/api/v1/invitations", `{"email":"New@Example.com","role":"editor","send_email":true}`)
	if code != 201 || body["emailed"] != true || body["email_error"] != nil {
		t.Fatalf("invite: got %d %v, want 201 emailed", code, body)
	}
	m := sink.next(t)
	if m.to != "new@example.com" || inviteToken.FindString(m.text) != body["link"] || !strings.Contains(m.text, "Acme") || !strings.Contains(m.text, "editor") {
		t.Errorf("got mail to %s: %q, want the link %v for Acme as editor", m.to, m.text, body["link"])
	}

	broken := newEnv(t, withMail("127.0.0.1:1")) // nothing listens there
	code, body = broken.owner(t).do(t, "POST", "/api/v1/invitations", `{"email":"new@example.com","role":"viewer","send_email":true}`)
	if code != 201 || body["emailed"] != false || !strings.Contains(body["email_error"].(string), "could not send") || body["link"] == "" {
		t.Errorf("unreachable SMTP: got %d %v, want 201 with email_error and the link", code, body)
	}
}

type discardMailer struct{}

func (discardMailer) Mail(context.Context, string, string, string) error { return nil }

// BenchmarkPasswordResetRequest compares the answer time of POST /api/v1/password-reset for an
// address with an account and one without: they must not differ enough to tell accounts apart.
// Requests are spaced so that background work does not overlap the next one. Each request
// comes from its own forwarded address and names its own account, so the rate
// limit does not trip.
func BenchmarkPasswordResetRequest(b *testing.B) {
	for _, known := range []bool{false, true} {
		name := map[bool]string{false: "unknown", true: "known"}[known]
		b.Run(name, func(b *testing.B) {
			t := &testing.T{}
			e := newEnv(t, func(c *Config) {
				c.Mailer = discardMailer{}
				c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
			})
			ctx := context.Background()
			org, _, _ := e.db.CreateOwner(ctx, "owner@example.com", "x", "Acme")
			_ = org
			for i := range b.N {
				if known {
					if _, err := e.db.CreateUser(ctx, fmt.Sprintf("u%d@example.com", i), "x"); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ResetTimer()
			for i := range b.N {
				// Let the previous request's background work finish, as it would between an
				// attacker's probes: only the answer time itself is measured.
				b.StopTimer()
				time.Sleep(20 * time.Millisecond)
				b.StartTimer()
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/password-reset", strings.NewReader(fmt.Sprintf(`{"email":"u%d@example.com"}`, i)))
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 202 {
					b.Fatalf("got %d", resp.StatusCode)
				}
			}
		})
	}
}
