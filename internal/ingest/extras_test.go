package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// recordingExtras keeps what the hub handed over, for the test to read.
type recordingExtras struct{ got chan wire.Message }

func (r *recordingExtras) Procs(_ context.Context, _ Host, m *wire.Procs) error {
	r.got <- m
	return nil
}

func (r *recordingExtras) ProcEvents(_ context.Context, _ Host, m *wire.ProcEvents) error {
	r.got <- m
	return nil
}

func (r *recordingExtras) Services(_ context.Context, _ Host, m *wire.Services) error {
	r.got <- m
	return nil
}

// TestVersions checks that the hub welcomes each accepted version with that version, and that
// only a version 2 connection may send the best-effort messages, which reach Extras.
func TestVersions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		version   uint32
		extrasOK  bool
		wantClose bool
	}{
		{"v1 agent", 1, false, true},
		{"v2 agent", 2, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rec := &recordingExtras{got: make(chan wire.Message, 4)}
			f.h.cfg.Extras = rec
			a, _, err := f.dial(t, "vgh_one")
			if err != nil {
				t.Fatal(err)
			}
			hello, err := a.enc.Hello(&wire.Hello{Version: tc.version, Series: testSeries})
			if err != nil {
				t.Fatal(err)
			}
			a.write(t, hello)
			m, err := a.next(t)
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := m.(*wire.Welcome); !ok || w.Version != tc.version {
				t.Fatalf("got %#v, want welcome of version %d", m, tc.version)
			}
			procs, err := a.enc.Procs(&wire.Procs{TimeMs: 1, Total: 1, Procs: []wire.Process{{PID: 1, Name: "init", ReadBps: -1, WriteBps: -1}}})
			if err != nil {
				t.Fatal(err)
			}
			a.write(t, procs)
			if tc.wantClose {
				m, err := a.next(t)
				if e, ok := m.(*wire.Error); err != nil || !ok || e.Code != wire.CodeProtocol {
					t.Fatalf("got %#v, %v; want a protocol error", m, err)
				}
				return
			}
			select {
			case m := <-rec.got:
				p, ok := m.(*wire.Procs)
				if !ok || len(p.Procs) != 1 || p.Procs[0].Name != "init" {
					t.Fatalf("got %#v, want the process sample", m)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("process sample never reached Extras")
			}
			// Snapshots still flow and are acknowledged on a version 2 connection.
			a.sendSnapshot(t, 1, time.Now().UnixMilli(), 1)
			a.expectAck(t, 1)
		})
	}
}
