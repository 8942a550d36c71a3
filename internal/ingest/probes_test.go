package ingest

import (
	"context"
	"sync"
	"testing"

	"github.com/vigil-mon/vigil/internal/wire"
)

// testProbes is the uptime service's side of remote probes, recording what ingest hands it.
type testProbes struct {
	mu      sync.Mutex
	online  []string
	results []wire.ProbeResult
}

func (p *testProbes) ProbeChecks(hostID int64) []wire.ProbeCheck {
	return []wire.ProbeCheck{{ID: 5, Spec: []byte(`{"name":"x"}`)}}
}

func (p *testProbes) ProbeResults(_ context.Context, hostID int64, r []wire.ProbeResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.results = append(p.results, r...)
}

func (p *testProbes) ProbeAgentOnline(_ context.Context, hostID int64, online, accepts bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.online = append(p.online, map[bool]string{true: "on", false: "off"}[online]+map[bool]string{true: "+probes", false: ""}[accepts])
}

// TestProbeFrames checks the hub's side: an agent accepting probes gets its list after the
// welcome (and again on ChecksChanged) and may send results; one that did not accept probes
// gets no list, and results from it close its connection.
func TestProbeFrames(t *testing.T) {
	p := &testProbes{}
	f := newFixture(t, func(c *Config) { c.Probes = p })

	a, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := a.enc.Hello(&wire.Hello{Version: 3, AgentVersion: "test", Facts: []byte(`{}`), Series: testSeries, Probes: true})
	a.write(t, hello)
	if m, err := a.next(t); err != nil || m.Type() != wire.TypeWelcome {
		t.Fatalf("got %v %v, want welcome", m, err)
	}
	if m, err := a.next(t); err != nil || len(m.(*wire.ProbeChecks).Checks) != 1 {
		t.Fatalf("got %v %v, want the list of one check", m, err)
	}
	f.h.ChecksChanged(1)
	if m, err := a.next(t); err != nil || m.Type() != wire.TypeProbeChecks {
		t.Fatalf("after ChecksChanged: got %v %v, want the list again", m, err)
	}
	res, _ := a.enc.ProbeResults(&wire.ProbeResults{Results: []wire.ProbeResult{{CheckID: 5, Status: wire.ProbeUp, Message: "200 OK"}}})
	a.write(t, res)
	a.sendSnapshot(t, 1, 1763850000000, 1) // frames are handled in order: after its ack, the results were handed over
	a.expectAck(t, 1)
	p.mu.Lock()
	if len(p.results) != 1 || p.results[0].Message != "200 OK" {
		t.Errorf("results: got %+v", p.results)
	}
	p.mu.Unlock()

	b, _, err := f.dial(t, "vgh_two")
	if err != nil {
		t.Fatal(err)
	}
	b.handshake(t, 3) // probes not accepted
	f.h.ChecksChanged(2)
	b.write(t, res)
	m, err := b.next(t)
	if e, ok := m.(*wire.Error); err != nil || !ok || e.Code != wire.CodeProtocol {
		t.Fatalf("results without probes: got %v %v, want a protocol error (and no list before it)", m, err)
	}
	if _, err := b.next(t); err == nil {
		t.Error("connection still open after results from an agent without probes")
	}
}
