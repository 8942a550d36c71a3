package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpSession captures one transaction on the in-process SMTP server.
type smtpSession struct {
	srv  *smtpSink
	conn *smtp.Conn
	from string
	to   []string
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, tlsOn := s.conn.TLSConnectionState()
	s.srv.got <- received{from: s.from, to: s.to, data: b, tls: tlsOn}
	return nil
}

type received struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// smtpSink is a real SMTP server (github.com/emersion/go-smtp) on a loopback port, offering
// STARTTLS with httptest's certificate.
type smtpSink struct {
	addr string
	got  chan received
	pool *x509.CertPool
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	certSrv := httptest.NewTLSServer(nil) // only for its loopback certificate
	t.Cleanup(certSrv.Close)
	sink := &smtpSink{got: make(chan received, 4), pool: x509.NewCertPool()}
	sink.pool.AddCert(certSrv.Certificate())
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: sink, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.TLSConfig = &tls.Config{Certificates: certSrv.TLS.Certificates}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	sink.addr = l.Addr().String()
	return sink
}

func TestEmailMultipartOverSTARTTLS(t *testing.T) {
	sink := newSMTPSink(t)
	e := &Email{Addr: sink.addr, From: "vigil@example.com", To: []string{"ops@example.com", "ann@example.com"},
		TLSConfig: &tls.Config{RootCAs: sink.pool, ServerName: "127.0.0.1"}, RequireTLS: true}
	m := Message{Subject: "2 firing: Disk usage — db1", Severity: SevCritical, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Text: "db1 / is 97% full (critical above 95%)", HTML: "<h1>Disk usage</h1><p><b>db1</b> / is 97% full</p>"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	r := <-sink.got
	if !r.tls {
		t.Error("got a plaintext session, want STARTTLS")
	}
	if r.from != e.From || strings.Join(r.to, ",") != "ops@example.com,ann@example.com" {
		t.Errorf("got envelope %s → %v, want %s → %v", r.from, r.to, e.From, e.To)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.data)))
	if err != nil {
		t.Fatal(err)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("got subject %q (%v), want %q", subj, err, m.Subject)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("got content type %q (%v), want multipart/alternative", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	want := []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}}
	for _, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %s: %v", w.typ, err)
		}
		body, _ := io.ReadAll(p) // the reader undoes quoted-printable
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, w.typ) || string(body) != w.body {
			t.Errorf("got part %q %q, want %q %q", ct, body, w.typ, w.body)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("got extra part (%v), want exactly two", err)
	}
}

func TestEmailRequireTLSWithoutSTARTTLS(t *testing.T) {
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{conn: c}, nil }))
	s.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	defer s.Close()
	e := &Email{Addr: l.Addr().String(), From: "a@x", To: []string{"b@x"}, RequireTLS: true}
	err = e.Send(context.Background(), Message{Text: "x"})
	if err == nil || !IsPermanent(err) {
		t.Errorf("got %v, want a permanent error for missing STARTTLS", err)
	}
}
