package agent

import (
	"maps"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// collectUntil fires timers (schedule and backoff) while no hub takes the agent, until the
// source has collected n times in total.
func collectUntil(t *testing.T, f *fixture, n int) {
	t.Helper()
	for range 200 {
		f.src.mu.Lock()
		done := f.src.n >= n
		f.src.mu.Unlock()
		if done {
			return
		}
		f.clock.waitTimers(t, "schedule and backoff", count(2))
		f.clock.fireNext(t)
	}
	t.Fatalf("fewer than %d collections after 200 timer firings", n)
}

// checkStored expects the hub to hold n snapshots whose counter values, in time order, are
// 1…n: nothing lost, nothing reordered, each time stored once. With aligned, the times must
// also be t0, t0+10s, … (every collection was on a boundary).
func checkStored(t *testing.T, h *testHub, n int, aligned bool) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stored) != n {
		t.Errorf("hub holds %d snapshot times, want %d", len(h.stored), n)
	}
	times := slices.Sorted(maps.Keys(h.stored))
	for i, ts := range times {
		if got := h.stored[ts]["cpu.used_pct{}"]; got != float64(i+1) {
			t.Errorf("snapshot %d (at %d): got cpu.used_pct %v, want %d (gap or reordering)", i, ts, got, i+1)
		}
		if want := t0.Add(time.Duration(i) * 10 * time.Second).UnixMilli(); aligned && ts != want {
			t.Errorf("snapshot %d: got time %d, want %d", i, ts, want)
		}
	}
}

// drainBacklog reads batches until the one holding seq last, checking that backlog frames come
// oldest first and stay within the batch size.
func drainBacklog(t *testing.T, c *hubConn, last uint64) (backlog []uint64) {
	t.Helper()
	for {
		b, _ := c.nextBatch(t)
		if len(b.Snapshots) > 100 {
			t.Errorf("batch of %d snapshots, want at most 100", len(b.Snapshots))
		}
		done := false
		for _, s := range b.Snapshots {
			if b.Backlog {
				backlog = append(backlog, s.Seq)
			}
			done = done || s.Seq == last
		}
		if !slices.IsSorted(backlog) {
			t.Errorf("backlog sequence %v is not oldest first", backlog)
		}
		if done {
			return backlog
		}
	}
}

// TestBacklogAfterHubOutage drops the connection with one snapshot unacknowledged, keeps the
// hub down while the agent collects, and expects every snapshot stored once, with no gap, and
// acknowledged ones not sent again.
func TestBacklogAfterHubOutage(t *testing.T) {
	t.Run("spool", func(t *testing.T) { testBacklogAfterHubOutage(t, true) })
	t.Run("memory only", func(t *testing.T) { testBacklogAfterHubOutage(t, false) })
}

func testBacklogAfterHubOutage(t *testing.T, spooled bool) {
	h := newTestHub(t)
	f := newFixture(t)
	if !spooled {
		f.spool = ""
	}
	a, _ := f.start(t, h.srv.URL)
	c := recv(t, h.conns, "a connection")
	c.nextBatch(t) // t0
	recv(t, c.acked, "the first ack")
	f.clock.waitTimers(t, "the schedule", count(1))
	f.clock.fireNext(t)
	c.nextBatch(t) // t0+10s
	recv(t, c.acked, "the second ack")

	h.set(func(h *testHub) { h.noAck = true })
	f.clock.waitTimers(t, "the schedule", count(1))
	f.clock.fireNext(t)
	c.nextBatch(t) // t0+20s, never acknowledged
	h.set(func(h *testHub) { h.down = true })
	c.ws.Close(websocket.StatusGoingAway, "hub restarting")
	collectUntil(t, f, 6) // t0+30s … t0+50s while the hub refuses connections
	if n := a.store.Len(); n != 4 {
		t.Errorf("pending during the outage: got %d, want 4 (one unacknowledged, three new)", n)
	}

	h.set(func(h *testHub) { h.down, h.noAck = false, false })
	c2 := reconnect(t, f.clock, h)
	n := collections(f) // reconnecting may have fired the schedule too
	backlog := drainBacklog(t, c2, uint64(n))
	var want []uint64
	for seq := uint64(3); seq <= uint64(n); seq++ {
		want = append(want, seq)
	}
	if !slices.Equal(backlog, want) {
		t.Errorf("backlog seqs: got %v, want %v (acknowledged ones must not come back)", backlog, want)
	}
	// Live data continues on the same connection after the backlog.
	f.clock.waitTimers(t, "the schedule", count(1))
	f.clock.fireNext(t)
	if b, _ := c2.nextBatch(t); b.Backlog || b.Snapshots[0].Seq != uint64(n+1) {
		t.Errorf("after the backlog: got %+v, want live snapshot %d", b, n+1)
	}
	checkStored(t, h, n+1, true)
	h.mu.Lock()
	defer h.mu.Unlock()
	for ts, n := range h.received {
		if n > 1 && ts != t0.Add(20*time.Second).UnixMilli() {
			t.Errorf("snapshot at %d received %d times; only the unacknowledged one may repeat", ts, n)
		}
	}
}

// TestBacklogSurvivesRestart collects while no hub is reachable, stops the agent, and expects a
// new agent on the same spool to deliver those snapshots first and to continue the sequence.
func TestBacklogSurvivesRestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	f := newFixture(t)
	_, stop := f.start(t, dead)
	collectUntil(t, f, 3)
	stop()
	f.clock.advance(time.Second) // a restart takes a while: the new start is a new time

	h := newTestHub(t)
	a, _ := f.start(t, h.srv.URL)
	c := reconnect(t, f.clock, h)
	names := map[string]bool{}
	for _, s := range c.hello.Series {
		names[s.Name] = true
	}
	if !names["cpu.used_pct"] || !names["fs.used_pct"] {
		t.Errorf("hello after restart: got series %+v, want the spooled ones re-announced", c.hello.Series)
	}
	n := collections(f)
	drainBacklog(t, c, uint64(n))
	checkStored(t, h, n, false)
	if got := a.lastSeq.Load(); got != uint64(n) {
		t.Errorf("sequence after restart: got %d, want %d (continuing the spooled 1…3)", got, n)
	}
}

func collections(f *fixture) int {
	f.src.mu.Lock()
	defer f.src.mu.Unlock()
	return f.src.n
}
