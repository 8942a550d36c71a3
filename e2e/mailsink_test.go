package e2e

import (
	"io"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// mailSink is a real SMTP server (github.com/emersion/go-smtp) in the test process; the hub
// under test is started with --smtp-addr pointing at it.
type mailSink struct {
	addr string
	got  chan sentMail
}

type sentMail struct{ to, subject, text string }

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
	_, boundary, _ := strings.Cut(msg.Header.Get("Content-Type"), "boundary=")
	part, err := multipart.NewReader(msg.Body, strings.Trim(boundary, `"`)).NextPart()
	if err != nil {
		return err
	}
	text, _ := io.ReadAll(part)
	s.sink.got <- sentMail{to: strings.Join(s.to, ","), subject: msg.Header.Get("Subject"), text: string(text)}
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

func (s *mailSink) next(t *testing.T) sentMail {
	t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no mail arrived within 15 s")
		return sentMail{}
	}
}
