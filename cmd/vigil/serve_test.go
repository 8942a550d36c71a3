package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-mon/vigil/internal/api"
	"github.com/vigil-mon/vigil/internal/hub"
)

func TestSMTPSettings(t *testing.T) {
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		cfg     hub.SMTPConfig
		file    string
		wantErr string
		wantPW  string
	}{
		{name: "no mail", cfg: hub.SMTPConfig{}},
		{name: "from without addr", cfg: hub.SMTPConfig{From: "a@b.c"}, wantErr: "need --smtp-addr"},
		{name: "addr without port", cfg: hub.SMTPConfig{Addr: "mail.example.com", From: "a@b.c"}, wantErr: "host:port"},
		{name: "bad from", cfg: hub.SMTPConfig{Addr: "mail:587", From: "Vigil <a@b.c>"}, wantErr: "--smtp-from"},
		{name: "password from file", cfg: hub.SMTPConfig{Addr: "mail:587", From: "a@b.c", User: "u"}, file: pwFile, wantPW: "hunter2"},
		{name: "password without user", cfg: hub.SMTPConfig{Addr: "mail:587", From: "a@b.c"}, file: pwFile, wantErr: "--smtp-user"},
		{name: "missing file", cfg: hub.SMTPConfig{Addr: "mail:587", From: "a@b.c", User: "u"}, file: pwFile + "x", wantErr: "--smtp-password-file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			err := smtpSettings(&c, tc.file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %v, want an error mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.Password != tc.wantPW {
				t.Errorf("got %v and password %q, want %q", err, c.Password, tc.wantPW)
			}
		})
	}
	t.Setenv("VIGIL_SMTP_PASSWORD", "from-env")
	c := hub.SMTPConfig{Addr: "mail:587", From: "a@b.c", User: "u"}
	if err := smtpSettings(&c, ""); err != nil || c.Password != "from-env" {
		t.Errorf("got %v %q, want the password from VIGIL_SMTP_PASSWORD", err, c.Password)
	}
}

func TestOIDCSettings(t *testing.T) {
	ok := api.OIDCConfig{Issuer: "https://id.example.com", ClientID: "vigil"}
	cases := []struct {
		name    string
		adjust  func(*api.OIDCConfig)
		domains string
		wantErr string
	}{
		{name: "minimal"},
		{name: "issuer without client", adjust: func(c *api.OIDCConfig) { c.ClientID = "" }, wantErr: "go together"},
		{name: "issuer not a URL", adjust: func(c *api.OIDCConfig) { c.Issuer = "id.example.com" }, wantErr: "--oidc-issuer"},
		{name: "owner as default role", adjust: func(c *api.OIDCConfig) { c.DefaultRole = "owner" }, wantErr: "--oidc-default-role"},
		{name: "both provisioning modes", adjust: func(c *api.OIDCConfig) { c.DefaultRole = "viewer"; c.AutoCreateOrg = true }, wantErr: "exclude"},
		{name: "domains", domains: " Example.com, @corp.example ,,"},
		{name: "settings without issuer", adjust: func(c *api.OIDCConfig) { c.Issuer, c.ClientID = "", "" }, domains: "example.com", wantErr: "need --oidc-issuer"},
		{name: "off", adjust: func(c *api.OIDCConfig) { c.Issuer, c.ClientID = "", "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			if tc.adjust != nil {
				tc.adjust(&c)
			}
			on, err := oidcSettings(&c, "", tc.domains)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %v, want an error mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || on != (c.Issuer != "") {
				t.Fatalf("got on=%v %v", on, err)
			}
			if tc.domains != "" && strings.Join(c.AllowedDomains, ",") != "example.com,corp.example" {
				t.Errorf("got domains %v", c.AllowedDomains)
			}
		})
	}
}
