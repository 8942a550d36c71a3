package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// Email sends a multipart/alternative (plain text + HTML) message over SMTP. It upgrades
// with STARTTLS whenever the server offers it and refuses to send credentials without TLS
// (net/smtp's PlainAuth enforces that except on localhost).
type Email struct {
	Addr     string // host:port
	From     string
	To       []string
	Username string // optional; PLAIN auth when set
	Password string
	// TLSConfig is used for STARTTLS; nil means verify against the system roots with the
	// host name from Addr.
	TLSConfig *tls.Config
	// RequireTLS fails the send when the server does not offer STARTTLS.
	RequireTLS bool
	// Hello is the name sent in EHLO; default "localhost".
	Hello string
}

// Send delivers m to every recipient in one SMTP transaction.
func (e *Email) Send(ctx context.Context, m Message) error {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return Permanent(fmt.Errorf("email: bad address %q: %w", e.Addr, err))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("email: dial %s: %w", e.Addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(time.Minute))
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("email: greeting from %s: %w", e.Addr, err)
	}
	defer c.Close()
	if err := c.Hello(cmp.Or(e.Hello, "localhost")); err != nil {
		return fmt.Errorf("email: EHLO to %s: %w", e.Addr, err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := e.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("email: STARTTLS with %s: %w", e.Addr, err)
		}
	} else if e.RequireTLS {
		return Permanent(fmt.Errorf("email: %s does not offer STARTTLS", e.Addr))
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return Permanent(fmt.Errorf("email: auth as %s at %s: %w", e.Username, e.Addr, err))
		}
	}
	body, err := e.compose(m)
	if err != nil {
		return err
	}
	if err := c.Mail(e.From); err != nil {
		return fmt.Errorf("email: MAIL FROM %s: %w", e.From, err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("email: RCPT TO %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("email: write body: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("email: end of data: %w", err)
	}
	return c.Quit()
}

// compose builds the RFC 5322 message with a text part and, when m.HTML is set, an HTML
// alternative, both quoted-printable so long lines survive relays.
func (e *Email) compose(m Message) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	hdr := []string{
		"From: " + e.From,
		"To: " + strings.Join(e.To, ", "),
		"Subject: " + mime.QEncoding.Encode("utf-8", m.Subject),
		"Date: " + m.Time.Format(time.RFC1123Z),
		"Message-ID: <" + hex.EncodeToString(id) + "@vigil>",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + mw.Boundary(),
	}
	out := []byte(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	parts := []struct{ typ, body string }{{"text/plain", m.Text}}
	if m.HTML != "" {
		parts = append(parts, struct{ typ, body string }{"text/html", m.HTML})
	}
	for _, p := range parts {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("email: build %s part: %w", p.typ, err)
		}
		if err := writeQP(pw, p.body); err != nil {
			return nil, fmt.Errorf("email: encode %s part: %w", p.typ, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("email: close multipart: %w", err)
	}
	return append(out, buf.Bytes()...), nil
}

// writeQP writes s quoted-printable encoded to w.
func writeQP(w io.Writer, s string) error {
	qw := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qw, s); err != nil {
		return err
	}
	return qw.Close()
}
