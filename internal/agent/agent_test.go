package agent

import (
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/ingest"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
	_ "modernc.org/sqlite"
)

func TestWSURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://hub:8080", "ws://hub:8080/api/agent"},
		{"https://hub.example.com/", "wss://hub.example.com/api/agent"},
		{"wss://hub/api/agent", "wss://hub/api/agent"},
		{"hub.example.com", "wss://hub.example.com/api/agent"},
	}
	for _, tt := range tests {
		if got := wsURL(tt.in); got != tt.want {
			t.Errorf("wsURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// counter is a Source whose values count collections, so gaps and duplicates show.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) Facts() collect.Facts { return collect.Facts{Hostname: "test", Cores: 1} }
func (c *counter) Collect(time.Time) ([]collect.Sample, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return []collect.Sample{{Name: "cpu.used_pct", Value: float64(c.n)}, {Name: "load.1", Value: 0.123456}}, nil
}

type oneHost struct{}

func (oneHost) Authenticate(_ context.Context, tok string) (ingest.Host, error) {
	if tok != "vgh_good" {
		return ingest.Host{}, ingest.ErrUnknownToken
	}
	return ingest.Host{ID: 1, OrgID: 1, Name: "test"}, nil
}
func (oneHost) UpdateFacts(context.Context, int64, json.RawMessage, string) error { return nil }
func (oneHost) Touch(context.Context, int64, time.Time) error                     { return nil }

type quiet struct{}

func (quiet) HostOnline(int64, int64, bool)                                {}
func (quiet) HostSnapshot(int64, int64, int64, []series.Key, []wire.Value) {}
func (quiet) Watched(int64) bool                                           { return false }

// hub serves a real ingest handler over a real series store on a fixed address, so it can be
// stopped and started again where the agent expects it.
type hub struct {
	addr   string
	store  *series.Store
	srv    *httptest.Server
	cancel context.CancelFunc
	since  time.Time
}

func (h *hub) start(t *testing.T) {
	t.Helper()
	comp, _ := wire.NewCompressor()
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", h.addr, err)
	}
	h.addr = ln.Addr().String()
	h.srv = httptest.NewUnstartedServer(ingest.New(ingest.Config{Hosts: oneHost{}, Store: h.store, Observer: quiet{}, Compressor: comp}))
	h.srv.Listener = ln
	// WebSockets are hijacked connections that Server.Close does not end; cancelling their base
	// context does, as in the real hub.
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	h.srv.Start()
}

func (h *hub) stop() {
	h.cancel()
	h.srv.Close()
}

func (h *hub) stored(t *testing.T) []float64 {
	t.Helper()
	res, err := h.store.Query(context.Background(), series.Query{HostID: 1, Names: []string{"cpu.used_pct"}, From: h.since.UnixMilli(), To: time.Now().Add(2 * time.Second).UnixMilli(), Step: 1, MaxPoints: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, s := range res.Series {
		for _, v := range s.Values {
			if v == v {
				out = append(out, v)
			}
		}
	}
	return out
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBacklogAfterHubOutage stops the hub while the agent collects every second, starts it
// again, and expects every collected snapshot stored exactly once, in order.
func TestBacklogAfterHubOutage(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "h.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := series.Open(context.Background(), db, "sqlite", series.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := &hub{addr: "127.0.0.1:0", store: store, since: time.Now().Add(-2 * time.Second)}
	h.start(t)

	src := &counter{}
	a, err := New(Config{Hubs: []string{"http://" + h.addr}, Token: "vgh_good", Interval: time.Second, Source: src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitUntil(t, "two snapshots are stored", func() bool { return len(h.stored(t)) >= 2 })
	h.stop()
	waitUntil(t, "three snapshots are pending during the outage", func() bool { return a.queue.len() >= 3 })
	h.start(t)
	waitUntil(t, "the backlog is delivered", func() bool {
		src.mu.Lock()
		n := src.n
		src.mu.Unlock()
		ok := len(h.stored(t)) >= n-1 && a.queue.len() <= 1
		return ok
	})
	got := h.stored(t)
	for i, v := range got {
		if v != float64(i+1) {
			t.Fatalf("stored values %v: position %d is %v, want %d (gap or duplicate)", got, i, v, i+1)
		}
	}
}

// TestBacklogSurvivesAgentRestart collects while no hub is reachable, stops the agent, and
// expects a new agent on the same spool to deliver those snapshots once a hub is up.
func TestBacklogSurvivesAgentRestart(t *testing.T) {
	spoolDir := t.TempDir()
	src := &counter{}
	run := func(hubAddr string, until func() bool) {
		a, err := New(Config{Hubs: []string{"http://" + hubAddr}, Token: "vgh_good", Interval: time.Second, Source: src, SpoolDir: spoolDir}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()
		waitUntil(t, "the agent has done its part", until)
		cancel()
		<-done
	}
	// No hub listens on this address: a listener that is closed right away reserves a free port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	run(addr, func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.n >= 3 })

	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "h.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := series.Open(context.Background(), db, "sqlite", series.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := &hub{addr: addr, store: store, since: time.Now().Add(-time.Minute)}
	h.start(t)
	defer h.stop()
	run(addr, func() bool {
		got := h.stored(t)
		return len(got) >= 3 && got[0] == 1 && got[1] == 2 && got[2] == 3
	})
}

func TestRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no hub", Config{Token: "x"}},
		{"no token", Config{Hubs: []string{"http://h"}}},
		{"interval too short", Config{Hubs: []string{"http://h"}, Token: "x", Interval: time.Millisecond}},
		{"bad fingerprint", Config{Hubs: []string{"http://h"}, Token: "x", Fingerprint: "abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, nil); err == nil {
				t.Error("got nil error, want one")
			}
		})
	}
}

var _ = http.StatusOK
