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
	"strconv"
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

// Hosts is the metadata ingest reads and writes. ApplyHostUpdates is called about once a
// second with everything learned since the previous call.
type Hosts interface {
	Authenticate(ctx context.Context, token string) (Host, error)
	ApplyHostUpdates(ctx context.Context, updates []HostUpdate) error
}

// Store is where snapshots go. Append must be durable when it returns: ingest acknowledges
// snapshots to the agent right after, and the agent then forgets them.
type Store interface {
	SeriesIDs(ctx context.Context, hostID int64, keys []series.Key) ([]uint32, error)
	// Keys returns the host's dictionary indexed by store ID as the store holds it in memory
	// (nil when not loaded); the slice is shared and never modified, only extended.
	Keys(hostID int64) []series.Key
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

// Probes connects agents that run uptime checks for the hub (protocol version 3, remote
// probes); the uptime service implements it. Calls come from connection goroutines.
type Probes interface {
	// ProbeChecks is the complete list of checks a host's agent runs.
	ProbeChecks(hostID int64) []wire.ProbeCheck
	// ProbeResults takes an agent's results.
	ProbeResults(ctx context.Context, hostID int64, results []wire.ProbeResult)
	// ProbeAgentOnline is told when an agent connects (with whether it accepts probes) and
	// when it disconnects.
	ProbeAgentOnline(ctx context.Context, hostID int64, online, accepts bool)
}

// Config holds the dependencies the composition root passes in.
type Config struct {
	Hosts      Hosts
	Store      Store
	Observer   Observer
	Extras     Extras // nil drops version 2 messages
	Probes     Probes // nil: agents are never asked to run checks
	Compressor *wire.Compressor
	Logger     *slog.Logger
	Registry   prometheus.Registerer
	Now        func() time.Time
	// HelloTimeout bounds how long an upgraded connection may stay silent before hello.
	HelloTimeout time.Duration
	// MaxHandshakes bounds agent handshakes in progress (token check, upgrade, hello, series
	// registration); more queue for a slot. Default 256: a slot is also held while the agent's
	// hello is on its way, which is no work for the hub, and with 64 the slots rather than the
	// hub's CPU or database limited a 10,000-agent reconnect (hub at half a core).
	MaxHandshakes int
	// AdmitWait is the longest a handshake queues for a slot; a handshake that would wait
	// longer gets 503 with Retry-After. Default 5 s (agents give up connecting after 15 s).
	AdmitWait time.Duration
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

	// admission bounds handshakes in progress (see admission.go): after a hub restart
	// thousands of agents reconnect at once.
	admission *admission
	// shaking holds the hosts with a handshake in progress (under mu): one at a time per host,
	// so a client holding one stolen token cannot take every handshake slot by upgrading and
	// then staying silent until HelloTimeout.
	shaking   map[int64]bool
	tokens    *tokenCache
	updates   hostUpdates
	noSpaceAt time.Time // last "disk full" log line, under mu
	stopFlush chan struct{}
	flushDone chan struct{}
	waitOnce  sync.Once
}

// Wait blocks until every connection has ended, then writes the last host updates. The
// composition root calls it after cancelling the connections' context and before closing the
// stores.
func (h *Handler) Wait() {
	h.active.Wait()
	h.waitOnce.Do(func() {
		close(h.stopFlush)
		<-h.flushDone
	})
}

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
	if cfg.MaxHandshakes <= 0 {
		cfg.MaxHandshakes = 256
	}
	if cfg.AdmitWait <= 0 {
		cfg.AdmitWait = 5 * time.Second
	}
	h := &Handler{
		cfg:       cfg,
		log:       cfg.Logger.With("component", "ingest"),
		metrics:   newMetrics(cfg.Registry),
		conns:     map[int64]*conn{},
		admission: newAdmission(cfg.MaxHandshakes, cfg.AdmitWait, cfg.Now),
		shaking:   map[int64]bool{},
		tokens:    newTokenCache(cfg.Now),
		updates:   hostUpdates{pending: map[int64]HostUpdate{}},
		stopFlush: make(chan struct{}),
		flushDone: make(chan struct{}),
	}
	go func() { defer close(h.flushDone); h.flushLoop(h.stopFlush) }()
	return h
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

// ChecksChanged sends a connected agent that accepts probes its new list of checks (from
// Probes.ProbeChecks). It is a no-op for other hosts: an agent gets its list when it connects.
func (h *Handler) ChecksChanged(hostID int64) {
	h.mu.Lock()
	c := h.conns[hostID]
	h.mu.Unlock()
	if c != nil && c.probes {
		c.sendProbeChecks()
	}
}

// AcceptsProbes reports whether the host's agent is connected here and accepts probes.
func (h *Handler) AcceptsProbes(hostID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.conns[hostID]
	return c != nil && c.probes
}

// Disconnect closes the connection of a host whose token was revoked or which was deleted, and
// forgets its verified tokens so that a reconnect is checked against the metadata store.
func (h *Handler) Disconnect(hostID int64, reason string) {
	h.tokens.dropHost(hostID)
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
	if !h.admission.acquire(r.Context()) {
		h.defer503(w, "hub busy with other agents' handshakes; retry after the Retry-After delay")
		return
	}
	freeSlot := sync.OnceFunc(h.admission.release)
	defer freeSlot()
	host, err := h.authenticate(r.Context(), token)
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
	h.mu.Lock()
	busy := h.shaking[host.ID]
	h.shaking[host.ID] = true
	h.mu.Unlock()
	if busy {
		h.defer503(w, "another handshake of this host is in progress; retry after the Retry-After delay")
		return
	}
	// release ends the handshake: when the welcome is sent, or when the connection ends first.
	release := sync.OnceFunc(func() {
		h.mu.Lock()
		delete(h.shaking, host.ID)
		h.mu.Unlock()
		freeSlot()
	})
	defer release()
	h.active.Add(1)
	defer h.active.Done()
	c, err := h.accept(w, r, host)
	if err != nil {
		h.log.Warn("agent websocket upgrade failed", "host", host.Name, "remote", r.RemoteAddr, "err", err)
		return
	}
	c.run(r.Context(), release)
}

// logNoSpace reports a full disk once every 10 s instead of once per refused batch, which
// would be thousands of lines a second with a large fleet.
func (h *Handler) logNoSpace(err error) {
	h.mu.Lock()
	now := time.Now()
	quiet := now.Sub(h.noSpaceAt) < 10*time.Second
	if !quiet {
		h.noSpaceAt = now
	}
	h.mu.Unlock()
	if !quiet {
		h.log.Error("disk full: refusing agents' snapshots until space is freed; agents keep them in their spools and retry", "err", err)
	}
}

// defer503 refuses a handshake for now: 503 with a Retry-After in whole seconds (RFC 9110
// §10.2.3), chosen by the admission control to spread returning agents.
func (h *Handler) defer503(w http.ResponseWriter, msg string) {
	h.metrics.deferred.Inc()
	w.Header().Set("Retry-After", strconv.Itoa(h.admission.retryAfter()))
	writeError(w, http.StatusServiceUnavailable, msg)
}

// authenticate checks an agent token, from the cache when it was verified recently.
func (h *Handler) authenticate(ctx context.Context, token string) (Host, error) {
	host, ok, gen := h.tokens.get(token)
	if ok {
		return host, nil
	}
	host, err := h.cfg.Hosts.Authenticate(ctx, token)
	if err == nil {
		h.tokens.put(token, host, gen)
	}
	return host, err
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
