package alerting

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/notify"
	"github.com/vigil-mon/vigil/internal/secrets"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

const hookSecret = "s3cret-hmac-key"

// receiver is an httptest webhook endpoint that verifies every request's HMAC signature
// and keeps the decoded bodies.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []struct {
		Subject  string      `json:"subject"`
		Severity string      `json:"severity"`
		Data     MessageData `json:"data"`
	}
	bad int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := notify.Verify(hookSecret, req.Header, body, time.Now(), time.Hour); err != nil {
			r.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.bodies = append(r.bodies, struct {
			Subject  string      `json:"subject"`
			Severity string      `json:"severity"`
			Data     MessageData `json:"data"`
		}{})
		if err := json.Unmarshal(body, &r.bodies[len(r.bodies)-1]); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// events returns "event:rule:host" for every alert received, and the message count.
func (r *receiver) events() ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.bodies {
		for _, a := range b.Data.Alerts {
			out = append(out, string(a.Event)+":"+a.RuleID+":"+a.Host)
		}
	}
	return out, len(r.bodies)
}

type fixture struct {
	t   testing.TB
	db  *meta.DB
	key Sealer // seals channel secrets, as in the hub
	s   *Service
	org int64
	now time.Time
}

func knownMetric(name string) bool {
	return slices.ContainsFunc(collect.Catalog(), func(m collect.Metric) bool { return m.Name == name })
}

func newFixture(t testing.TB, groupWait time.Duration) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := meta.Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return fixtureOn(t, db, groupWait)
}

// fixtureOn builds the fixture on an open store with a new owner and organization.
func fixtureOn(t testing.TB, db *meta.DB, groupWait time.Duration) *fixture {
	t.Helper()
	_, o, err := db.CreateOwner(context.Background(), "a@b.c", "h", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	key, err := secrets.Parse(secrets.Generate())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, key: key, org: o.ID, now: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	f.s = f.service(groupWait)
	return f
}

func (f *fixture) service(groupWait time.Duration) *Service {
	s := New(Config{DB: f.db, GroupWait: groupWait, KnownMetric: knownMetric, Now: func() time.Time { return f.now },
		RetryBase: time.Millisecond, PublicURL: "https://vigil.example", Secrets: f.key})
	if err := s.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// step advances the fixture clock by d, runs the service's time-driven work and waits for
// deliveries.
func (f *fixture) step(d time.Duration) {
	f.now = f.now.Add(d)
	f.s.Step(context.Background(), f.now)
	f.s.sending.Wait()
}

func (f *fixture) host(name string) int64 {
	h, _, err := f.db.CreateHost(context.Background(), f.org, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return h.ID
}

func (f *fixture) snapshot(host int64, metric string, v float64) {
	f.s.HostSnapshot(host, f.org, f.now.UnixMilli(), []series.Key{{Name: metric}}, []wire.Value{{ID: 0, V: v}})
}

func (f *fixture) webhook(url string) {
	f.t.Helper()
	if _, err := f.s.PutChannel(context.Background(), f.org, Channel{ID: "hook", Name: "Hook", Type: ChannelWebhook, URL: url, Secret: hookSecret}, true); err != nil {
		f.t.Fatal(err)
	}
}

// TestWebhookFiringThenResolved: a metric rule crossed by a host's snapshots sends a signed
// "firing" webhook, and a resolution once the value drops below the recovery threshold.
func TestWebhookFiringThenResolved(t *testing.T) {
	f := newFixture(t, -1)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	w, c, rec := 2.0, 4.0, 1.5
	_, err := f.s.PutRule(ctx, f.org, alert.Rule{Name: "Load high", Kind: alert.KindMetric, Enabled: true, Metric: "load.1",
		Aggregation: alert.AggLast, Comparison: alert.GT, Warning: &w, Critical: &c, Recovery: &rec, For: alert.Duration(10 * time.Second),
		Routing: alert.Routing{Warning: []string{"hook"}, Critical: []string{"hook"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	h := f.host("web-1")
	for range 3 {
		f.snapshot(h, "load.1", 3)
		f.step(5 * time.Second)
	}
	got, n := rcv.events()
	if !slices.Equal(got, []string{"firing:load-high:web-1"}) || n != 1 {
		t.Fatalf("got %v in %d messages, want one firing for web-1", got, n)
	}
	f.snapshot(h, "load.1", 1.8) // below warning but above recovery: still firing
	f.step(5 * time.Second)
	f.snapshot(h, "load.1", 0.5)
	f.step(5 * time.Second)
	got, _ = rcv.events()
	if !slices.Equal(got, []string{"firing:load-high:web-1", "resolved:load-high:web-1"}) {
		t.Fatalf("got %v, want firing then resolved", got)
	}
	if rcv.bodies[0].Severity != "warning" || !strings.Contains(rcv.bodies[0].Subject, "Load high") {
		t.Errorf("got first message %+v, want warning with the rule name", rcv.bodies[0])
	}
	hist, err := f.db.ListAlertEvents(ctx, f.org, meta.AlertEventFilter{RuleID: "load-high"})
	var path []string
	for _, e := range slices.Backward(hist) {
		path = append(path, e.From+">"+e.To)
	}
	if want := "ok>pending pending>firing firing>resolved resolved>ok"; err != nil || strings.Join(path, " ") != want {
		t.Errorf("got history %v %v, want %s", path, err, want)
	}
	ds, _ := f.db.ListDeliveries(ctx, f.org, "hook", 0)
	if len(ds) != 2 || !ds[0].OK {
		t.Errorf("got delivery log %+v, want 2 successful attempts", ds)
	}
}
