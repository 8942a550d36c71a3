package alerting

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/notify"
)

// The channel types. The set is closed; build lists each one.
const (
	ChannelEmail    = "email"
	ChannelWebhook  = "webhook"
	ChannelShoutrrr = "shoutrrr"
)

// Redacted stands in for a secret in everything the API returns and exports. Sending it back
// unchanged (an edit form, a re-imported export) keeps the stored secret.
const Redacted = "********"

// Channel is a notification destination of an organization. Which fields apply depends on
// Type: email uses SMTP, From, To, Username, Password, RequireTLS; webhook uses URL and
// Secret (HMAC key); shoutrrr uses URL (a shoutrrr service URL, e.g. ntfy://ntfy.sh/ops).
// Secret, Password and a shoutrrr URL (it carries the service's token) are secrets: never
// returned by the API, exported or logged in clear (see Redact).
type Channel struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name" json:"name"`
	Type       string   `yaml:"type" json:"type"`
	URL        string   `yaml:"url,omitempty" json:"url,omitempty"`
	Secret     string   `yaml:"secret,omitempty" json:"secret,omitempty"`
	SMTP       string   `yaml:"smtp,omitempty" json:"smtp,omitempty"`
	From       string   `yaml:"from,omitempty" json:"from,omitempty"`
	To         []string `yaml:"to,omitempty" json:"to,omitempty"`
	Username   string   `yaml:"username,omitempty" json:"username,omitempty"`
	Password   string   `yaml:"password,omitempty" json:"password,omitempty"`
	RequireTLS bool     `yaml:"require_tls,omitempty" json:"require_tls,omitempty"`
}

// idPattern is what rule, channel and silence IDs look like: they appear in URLs and YAML.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

func fieldErr(field, format string, a ...any) error {
	return &alert.FieldError{Field: field, Message: fmt.Sprintf(format, a...)}
}

// Validate checks the channel; every problem is an *alert.FieldError, joined.
func (c Channel) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) { errs = append(errs, fieldErr(field, format, a...)) }
	if !idPattern.MatchString(c.ID) {
		bad("id", "must be 1–64 lowercase letters, digits, '.', '-' or '_', starting with a letter or digit")
	}
	if strings.TrimSpace(c.Name) == "" || len(c.Name) > 100 {
		bad("name", "must be 1–100 characters")
	}
	switch c.Type {
	case ChannelWebhook:
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("url", "must be an absolute http or https URL")
		}
	case ChannelShoutrrr:
		if c.URL == "" {
			bad("url", "must be a shoutrrr service URL such as ntfy://ntfy.sh/topic")
		} else if !strings.HasSuffix(c.URL, "://"+Redacted) {
			if _, err := notify.NewShoutrrr(c.URL); err != nil {
				bad("url", "not a usable shoutrrr service URL (%s)", strings.TrimPrefix(err.Error(), "shoutrrr: "))
			}
		}
	case ChannelEmail:
		if _, port, err := net.SplitHostPort(c.SMTP); err != nil || port == "" {
			bad("smtp", "must be host:port of the SMTP server, e.g. mail.example.com:587")
		}
		if _, err := mail.ParseAddress(c.From); err != nil {
			bad("from", "must be an email address")
		}
		if len(c.To) == 0 {
			bad("to", "needs at least one recipient")
		}
		for _, to := range c.To {
			if _, err := mail.ParseAddress(to); err != nil {
				bad("to", "%q is not an email address", to)
				break
			}
		}
	default:
		bad("type", "unknown channel type %q (want email, webhook or shoutrrr)", c.Type)
	}
	return errors.Join(errs...)
}

// secrets returns the channel's secret values (for redacting error texts).
func (c Channel) secrets() []string {
	var out []string
	for _, s := range []string{c.Secret, c.Password} {
		if s != "" {
			out = append(out, s)
		}
	}
	if c.Type == ChannelShoutrrr && c.URL != "" {
		out = append(out, c.URL)
	}
	if c.Type == ChannelWebhook {
		// Chat webhooks (Slack, Teams) carry their token in the path or query.
		if u, err := url.Parse(c.URL); err == nil && (len(u.Path) > 1 || u.RawQuery != "") {
			out = append(out, strings.TrimPrefix(u.RequestURI(), "/"))
		}
	}
	return out
}

// Redact returns the channel with every secret replaced by Redacted.
func (c Channel) Redact() Channel {
	for _, p := range []*string{&c.Secret, &c.Password} {
		if *p != "" {
			*p = Redacted
		}
	}
	if c.Type == ChannelShoutrrr && c.URL != "" {
		scheme, _, _ := strings.Cut(c.URL, "://")
		c.URL = scheme + "://" + Redacted
	}
	c.To = append([]string(nil), c.To...)
	return c
}

// keepSecrets fills secrets the caller sent back as Redacted from the stored channel old.
// It reports a field that is redacted but has nothing stored to keep.
func (c *Channel) keepSecrets(old *Channel) error {
	keep := func(field string, p *string, stored string, redacted bool) error {
		if !redacted {
			return nil
		}
		if old == nil || stored == "" {
			return fieldErr(field, "is redacted; give the real value")
		}
		*p = stored
		return nil
	}
	var o Channel
	if old != nil {
		o = *old
	}
	return errors.Join(
		keep("secret", &c.Secret, o.Secret, c.Secret == Redacted),
		keep("password", &c.Password, o.Password, c.Password == Redacted),
		keep("url", &c.URL, o.URL, c.Type == ChannelShoutrrr && strings.HasSuffix(c.URL, "://"+Redacted)),
	)
}

// build turns the configuration into a deliverable notify.Channel.
func (c Channel) build() (notify.Channel, error) {
	switch c.Type {
	case ChannelWebhook:
		return &notify.Webhook{URL: c.URL, Secret: c.Secret}, nil
	case ChannelEmail:
		return &notify.Email{Addr: c.SMTP, From: c.From, To: c.To, Username: c.Username, Password: c.Password, RequireTLS: c.RequireTLS}, nil
	case ChannelShoutrrr:
		return notify.NewShoutrrr(c.URL)
	}
	return nil, fmt.Errorf("channel %q: unknown type %q", c.ID, c.Type)
}

// Route is an organization's default route: the channels for alerts whose rule names none.
type Route struct {
	Warning  []string `yaml:"warning,omitempty" json:"warning"`
	Critical []string `yaml:"critical,omitempty" json:"critical"`
}

func (r Route) channels(s alert.Severity) []string {
	if s == alert.SevCritical {
		return r.Critical
	}
	return r.Warning
}
