package hub

import (
	"context"
	"net"
	"time"

	"github.com/vigil-mon/vigil/internal/notify"
)

// SMTPConfig is the server the hub sends its own mail through (password resets, invitations).
type SMTPConfig struct {
	Addr       string // host:port; empty means the hub sends no mail
	From       string
	User       string
	Password   string
	RequireTLS bool
}

// mailer sends the API's messages with internal/notify's SMTP client (STARTTLS when offered,
// no credentials without TLS except to localhost).
type mailer struct {
	cfg SMTPConfig
	now func() time.Time
}

func (m mailer) Mail(ctx context.Context, to, subject, text string) error {
	e := notify.Email{Addr: m.cfg.Addr, From: m.cfg.From, To: []string{to}, Username: m.cfg.User, Password: m.cfg.Password,
		RequireTLS: m.cfg.RequireTLS, Hello: helloName(m.cfg.From)}
	return e.Send(ctx, notify.Message{Subject: subject, Text: text, Severity: notify.SevInfo, Time: m.now()})
}

// helloName is the EHLO name: the sender's domain, which relays check more kindly than
// "localhost".
func helloName(from string) string {
	for i := len(from) - 1; i >= 0; i-- {
		if from[i] == '@' {
			if d := from[i+1:]; d != "" && net.ParseIP(d) == nil {
				return d
			}
			break
		}
	}
	return ""
}
