package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/api"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/meta"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := hub.Config{Version: version}
	dbf := addDBFlags(fs)
	fs.StringVar(&cfg.Listen, "listen", envOr("VIGIL_LISTEN", "127.0.0.1:8080"), "address to serve HTTP(S) on [VIGIL_LISTEN]")
	fs.StringVar(&cfg.PublicURL, "public-url", os.Getenv("VIGIL_PUBLIC_URL"), "URL agents and browsers use to reach the hub (default derived from --listen) [VIGIL_PUBLIC_URL]")
	fs.StringVar(&cfg.TLSCert, "tls-cert", os.Getenv("VIGIL_TLS_CERT"), "TLS certificate file; serve HTTPS when set with --tls-key [VIGIL_TLS_CERT]")
	fs.StringVar(&cfg.TLSKey, "tls-key", os.Getenv("VIGIL_TLS_KEY"), "TLS key file [VIGIL_TLS_KEY]")
	fs.BoolVar(&cfg.LocalAgent, "local-agent", envOr("VIGIL_LOCAL_AGENT", "") == "true", "also monitor this machine with an agent inside the hub process [VIGIL_LOCAL_AGENT=true]")
	fs.DurationVar(&cfg.RawRetention, "retention-raw", 14*24*time.Hour, "how long raw samples are kept")
	fs.DurationVar(&cfg.MinuteRetention, "retention-1m", 90*24*time.Hour, "how long 1-minute rollups are kept")
	fs.DurationVar(&cfg.HourRetention, "retention-1h", 2*365*24*time.Hour, "how long 1-hour rollups are kept")
	fs.DurationVar(&cfg.AlertTick, "alert-tick", 5*time.Second, "how often alerting checks for hosts down, repeats and escalations")
	fs.DurationVar(&cfg.AlertGroupWait, "alert-group-wait", 30*time.Second, "how long a notification waits for others to share its message (0s sends at once)")
	fs.StringVar(&cfg.AlertSummary, "alert-summary", os.Getenv("VIGIL_ALERT_SUMMARY"), "local time HH:MM of a daily alert summary to the default route; empty = none [VIGIL_ALERT_SUMMARY]")
	fs.StringVar(&cfg.SMTP.Addr, "smtp-addr", os.Getenv("VIGIL_SMTP_ADDR"), "SMTP server host:port for the hub's own mail (password reset, invitations); none means no mail [VIGIL_SMTP_ADDR]")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", os.Getenv("VIGIL_SMTP_FROM"), "sender address of the hub's mail [VIGIL_SMTP_FROM]")
	fs.StringVar(&cfg.SMTP.User, "smtp-user", os.Getenv("VIGIL_SMTP_USER"), "SMTP user name (PLAIN auth, only over TLS) [VIGIL_SMTP_USER]")
	smtpPasswordFile := fs.String("smtp-password-file", os.Getenv("VIGIL_SMTP_PASSWORD_FILE"), "file holding the SMTP password (or set VIGIL_SMTP_PASSWORD) [VIGIL_SMTP_PASSWORD_FILE]")
	fs.BoolVar(&cfg.SMTP.RequireTLS, "smtp-require-tls", envOr("VIGIL_SMTP_REQUIRE_TLS", "") == "true", "refuse to send mail when the server offers no STARTTLS [VIGIL_SMTP_REQUIRE_TLS=true]")
	var oidcCfg api.OIDCConfig
	fs.StringVar(&oidcCfg.Issuer, "oidc-issuer", os.Getenv("VIGIL_OIDC_ISSUER"), "OpenID Connect issuer URL; enables \"Sign in with …\" [VIGIL_OIDC_ISSUER]")
	fs.StringVar(&oidcCfg.ClientID, "oidc-client-id", os.Getenv("VIGIL_OIDC_CLIENT_ID"), "client ID registered at the provider [VIGIL_OIDC_CLIENT_ID]")
	oidcSecretFile := fs.String("oidc-client-secret-file", os.Getenv("VIGIL_OIDC_CLIENT_SECRET_FILE"), "file holding the client secret (or set VIGIL_OIDC_CLIENT_SECRET) [VIGIL_OIDC_CLIENT_SECRET_FILE]")
	fs.StringVar(&oidcCfg.Name, "oidc-name", envOr("VIGIL_OIDC_NAME", "single sign-on"), "provider name on the login button [VIGIL_OIDC_NAME]")
	oidcDomains := fs.String("oidc-allowed-domains", os.Getenv("VIGIL_OIDC_ALLOWED_DOMAINS"), "comma-separated email domains allowed to sign in this way (default any) [VIGIL_OIDC_ALLOWED_DOMAINS]")
	fs.BoolVar(&oidcCfg.AutoCreateOrg, "oidc-auto-create-org", envOr("VIGIL_OIDC_AUTO_CREATE_ORG", "") == "true", "give a new organization to each unknown user who signs in [VIGIL_OIDC_AUTO_CREATE_ORG=true]")
	fs.StringVar(&oidcCfg.DefaultRole, "oidc-default-role", os.Getenv("VIGIL_OIDC_DEFAULT_ROLE"), "let unknown users in, joining the first organization with this role (viewer, editor or admin) [VIGIL_OIDC_DEFAULT_ROLE]")
	var proxies stringList
	if v := os.Getenv("VIGIL_TRUSTED_PROXIES"); v != "" {
		proxies = append(proxies, v)
	}
	fs.Var(&proxies, "trusted-proxy", "CIDR or address of a reverse proxy whose X-Forwarded-For is believed; repeatable [VIGIL_TRUSTED_PROXIES, comma-separated]")
	fs.StringVar(&cfg.SecretKeyFile, "secret-key-file", os.Getenv("VIGIL_SECRET_KEY_FILE"), "file holding the key (base64 of 32 bytes) that encrypts notification channel secrets in the database; default DATA/secret.key, created on first start. Give every hub sharing a database the same key, or set VIGIL_SECRET_KEY [VIGIL_SECRET_KEY_FILE]")
	level := fs.String("log-level", envOr("VIGIL_LOG_LEVEL", "info"), "debug, info, warn or error [VIGIL_LOG_LEVEL]")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if cfg.AlertSummary != "" {
		if _, err := time.Parse("15:04", cfg.AlertSummary); err != nil {
			return fmt.Errorf("--alert-summary %q: want a time of day as HH:MM", cfg.AlertSummary)
		}
	}
	if cfg.AlertTick < 100*time.Millisecond || cfg.AlertGroupWait < 0 {
		return fmt.Errorf("--alert-tick must be at least 100ms and --alert-group-wait not negative")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level %q: %w", *level, err)
	}
	if err := smtpSettings(&cfg.SMTP, *smtpPasswordFile); err != nil {
		return err
	}
	if on, err := oidcSettings(&oidcCfg, *oidcSecretFile, *oidcDomains); err != nil {
		return err
	} else if on {
		cfg.OIDC = &oidcCfg
	}
	trusted, err := auth.ParseTrustedProxies(proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	cfg.TrustedProxies = trusted
	cfg.SecretKey = os.Getenv("VIGIL_SECRET_KEY")
	cfg.DataDir, cfg.Database = *dbf.data, dbf.database
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg.Stdout = stdout
	return hub.Run(ctx, cfg)
}

// smtpSettings checks the mail flags and reads the password from its file or the environment,
// so that it never appears in the process list.
func smtpSettings(c *hub.SMTPConfig, passwordFile string) error {
	if c.Addr == "" {
		if c.From != "" || c.User != "" || passwordFile != "" {
			return errors.New("--smtp-from, --smtp-user and --smtp-password-file need --smtp-addr")
		}
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--smtp-addr %q: want host:port (e.g. mail.example.com:587): %w", c.Addr, err)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Address != c.From {
		return fmt.Errorf("--smtp-from %q: want a plain address like vigil@example.com", c.From)
	}
	c.Password = os.Getenv("VIGIL_SMTP_PASSWORD")
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("--smtp-password-file: %w", err)
		}
		c.Password = strings.TrimRight(string(b), "\r\n")
	}
	if c.Password != "" && c.User == "" {
		return errors.New("an SMTP password needs --smtp-user")
	}
	return nil
}

// oidcSettings checks the OpenID Connect flags and reads the client secret; it reports whether
// single sign-on is on.
func oidcSettings(c *api.OIDCConfig, secretFile, domains string) (bool, error) {
	if c.Issuer == "" && c.ClientID == "" {
		if secretFile != "" || domains != "" || c.DefaultRole != "" || c.AutoCreateOrg {
			return false, errors.New("the --oidc-* settings need --oidc-issuer and --oidc-client-id")
		}
		return false, nil
	}
	if c.Issuer == "" || c.ClientID == "" {
		return false, errors.New("--oidc-issuer and --oidc-client-id go together")
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return false, fmt.Errorf("--oidc-issuer %q: want the provider's https:// URL", c.Issuer)
	}
	c.ClientSecret = os.Getenv("VIGIL_OIDC_CLIENT_SECRET")
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return false, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		c.ClientSecret = strings.TrimRight(string(b), "\r\n")
	}
	for _, d := range strings.Split(domains, ",") {
		if d = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")); d != "" {
			c.AllowedDomains = append(c.AllowedDomains, strings.ToLower(d))
		}
	}
	switch c.DefaultRole {
	case "", meta.RoleViewer, meta.RoleEditor, meta.RoleAdmin:
	default:
		return false, fmt.Errorf("--oidc-default-role %q: want viewer, editor or admin", c.DefaultRole)
	}
	if c.DefaultRole != "" && c.AutoCreateOrg {
		return false, errors.New("--oidc-default-role and --oidc-auto-create-org exclude each other: unknown users either join the first organization or get their own")
	}
	return true, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
