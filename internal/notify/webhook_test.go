package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type memRecorder struct {
	mu sync.Mutex
	as []Attempt
}

func (r *memRecorder) Record(_ context.Context, a Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.as = append(r.as, a)
}

// flakyHook is an httptest server that verifies each signed webhook and fails the first
// `fail` requests with 503.
func flakyHook(t *testing.T, secret string, fail int) (*httptest.Server, *[]webhookBody) {
	var mu sync.Mutex
	var got []webhookBody
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("receiver: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if n++; n <= fail {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var b webhookBody
		if err := json.Unmarshal(body, &b); err != nil {
			t.Errorf("receiver: decode %s: %v", body, err)
		}
		got = append(got, b)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestWebhookSignedAndRetried(t *testing.T) {
	srv, got := flakyHook(t, "s3cret", 2)
	rec := &memRecorder{}
	d := NewDispatcher(map[string]Channel{"hook": &Webhook{URL: srv.URL, Secret: "s3cret"}}, rec)
	var slept []time.Duration
	d.Sleep = func(_ context.Context, dur time.Duration) error { slept = append(slept, dur); return nil }
	m := Message{Subject: "Host down", Text: "h1 is down", Severity: SevCritical, Data: map[string]int{"hosts": 1}}
	if err := d.Deliver(context.Background(), "hook", m); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 1 || (*got)[0].Subject != "Host down" || (*got)[0].Severity != "critical" {
		t.Errorf("got bodies %+v, want one critical Host down", *got)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; len(slept) != 2 || slept[0] != want[0] || slept[1] != want[1] {
		t.Errorf("got backoff %v, want %v", slept, want)
	}
	if len(rec.as) != 3 || rec.as[0].Err == nil || rec.as[1].Err == nil || rec.as[2].Err != nil || rec.as[2].Try != 3 {
		t.Errorf("got attempts %+v, want fail, fail, success", rec.as)
	}
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(`{"subject":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	good := http.Header{}
	good.Set(HeaderTimestamp, "1800000000")
	good.Set(HeaderSignature, Sign("k", "1800000000", body))
	tests := []struct {
		name   string
		secret string
		body   string
		at     time.Time
		ok     bool
	}{
		{"valid", "k", string(body), now, true},
		{"wrong secret", "other", string(body), now, false},
		{"tampered body", "k", `{"subject":"y"}`, now, false},
		{"replayed later", "k", string(body), now.Add(10 * time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, good, []byte(tt.body), tt.at, 5*time.Minute)
			if got := err == nil; got != tt.ok || (!tt.ok && !errors.Is(err, ErrBadSignature)) {
				t.Errorf("got %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestWebhookPermanentFailureNotRetried(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	defer srv.Close()
	rec := &memRecorder{}
	d := NewDispatcher(map[string]Channel{"hook": &Webhook{URL: srv.URL}}, rec)
	d.Sleep = func(context.Context, time.Duration) error { t.Error("slept before a permanent failure"); return nil }
	err := d.Deliver(context.Background(), "hook", Message{Text: "x"})
	if !IsPermanent(err) || !strings.Contains(err.Error(), "status 404") || len(rec.as) != 1 {
		t.Errorf("got %v after %d attempts, want one permanent 404", err, len(rec.as))
	}
}

// chanFunc adapts a function to Channel for dispatcher tests that need no network.
type chanFunc func(context.Context, Message) error

func (f chanFunc) Send(ctx context.Context, m Message) error { return f(ctx, m) }

func TestBackoffTimingAndGiveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var at []time.Duration
		start := time.Now()
		fail := chanFunc(func(context.Context, Message) error {
			at = append(at, time.Since(start))
			return errors.New("down")
		})
		d := NewDispatcher(map[string]Channel{"c": fail}, nil)
		d.MaxDelay = 3 * time.Second
		err := d.Deliver(context.Background(), "c", Message{Text: "x"})
		want := []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second, 9 * time.Second}
		if err == nil || len(at) != len(want) {
			t.Fatalf("got %v after %v, want failure after attempts at %v", err, at, want)
		}
		for i := range want {
			if at[i] != want[i] {
				t.Errorf("attempt %d: got at %v, want %v", i+1, at[i], want[i])
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := d.Deliver(ctx, "c", Message{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the context deadline to stop retries", err)
		}
	})
}

func TestRoutingAndTestSend(t *testing.T) {
	var got []string
	mk := func(name string) Channel {
		return chanFunc(func(_ context.Context, m Message) error { got = append(got, name+":"+m.Subject); return nil })
	}
	rec := &memRecorder{}
	d := NewDispatcher(map[string]Channel{"chat": mk("chat"), "pager": mk("pager")}, rec)
	d.Routes = []Route{{Channel: "chat", MinSeverity: SevInfo}, {Channel: "pager", MinSeverity: SevCritical}}
	tests := []struct {
		sev  Severity
		want string
	}{{SevWarning, "chat:w"}, {SevCritical, "chat:c pager:c"}}
	for _, tt := range tests {
		got = nil
		if err := d.Dispatch(context.Background(), Message{Subject: tt.want[len(tt.want)-1:], Severity: tt.sev}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("severity %s: got %v, want %q", tt.sev, got, tt.want)
		}
	}
	got = nil
	if err := d.Test(context.Background(), "pager"); err != nil || len(got) != 1 || !rec.as[len(rec.as)-1].Test {
		t.Errorf("test send: got %v %v, want one recorded test send", err, got)
	}
	if err := d.Test(context.Background(), "nope"); !errors.Is(err, ErrUnknownChannel) {
		t.Errorf("got %v, want ErrUnknownChannel", err)
	}
}
