package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/wire"
)

// t0 is a multiple of every interval the tests use, so boundaries are easy to predict.
var t0 = time.Unix(1_800_000_000, 0)

// counter is a Source whose cpu.used_pct counts collections, so gaps and duplicates show. From
// the second collection on it also reports a new series (a mount appearing).
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) Facts() collect.Facts { return collect.Facts{Hostname: "test-host", Cores: 1} }
func (c *counter) Collect(time.Time) ([]collect.Sample, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	out := []collect.Sample{
		{Name: "cpu.used_pct", Value: float64(c.n)},
		{Name: "load.1", Value: 0.123456},  // catalogue scale 2
		{Name: "x.custom", Value: 1.23456}, // unknown: scale 2
	}
	if c.n >= 2 {
		out = append(out, collect.Sample{Name: "fs.used_pct", Label: "/data", Value: 50.005})
	}
	return out, nil
}

// syncBuffer collects log output from the agent's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type fixture struct {
	clock *fakeClock
	src   *counter
	logs  *syncBuffer
	spool string
}

func newFixture(t *testing.T) *fixture {
	return &fixture{clock: newFakeClock(t0), src: &counter{}, logs: &syncBuffer{}, spool: t.TempDir()}
}

// start builds an agent for hubs and runs it until the test ends (or stop is called), then
// checks that Run returned nil.
func (f *fixture) start(t *testing.T, hubs ...string) (*Agent, func()) {
	t.Helper()
	a, err := New(Config{Hubs: hubs, Token: "vgh_good", Source: f.src, Clock: f.clock, SpoolDir: f.spool, Version: "test"},
		slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := recv(t, done, "Run to return"); err != nil {
				t.Errorf("Run: got %v, want nil after cancel", err)
			}
		})
	}
	t.Cleanup(stop)
	return a, stop
}

func values(t *testing.T, h *testHub, timeMs int64) map[string]float64 {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stored[timeMs]
}

// TestStreams checks hello, rounded values, a dict for a new series, acks emptying the spool
// and a clean close.
func TestStreams(t *testing.T) {
	h := newTestHub(t)
	f := newFixture(t)
	a, stop := f.start(t, h.srv.URL)
	c := recv(t, h.conns, "a connection")

	if c.hello.Version != wire.Version || c.hello.AgentVersion != "test" || c.hello.IntervalMs != 10000 {
		t.Errorf("hello: got version %d, agent %q, interval %d; want %d, test, 10000", c.hello.Version, c.hello.AgentVersion, c.hello.IntervalMs, wire.Version)
	}
	var facts collect.Facts
	if err := json.Unmarshal(c.hello.Facts, &facts); err != nil || facts.Hostname != "test-host" {
		t.Errorf("hello facts %s: got %+v (%v), want hostname test-host", c.hello.Facts, facts, err)
	}

	// The first snapshot is taken at start; it may have been spooled before the connection
	// existed (then it is backlog), so either kind is fine.
	b, _ := c.nextBatch(t)
	if len(b.Snapshots) != 1 || b.Snapshots[0].TimeMs != t0.UnixMilli() {
		t.Fatalf("first batch: got %+v, want one snapshot at %d", b.Snapshots, t0.UnixMilli())
	}
	want := map[string]float64{"cpu.used_pct{}": 1, "load.1{}": 0.12, "x.custom{}": 1.23}
	if diff := cmp.Diff(want, values(t, h, t0.UnixMilli())); diff != "" {
		t.Errorf("first snapshot values (-want +got):\n%s", diff)
	}

	// The next boundary is 10 s later; that collection brings a new series, announced first.
	f.clock.waitTimers(t, "the schedule", func(ds []time.Duration) bool { return len(ds) == 1 && ds[0] == 10*time.Second })
	f.clock.fireNext(t)
	b, dict := c.nextBatch(t)
	if b.Backlog || len(b.Snapshots) != 1 || b.Snapshots[0].TimeMs != t0.Add(10*time.Second).UnixMilli() {
		t.Fatalf("second batch: got %+v, want one live snapshot at t0+10s", b)
	}
	if len(dict) != 1 || dict[0].Name != "fs.used_pct" || dict[0].Label != "/data" || dict[0].Unit != "%" || dict[0].Scale != 2 {
		t.Errorf("dict before the second batch: got %+v, want fs.used_pct{/data} in %% at scale 2", dict)
	}
	if got := values(t, h, t0.Add(10*time.Second).UnixMilli())["fs.used_pct{/data}"]; got != 50.01 && got != 50 {
		t.Errorf("fs.used_pct rounded: got %v, want 50.01 (or 50 from binary rounding)", got)
	}

	var m strings.Builder
	a.WriteMetrics(&m)
	for _, line := range []string{"vigil_agent_hub_connected 1", "vigil_agent_snapshots_collected_total 2", "vigil_agent_hub_connects_total 1"} {
		if !strings.Contains(m.String(), line+"\n") {
			t.Errorf("metrics: got\n%s\nwant a line %q", m.String(), line)
		}
	}

	// The hub acked both; once the connection ends (and Run arms its backoff, so the session is
	// over) the spool must be empty.
	recv(t, c.acked, "the first ack")
	recv(t, c.acked, "the second ack")
	c.ws.Close(websocket.StatusGoingAway, "hub restarting")
	f.clock.waitTimers(t, "schedule and backoff", count(2))
	if n := a.store.Len(); n != 0 {
		t.Errorf("after acks: got %d pending snapshots, want 0", n)
	}

	// Reconnect, then stop: the agent closes with a normal closure.
	c2 := reconnect(t, f.clock, h)
	stop()
	recv(t, c2.done, "the hub to see the close")
	if c2.closeStatus != websocket.StatusNormalClosure {
		t.Errorf("close status: got %v, want %v", c2.closeStatus, websocket.StatusNormalClosure)
	}
}

// reconnect fires timers (backoff and schedule) until the agent connects to h again. It fires
// only while both are armed, that is while the agent is idle and not connected.
func reconnect(t *testing.T, clk *fakeClock, h *testHub) *hubConn {
	t.Helper()
	for fired := 0; fired < 50; {
		ds, changed := clk.armed()
		if len(ds) == 2 {
			clk.fireNext(t)
			fired++
			continue
		}
		select {
		case c := <-h.conns:
			return c
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for the agent to connect or to arm a timer; armed: %v", ds)
		}
	}
	t.Fatal("the agent did not reconnect within 50 timer firings")
	return nil
}

// TestIntervalChanges checks live mode and the hub's interval settings.
func TestIntervalChanges(t *testing.T) {
	tests := []struct {
		name    string
		welcome wire.Welcome
		cmd     *wire.Command
		want    time.Duration
	}{
		{"own interval", wire.Welcome{}, nil, 10 * time.Second},
		{"welcome live", wire.Welcome{Live: true}, nil, time.Second},
		{"welcome interval", wire.Welcome{IntervalMs: 30000}, nil, 30 * time.Second},
		{"live on command", wire.Welcome{}, &wire.Command{Kind: wire.CommandLiveOn}, time.Second},
		{"set interval command", wire.Welcome{}, &wire.Command{Kind: wire.CommandSetInterval, Arg: 60000}, time.Minute},
		{"set interval clamped", wire.Welcome{}, &wire.Command{Kind: wire.CommandSetInterval, Arg: 1}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHub(t)
			tt.welcome.Version = wire.Version
			h.set(func(h *testHub) { h.welcome = tt.welcome })
			f := newFixture(t)
			f.start(t, h.srv.URL)
			c := recv(t, h.conns, "a connection")
			c.nextBatch(t)
			if tt.cmd != nil {
				h.command(t, c, *tt.cmd)
			}
			f.clock.waitTimers(t, "the schedule at "+tt.want.String(), func(ds []time.Duration) bool { return len(ds) == 1 && ds[0] == tt.want })
			for i := 1; i <= 2; i++ {
				f.clock.fireNext(t)
				b, _ := c.nextBatch(t)
				if got, want := b.Snapshots[0].TimeMs, t0.Add(time.Duration(i)*tt.want).UnixMilli(); got != want {
					t.Errorf("snapshot %d: got time %d, want %d", i, got, want)
				}
				f.clock.waitTimers(t, "the schedule", count(1))
			}
		})
	}
}

// TestLiveOffReturnsToInterval switches live on and off again, and checks that a disconnect
// also ends live mode.
func TestLiveOffReturnsToInterval(t *testing.T) {
	h := newTestHub(t)
	f := newFixture(t)
	f.start(t, h.srv.URL)
	c := recv(t, h.conns, "a connection")
	c.nextBatch(t)
	is := func(d time.Duration) func([]time.Duration) bool {
		return func(ds []time.Duration) bool { return len(ds) >= 1 && ds[0] == d }
	}
	h.command(t, c, wire.Command{Kind: wire.CommandLiveOn})
	f.clock.waitTimers(t, "1 s while live", is(time.Second))
	f.clock.fireNext(t)
	if b, _ := c.nextBatch(t); b.Snapshots[0].TimeMs != t0.Add(time.Second).UnixMilli() {
		t.Errorf("live snapshot at %d, want t0+1s", b.Snapshots[0].TimeMs)
	}
	h.command(t, c, wire.Command{Kind: wire.CommandLiveOff})
	f.clock.waitTimers(t, "back to the 10 s boundary", is(9*time.Second))
	f.clock.fireNext(t)
	if b, _ := c.nextBatch(t); b.Snapshots[0].TimeMs != t0.Add(10*time.Second).UnixMilli() {
		t.Errorf("snapshot after live off at %d, want t0+10s", b.Snapshots[0].TimeMs)
	}

	h.command(t, c, wire.Command{Kind: wire.CommandLiveOn})
	f.clock.waitTimers(t, "1 s while live", is(time.Second))
	c.ws.Close(websocket.StatusGoingAway, "bye")
	f.clock.waitTimers(t, "10 s schedule and a backoff after the disconnect", func(ds []time.Duration) bool {
		return len(ds) == 2 && (ds[0] == 10*time.Second || ds[1] == 10*time.Second)
	})
}

// TestRejectedToken checks the 401 path: a clear log line once, retries at the maximum
// backoff, and a connection once the token is accepted.
func TestRejectedToken(t *testing.T) {
	h := newTestHub(t)
	h.set(func(h *testHub) { h.token = "vgh_other" })
	f := newFixture(t)
	a, _ := f.start(t, h.srv.URL)
	hasBackoff := func(ds []time.Duration) bool {
		for _, d := range ds {
			if d == backoffMax {
				return true
			}
		}
		return false
	}
	f.clock.waitTimers(t, "a retry at the maximum backoff", hasBackoff)
	line := "agent token rejected by hub " + a.cfg.Hubs[0] + ": unknown agent token"
	if !strings.Contains(f.logs.String(), line) {
		t.Fatalf("log: got\n%s\nwant a line containing %q", f.logs, line)
	}
	// Fire until the retry happened and was rejected again: still one log line.
	for d := time.Duration(0); d != backoffMax; {
		f.clock.waitTimers(t, "schedule and backoff", count(2))
		d = f.clock.fireNext(t)
	}
	f.clock.waitTimers(t, "the second rejection's backoff", hasBackoff)
	if n := strings.Count(f.logs.String(), "agent token rejected"); n != 1 {
		t.Errorf("got %d rejection log lines after two attempts, want 1", n)
	}
	h.set(func(h *testHub) { h.token = "vgh_good" })
	reconnect(t, f.clock, h)
}

// TestFailover connects to the second hub when the first is down.
func TestFailover(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more: connections are refused
	h := newTestHub(t)
	f := newFixture(t)
	f.start(t, dead, h.srv.URL)
	c := reconnect(t, f.clock, h)
	if c.hello == nil {
		t.Fatal("no hello at the second hub")
	}
	if !strings.Contains(f.logs.String(), "cannot connect to hub") {
		t.Errorf("log: got\n%s\nwant the failed hub reported", f.logs)
	}
}

// TestHonoursRetryAfter checks that a hub answering 503 with Retry-After (its handshake
// admission control) is retried no sooner than it asked, and at most half again later.
func TestHonoursRetryAfter(t *testing.T) {
	h := newTestHub(t)
	h.set(func(h *testHub) { h.down, h.retryAfter = true, "20" })
	f := newFixture(t)
	f.start(t, h.srv.URL)
	ds := f.clock.waitTimers(t, "a retry after the hub's delay", func(ds []time.Duration) bool {
		return len(ds) == 2 && (ds[0] != 10*time.Second || ds[1] != 10*time.Second)
	})
	wait := ds[0]
	if wait == 10*time.Second {
		wait = ds[1]
	}
	if wait < 20*time.Second || wait > 30*time.Second {
		t.Errorf("got a retry after %s, want 20 s … 30 s as the hub asked", wait)
	}
	if !strings.Contains(f.logs.String(), "hub busy, asked to retry after 20s") {
		t.Errorf("log: got\n%s\nwant the hub's delay reported", f.logs)
	}
	h.set(func(h *testHub) { h.down, h.retryAfter = false, "" })
	reconnect(t, f.clock, h)
}
