package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// counters are the agent's own health figures, exposed on --listen as Prometheus text. They are
// written by hand rather than with client_golang, which would add megabytes to the binary and
// to its memory for a handful of numbers.
type counters struct {
	connected atomic.Bool
	connects  atomic.Uint64 // welcomed connections
	failures  atomic.Uint64 // failed or lost connections
	frames    atomic.Uint64 // frames sent
	bytes     atomic.Uint64 // bytes sent (frames, before WebSocket framing)
	dropped   atomic.Uint64 // snapshots dropped by the spool limits
}

// WriteMetrics writes the agent's counters in the Prometheus text exposition format.
func (a *Agent) WriteMetrics(w io.Writer) error {
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	_, err := fmt.Fprintf(w, `# HELP vigil_agent_snapshots_collected_total Snapshots collected since start.
# TYPE vigil_agent_snapshots_collected_total counter
vigil_agent_snapshots_collected_total %d
# HELP vigil_agent_snapshots_pending Snapshots waiting for the hub's acknowledgement.
# TYPE vigil_agent_snapshots_pending gauge
vigil_agent_snapshots_pending %d
# HELP vigil_agent_snapshots_dropped_total Unacknowledged snapshots dropped by the spool limits.
# TYPE vigil_agent_snapshots_dropped_total counter
vigil_agent_snapshots_dropped_total %d
# HELP vigil_agent_hub_connected 1 while a hub connection is up.
# TYPE vigil_agent_hub_connected gauge
vigil_agent_hub_connected %d
# HELP vigil_agent_hub_connects_total Hub connections established.
# TYPE vigil_agent_hub_connects_total counter
vigil_agent_hub_connects_total %d
# HELP vigil_agent_hub_failures_total Hub connections that failed or were lost.
# TYPE vigil_agent_hub_failures_total counter
vigil_agent_hub_failures_total %d
# HELP vigil_agent_frames_sent_total Protocol frames sent to hubs.
# TYPE vigil_agent_frames_sent_total counter
vigil_agent_frames_sent_total %d
# HELP vigil_agent_bytes_sent_total Protocol bytes sent to hubs.
# TYPE vigil_agent_bytes_sent_total counter
vigil_agent_bytes_sent_total %d
`, a.collected.Load(), a.store.Len(), a.stats.dropped.Load(), b2i(a.stats.connected.Load()), a.stats.connects.Load(),
		a.stats.failures.Load(), a.stats.frames.Load(), a.stats.bytes.Load())
	return err
}

// serveMetrics serves /metrics on addr until ctx ends.
func (a *Agent) serveMetrics(ctx context.Context, ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		a.WriteMetrics(w)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Error("metrics listener stopped", "addr", ln.Addr().String(), "err", err)
	}
}
