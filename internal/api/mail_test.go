package api

import (
	"context"
	"io"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/vigil-mon/vigil/internal/notify"
)

// mailSink is a real SMTP server (github.com/emersion/go-smtp) on a loopback port that hands
// every message it accepts to got, as in internal/notify's tests.
type mailSink struct {
	addr string
	got  chan sentMail
}

type sentMail struct {
	to   string
	text string // the text/plain part, decoded
}

type sinkSession struct {
	sink *mailSink
	to   []string
}

func (s *sinkSession) Reset()                                    {}
func (s *sinkSession) Logout() error                             { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	_, params, _ := strings.Cut(msg.Header.Get("Content-Type"), "boundary=")
	part, err := multipart.NewReader(msg.Body, strings.Trim(params, `"`)).NextPart()
	if err != nil {
		return err
	}
	text, _ := io.ReadAll(part) // undoes quoted-printable
	s.sink.got <- sentMail{to: strings.Join(s.to, ","), text: string(text)}
	return nil
}

func newMailSink(t *testing.T) *mailSink {
	t.Helper()
	sink := &mailSink{got: make(chan sentMail, 16)}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: sink}, nil }))
	s.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	sink.addr = l.Addr().String()
	return sink
}

// next waits for the next message; the API sends reset mail in the background.
func (s *mailSink) next(t *testing.T) sentMail {
	t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no mail arrived within 10 s")
		return sentMail{}
	}
}

// smtpMailer is the hub's wiring in miniature: internal/notify's SMTP client per message.
type smtpMailer struct{ addr string }

func (m smtpMailer) Mail(ctx context.Context, to, subject, text string) error {
	e := notify.Email{Addr: m.addr, From: "vigil@example.com", To: []string{to}}
	return e.Send(ctx, notify.Message{Subject: subject, Text: text, Time: time.Now()})
}

func withMail(addr string) func(*Config) {
	return func(c *Config) { c.Mailer = smtpMailer{addr: addr} }
}

var (
	resetToken  = regexp.MustCompile(`/reset-password\?token=(vgr_[A-Za-z0-9_-]+)`)
	inviteToken = regexp.MustCompile(`http://hub:8080/invite\?token=[A-Za-z0-9_-]+`)
)
