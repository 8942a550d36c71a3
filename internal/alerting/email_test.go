package alerting

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/vigil-mon/vigil/internal/alert"
)

// mailSession hands every message's data to got.
type mailSession struct{ got chan<- string }

func (s mailSession) Reset()                               {}
func (s mailSession) Logout() error                        { return nil }
func (s mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s mailSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.got <- string(b)
	return err
}

// TestEmailChannelEndToEnd: an email channel configured through the service delivers the
// grouped alert as an HTML + text email to a real SMTP server (github.com/emersion/go-smtp).
func TestEmailChannelEndToEnd(t *testing.T) {
	got := make(chan string, 4)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return mailSession{got}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	f := newFixture(t, 0)
	ctx := context.Background()
	if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "mail", Name: "Ops mail", Type: ChannelEmail, SMTP: l.Addr().String(),
		From: "vigil@example.com", To: []string{"ops@example.com"}}, true); err != nil {
		t.Fatal(err)
	}
	crit := 90.0
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "disk", Name: "Disk <full>", Kind: alert.KindMetric, Enabled: true, Metric: "fs.used_pct",
		Aggregation: alert.AggLast, Comparison: alert.GT, Critical: &crit, Routing: alert.Routing{Critical: []string{"mail"}}}, true); err != nil {
		t.Fatal(err)
	}
	h := f.host("db-1")
	f.s.HostSnapshot(h, f.org, f.now.UnixMilli(), nil, nil)
	f.snapshot(h, "fs.used_pct", 97)
	f.step(time.Second)
	select {
	case m := <-got:
		for _, want := range []string{"Subject: [Vigil] 1 firing: Disk <full>", "multipart/alternative", "text/plain", "text/html",
			"Disk &lt;full&gt;", "https://vigil.example/alerts"} {
			if !strings.Contains(m, want) {
				t.Errorf("email lacks %q:\n%s", want, m)
			}
		}
	case <-time.After(10 * time.Second):
		ds, _ := f.db.ListDeliveries(ctx, f.org, "mail", 0)
		t.Fatalf("no email after 10 s; delivery log %+v", ds)
	}
}
