package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/wire"
)

func (f *fixture) startProbes(t *testing.T, probes bool, hubs ...string) {
	t.Helper()
	a, err := New(Config{Hubs: hubs, Token: "vgh_good", Source: f.src, Clock: f.clock, SpoolDir: f.spool, Version: "test", Probes: probes},
		slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); recv(t, done, "Run to return") })
}

// TestProbes checks remote probes on the agent's side against a real HTTP target: with
// --probes the hello says so, an assigned check runs at once and its result comes back (with
// the X-Vigil-Probe header naming the agent); without it the hello says no and checks the hub
// sends anyway are never run.
func TestProbes(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		t.Run(fmt.Sprint("probes=", enabled), func(t *testing.T) {
			got := make(chan string, 10)
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- r.Header.Get("X-Vigil-Probe")
				fmt.Fprint(w, "ok")
			}))
			defer target.Close()
			h := newTestHub(t)
			f := newFixture(t)
			f.startProbes(t, enabled, h.srv.URL)
			c := recv(t, h.conns, "a connection")
			if c.hello.Version != 3 || c.hello.Probes != enabled {
				t.Fatalf("hello: got version %d probes %v, want 3 and %v", c.hello.Version, c.hello.Probes, enabled)
			}
			spec := `{"name":"site","type":"http","url":"` + target.URL + `/","interval_s":60,"timeout_ms":2000}`
			frame, err := wire.NewEncoder(h.comp).ProbeChecks(&wire.ProbeChecks{Checks: []wire.ProbeCheck{{ID: 42, Spec: []byte(spec)}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.ws.Write(t.Context(), websocket.MessageBinary, frame); err != nil {
				t.Fatal(err)
			}
			if !enabled {
				// The agent logs that it ignores the checks; nothing reaches the target.
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(f.logs.String(), "ignoring them") {
					if time.Now().After(deadline) {
						t.Fatalf("no warning about ignored checks in:\n%s", f.logs.String())
					}
					time.Sleep(10 * time.Millisecond)
				}
				select {
				case loc := <-got:
					t.Fatalf("an agent without probes made a request (X-Vigil-Probe %q)", loc)
				case <-time.After(300 * time.Millisecond):
				}
				return
			}
			if loc := recv(t, got, "the probe's request"); loc != "host:7" {
				t.Errorf("X-Vigil-Probe: got %q, want host:7 (the welcome's host id)", loc)
			}
			res := nextOf[*wire.ProbeResults](t, c)
			if len(res.Results) != 1 || res.Results[0].CheckID != 42 || res.Results[0].Status != wire.ProbeUp || res.Results[0].Message != "200 OK" {
				t.Errorf("results: got %+v, want check 42 up with 200 OK", res.Results)
			}
		})
	}
}
