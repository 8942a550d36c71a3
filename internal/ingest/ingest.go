// Package ingest accepts agent connections on /api/agent: it authenticates the agent token,
// decodes wire frames, stores snapshots durably, acknowledges them, and hands the newest values to
// the live fan-out. One goroutine reads each connection; a bad frame closes only its connection.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Host is what ingest needs to know about an authenticated agent.
type Host struct {
	ID    int64
	OrgID int64
	Name  string
}

// ErrUnknownToken is returned by Hosts.Authenticate for a wrong or revoked token.
var ErrUnknownToken = errors.New("agent token not recognised or revoked")

// Hosts is the metadata ingest reads and writes.
type Hosts interface {
	Authenticate(ctx context.Context, token string) (Host, error)
	UpdateFacts(ctx context.Context, hostID int64, facts json.RawMessage, agentVersion string) error
	Touch(ctx context.Context, hostID int64, t time.Time) error
}

// Store is where snapshots go. Append must be durable when it returns: ingest acknowledges
// snapshots to the agent right after, and the agent then forgets them.
type Store interface {
	SeriesIDs(ctx context.Context, hostID int64, keys []series.Key) ([]uint32, error)
	Append(ctx context.Context, hostID int64, snaps []series.Snapshot) error
}

// Observer is told about connections and the newest live snapshot of every host. Calls come
// from connection goroutines and must not block.
type Observer interface {
	HostOnline(hostID, orgID int64, online bool)
	// HostSnapshot passes keys indexed by wire series ID; values[i].ID indexes keys. Both slices
	// are only valid during the call.
	HostSnapshot(hostID, orgID int64, timeMs int64, keys []series.Key, values []wire.Value)
	Watched(hostID int64) bool
}

// Extras receives the best-effort version 2 messages (process samples and events, services
// and containers). Calls come from the connection's goroutine in arrival order; an error is
// logged and the connection stays up, because nothing was promised for these frames.
type Extras interface {
	Procs(ctx context.Context, host Host, m *wire.Procs) error
	ProcEvents(ctx context.Context, host Host, m *wire.ProcEvents) error
	Services(ctx context.Context, host Host, m *wire.Services) error
}

// Config holds the dependencies the composition root passes in.
type Config struct {
	Hosts      Hosts
	Store      Store
	Observer   Observer
	Extras     Extras // nil drops version 2 messages
	Compressor *wire.Compressor
	Logger     *slog.Logger
	Registry   prometheus.Registerer
	Now        func() time.Time
	// HelloTimeout bounds how long an upgraded connection may stay silent before hello.
	HelloTimeout time.Duration
}

// Handler serves /api/agent and knows which agents are connected.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics

	mu    sync.Mutex
	conns map[int64]*conn
	// active counts running connections so that shutdown can wait for their last writes
	// before the stores close.
	active sync.WaitGroup
}

// Wait blocks until every connection has ended. The composition root calls it after cancelling
// the connections' context and before closing the stores.
func (h *Handler) Wait() { h.active.Wait() }

// New builds the handler. Metrics are registered on cfg.Registry when it is set.
func New(cfg Config) *Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HelloTimeout == 0 {
		cfg.HelloTimeout = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "ingest"),
		metrics: newMetrics(cfg.Registry),
		conns:   map[int64]*conn{},
	}
}

// Online reports whether the host's agent is connected to this hub.
func (h *Handler) Online(hostID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.conns[hostID]
	return ok
}

// SetLive tells a connected agent to start or stop 1-second collection. It is a no-op for hosts
// not connected here.
func (h *Handler) SetLive(hostID int64, on bool) {
	h.mu.Lock()
	c := h.conns[hostID]
	h.mu.Unlock()
	if c == nil {
		return
	}
	kind := wire.CommandLiveOff
	if on {
		kind = wire.CommandLiveOn
	}
	c.send(c.enc.Command(&wire.Command{Kind: kind}))
}

// Disconnect closes the connection of a host whose token was revoked or which was deleted.
func (h *Handler) Disconnect(hostID int64, reason string) {
	h.mu.Lock()
	c := h.conns[hostID]
	h.mu.Unlock()
	if c != nil {
		c.fail(wire.CodeUnauthorized, reason)
	}
}

// register makes c the host's connection, closing an older one: an agent that reconnects before
// its old TCP connection timed out must not be refused, and two agents with one token would
// otherwise interleave sequence numbers.
func (h *Handler) register(c *conn) {
	h.mu.Lock()
	old := h.conns[c.host.ID]
	h.conns[c.host.ID] = c
	h.mu.Unlock()
	if old != nil {
		h.log.Warn("agent connected twice; closing the older connection", "host", c.host.Name, "host_id", c.host.ID, "old_remote", old.remote, "new_remote", c.remote)
		old.fail(wire.CodeProtocol, "replaced by a newer connection of the same host")
	}
}

func (h *Handler) unregister(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[c.host.ID] == c {
		delete(h.conns, c.host.ID)
		return true
	}
	return false
}

// ServeHTTP authenticates the agent and then runs the connection until it ends.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		h.metrics.refused.Inc()
		h.log.Warn("agent connection refused: no bearer token", "remote", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, "missing agent token: send Authorization: Bearer <agent token>")
		return
	}
	host, err := h.cfg.Hosts.Authenticate(r.Context(), token)
	if errors.Is(err, ErrUnknownToken) {
		h.metrics.refused.Inc()
		h.log.Warn("agent connection refused: token not recognised or revoked", "remote", r.RemoteAddr, "token_prefix", tokenPrefix(token))
		writeError(w, http.StatusUnauthorized, ErrUnknownToken.Error())
		return
	}
	if err != nil {
		h.log.Error("agent authentication failed", "remote", r.RemoteAddr, "err", err)
		writeError(w, http.StatusServiceUnavailable, "hub cannot check agent tokens right now; retry later")
		return
	}
	h.active.Add(1)
	defer h.active.Done()
	c, err := h.accept(w, r, host)
	if err != nil {
		h.log.Warn("agent websocket upgrade failed", "host", host.Name, "remote", r.RemoteAddr, "err", err)
		return
	}
	c.run(r.Context())
}

// tokenPrefix returns the non-secret start of a token so that log lines can tell tokens apart.
func tokenPrefix(t string) string {
	if len(t) > 8 {
		return t[:8]
	}
	return "(short)"
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
