package agent

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// fakeProcs stands in for the process walker: each walk reports one process and, from the
// second walk on, one start event. It records whether each walk asked for the full table.
type fakeProcs struct {
	mu    sync.Mutex
	walks []bool
}

func (f *fakeProcs) Walk(now time.Time, full bool) (wire.Procs, []wire.ProcEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.walks = append(f.walks, full)
	var evs []wire.ProcEvent
	if len(f.walks) > 1 {
		evs = []wire.ProcEvent{{Kind: wire.ProcStart, TimeMs: now.UnixMilli(), PID: uint32(100 + len(f.walks)), Name: "job"}}
	}
	return wire.Procs{TimeMs: now.UnixMilli(), Full: full, Total: 1, Procs: []wire.Process{{PID: 1, Name: "init", ReadBps: -1, WriteBps: -1}}}, evs, nil
}

type fakeServices struct{}

func (fakeServices) Check(_ context.Context, now time.Time) wire.Services {
	return wire.Services{TimeMs: now.UnixMilli(), Services: []wire.Service{{Kind: "tcp", Name: "127.0.0.1:1", State: wire.ServiceDown, Reason: "connection refused"}}}
}

func (f *fixture) startExtras(t *testing.T, p *fakeProcs, hubs ...string) *Agent {
	t.Helper()
	a, err := New(Config{Hubs: hubs, Token: "vgh_good", Source: f.src, Clock: f.clock, SpoolDir: f.spool, Version: "test",
		Procs: p, Services: fakeServices{}},
		slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); recv(t, done, "Run to return") })
	return a
}

// nextOf returns the connection's next message of type T, skipping others.
func nextOf[T wire.Message](t *testing.T, c *hubConn) T {
	t.Helper()
	for {
		if m, ok := recv(t, c.msgs, "a message").(T); ok {
			return m
		}
	}
}

// TestProcessAndServiceReports checks that a version 2 connection carries the process sample,
// the service report and process events, and that live mode asks for the full table.
func TestProcessAndServiceReports(t *testing.T) {
	h := newTestHub(t)
	f := newFixture(t)
	p := &fakeProcs{}
	f.startExtras(t, p, h.srv.URL)
	c := recv(t, h.conns, "a connection")
	if c.hello.Version != wire.Version {
		t.Fatalf("hello version: got %d, want %d", c.hello.Version, wire.Version)
	}
	if s := nextOf[*wire.Procs](t, c); s.Full || len(s.Procs) != 1 {
		t.Errorf("first process sample: got %+v, want one process, not the full table", s)
	}
	if s := nextOf[*wire.Services](t, c); len(s.Services) != 1 || s.Services[0].State != wire.ServiceDown {
		t.Errorf("service report: got %+v", s)
	}
	h.command(t, c, wire.Command{Kind: wire.CommandLiveOn})
	if s := nextOf[*wire.Procs](t, c); !s.Full {
		t.Errorf("process sample after live on: got Full false, want the full table")
	}
	if ev := nextOf[*wire.ProcEvents](t, c); len(ev.Events) != 1 || ev.Events[0].Name != "job" {
		t.Errorf("events: got %+v, want one start of job", ev)
	}
}

// TestFallsBackToV1 checks that a hub refusing version 2 gets a version 1 hello at once, and
// no version 2 message (the test hub's decoder fails the test on any).
func TestFallsBackToV1(t *testing.T) {
	h := newTestHub(t)
	h.set(func(h *testHub) { h.maxVersion = 1 })
	f := newFixture(t)
	f.startExtras(t, &fakeProcs{}, h.srv.URL)
	c := recv(t, h.conns, "a version 1 connection")
	if c.hello.Version != 1 {
		t.Fatalf("hello version: got %d, want 1", c.hello.Version)
	}
	if b, _ := c.nextBatch(t); len(b.Snapshots) == 0 {
		t.Error("no snapshots on the version 1 connection")
	}
}

// TestFallsBackToV2 checks that a hub of version 2 (no remote probes) gets a version 2 hello
// after refusing version 3, and still gets process and service reports.
func TestFallsBackToV2(t *testing.T) {
	h := newTestHub(t)
	h.set(func(h *testHub) { h.maxVersion = 2 })
	f := newFixture(t)
	f.startExtras(t, &fakeProcs{}, h.srv.URL)
	c := recv(t, h.conns, "a version 2 connection")
	if c.hello.Version != 2 || c.hello.Probes {
		t.Fatalf("hello: got version %d probes %v, want 2 and false", c.hello.Version, c.hello.Probes)
	}
	if s := nextOf[*wire.Procs](t, c); len(s.Procs) == 0 {
		t.Error("no process sample on the version 2 connection")
	}
}

func TestEventBufferBounded(t *testing.T) {
	x := extras{fresh: make(chan struct{}, 1)}
	for i := range wire.MaxProcEvents + 5 {
		x.addEvents([]wire.ProcEvent{{Kind: wire.ProcStart, PID: uint32(i)}})
	}
	_, evs, _ := x.take()
	if len(evs) != wire.MaxProcEvents || evs[0].PID != 5 || x.dropped != 5 {
		t.Errorf("got %d events from pid %d, %d dropped; want %d from pid 5, 5 dropped", len(evs), evs[0].PID, x.dropped, wire.MaxProcEvents)
	}
	x.giveBack(evs)
	x.addEvents([]wire.ProcEvent{{Kind: wire.ProcExit, PID: 99999}})
	_, evs, _ = x.take()
	if len(evs) != wire.MaxProcEvents || evs[len(evs)-1].PID != 99999 || evs[0].PID != 6 {
		t.Errorf("after give back: got %d events, first pid %d, last pid %d", len(evs), evs[0].PID, evs[len(evs)-1].PID)
	}
}
