// Package agent is the runtime of vigil-agent: it collects on a schedule, keeps every snapshot
// in a spool until the hub acknowledges it, and streams over one outbound WebSocket,
// reconnecting with backoff and failing over between hub URLs.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/agent/spool"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Source is what the runtime collects from; *collect.Collector is the real one.
type Source interface {
	Facts() collect.Facts
	Collect(now time.Time) ([]collect.Sample, error)
}

var _ Source = (*collect.Collector)(nil)

// Config configures the runtime. Zero values mean the documented defaults.
type Config struct {
	Hubs  []string // hub base URLs (http, https, ws, wss), tried in order on failure
	Token string   // agent token
	// EnrollKey, used when Token is empty, registers this host once and keeps the token it gets
	// in TokenFile (default: agent-token in SpoolDir).
	EnrollKey string
	TokenFile string
	Name      string        // host name to enroll as; default the hostname
	Interval  time.Duration // normal collection interval, 1 s … 10 min (default 10 s)
	// SpoolDir holds snapshots until the hub acknowledges them, across agent restarts; ""
	// keeps them in memory only (bounded by MaxPending).
	SpoolDir      string
	SpoolMaxBytes int64         // default 64 MiB
	SpoolMaxAge   time.Duration // default 7 days
	SpoolSync     bool          // fsync every append (default off: see package spool)
	// MaxPending bounds snapshots kept in memory when there is no spool or the spool fails
	// (default 8640: a day at 10 s). The oldest are dropped first.
	MaxPending  int
	Root        string         // filesystem root for collectors
	Collect     collect.Config // collector options; Root above wins when set
	CAFile      string         // extra CA certificates for the hub
	Fingerprint string         // pinned SHA-256 of the hub's leaf certificate (hex, colons allowed)
	Version     string
	// Listen, when set, serves the agent's own counters at http://Listen/metrics.
	Listen string
	Source Source // nil = collect.New(Collect)
	// Procs, when set, is walked every ProcInterval (default 10 s; every second, the whole
	// table, while watched live); Services, when set, every ServiceInterval (default 30 s).
	// Their reports need protocol version 2 and are sent best effort (see extras.go).
	Procs           ProcSource
	ProcInterval    time.Duration
	Services        ServiceSource
	ServiceInterval time.Duration
	Clock           Clock // nil = the wall clock
	// Probes lets the hub run uptime checks from this agent (remote probes, protocol version
	// 3). Off by default: see probes.go for why it needs the server owner's consent.
	Probes bool
}

// Reconnect backoff: exponential with full jitter between these bounds. A connection that
// lasted healthyAfter resets it.
const (
	backoffMin   = time.Second
	backoffMax   = time.Minute
	healthyAfter = time.Minute
)

// Agent is a running vigil-agent.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	src   Source
	reg   *registry
	store *pending
	http  *http.Client
	comp  *wire.Compressor
	mode  mode
	fresh chan struct{} // a snapshot was stored: the connection has something to send
	conn  connState     // owned by the Run goroutine
	stats counters

	extra     extras
	procErrAt time.Time // last logged process walk failure; owned by procLoop
	// older maps a hub URL to the protocol version it accepted after refusing a newer one, and
	// since when; the agent speaks that version to it for an hour before trying the newest
	// again (the hub may have been upgraded). Owned by Run.
	older  map[string]olderHub
	probes *probeRunner // nil unless Config.Probes

	seq        uint64        // last sequence number used; owned by the scheduler goroutine
	lastSeq    atomic.Uint64 // seq, for the connection goroutine
	collected  atomic.Uint64
	spoolErrAt time.Time // last time a spool write failure was logged
}

// New validates the configuration and builds the agent, opening (and recovering) the spool.
func New(cfg Config, logger *slog.Logger) (*Agent, error) {
	if len(cfg.Hubs) == 0 {
		return nil, errors.New("no hub URL: set --hub or VIGIL_HUB")
	}
	if cfg.Token == "" && cfg.EnrollKey == "" {
		return nil, errors.New("no agent token: set --token, --token-file or VIGIL_TOKEN (or --enroll-key)")
	}
	if cfg.Token == "" && cfg.TokenFile == "" {
		if cfg.SpoolDir == "" {
			return nil, errors.New("--enroll-key needs a place to keep the token it gets: set --token-file or --spool-dir")
		}
		cfg.TokenFile = filepath.Join(cfg.SpoolDir, "agent-token")
	}
	if cfg.Interval == 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Interval < MinInterval || cfg.Interval > MaxInterval || cfg.Interval%time.Millisecond != 0 {
		return nil, fmt.Errorf("interval %s outside %s … %s (or finer than a millisecond)", cfg.Interval, MinInterval, MaxInterval)
	}
	if cfg.ProcInterval == 0 {
		cfg.ProcInterval = 10 * time.Second
	}
	if cfg.ServiceInterval == 0 {
		cfg.ServiceInterval = 30 * time.Second
	}
	for _, iv := range []time.Duration{cfg.ProcInterval, cfg.ServiceInterval} {
		if iv < MinInterval || iv > MaxInterval || iv%time.Millisecond != 0 {
			return nil, fmt.Errorf("process or service interval %s outside %s … %s", iv, MinInterval, MaxInterval)
		}
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 8640
	}
	if cfg.SpoolMaxBytes <= 0 {
		cfg.SpoolMaxBytes = 64 << 20
	}
	if cfg.SpoolMaxAge <= 0 {
		cfg.SpoolMaxAge = 7 * 24 * time.Hour
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	src := cfg.Source
	if src == nil {
		cc := cfg.Collect
		if cfg.Root != "" {
			cc.Root = cfg.Root
		}
		src = collect.New(cc)
	}
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	comp, err := wire.NewCompressor()
	if err != nil {
		return nil, err
	}
	hubs := make([]string, len(cfg.Hubs))
	for i, h := range cfg.Hubs {
		hubs[i] = wsURL(h)
	}
	cfg.Hubs = hubs
	a := &Agent{
		cfg: cfg, log: logger.With("component", "agent"), src: src, reg: newRegistry(),
		store: &pending{mem: memList{max: cfg.MaxPending}},
		http:  &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}},
		comp:  comp, mode: mode{wake: make(chan struct{}, 1), procWake: make(chan struct{}, 1)}, fresh: make(chan struct{}, 1),
		extra: extras{fresh: make(chan struct{}, 1)}, older: map[string]olderHub{},
	}
	if cfg.Probes {
		a.probes = newProbeRunner(a.log)
	}
	a.conn.log = a.log
	if cfg.SpoolDir != "" {
		sp, err := spool.Open(cfg.SpoolDir, spool.Options{MaxBytes: cfg.SpoolMaxBytes, MaxAge: cfg.SpoolMaxAge, Sync: cfg.SpoolSync})
		if err != nil {
			return nil, fmt.Errorf("open spool %s: %w", cfg.SpoolDir, err)
		}
		// The spool's dictionary numbers series for this process too, so spooled snapshots
		// keep their meaning after a restart.
		a.reg.load(sp.Keys())
		a.reg.persist = sp.AddKeys
		a.store.disk = sp
		a.seq = sp.LastSeq()
		a.lastSeq.Store(a.seq)
		if n := sp.Pending(); n > 0 {
			a.log.Info("unacknowledged snapshots in the spool will be sent as backlog", "snapshots", n, "dir", cfg.SpoolDir)
		}
	}
	return a, nil
}

// Run collects and streams until ctx ends; then it closes the WebSocket cleanly and returns
// nil. It returns an error only when it cannot start (enrollment refused).
func (a *Agent) Run(ctx context.Context) error {
	if a.store.disk != nil {
		defer a.store.disk.Close()
	}
	if err := a.enrollment(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	facts, err := json.Marshal(a.src.Facts())
	if err != nil {
		return fmt.Errorf("encode host facts: %w", err)
	}
	if a.cfg.Listen != "" {
		ln, err := net.Listen("tcp", a.cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen for /metrics on %s: %w", a.cfg.Listen, err)
		}
		mctx, stopMetrics := context.WithCancel(ctx)
		defer stopMetrics()
		go a.serveMetrics(mctx, ln)
	}
	a.log.Info("agent starting", "hubs", a.cfg.Hubs, "interval", a.cfg.Interval, "version", a.cfg.Version, "spool", a.cfg.SpoolDir)
	sctx, stopSchedule := context.WithCancel(ctx)
	scheduled := make(chan struct{})
	go func() { a.schedule(sctx); close(scheduled) }()
	defer func() { stopSchedule(); <-scheduled }()
	if a.cfg.Procs != nil {
		done := make(chan struct{})
		go func() { a.procLoop(sctx); close(done) }()
		defer func() { stopSchedule(); <-done }()
	}
	if a.cfg.Services != nil {
		done := make(chan struct{})
		go func() { a.serviceLoop(sctx); close(done) }()
		defer func() { stopSchedule(); <-done }()
	}
	if a.probes != nil {
		a.log.Info("remote probes enabled: the hub may run uptime checks from this machine")
		done := make(chan struct{})
		go func() { a.probes.sched.Run(sctx); close(done) }()
		defer func() { stopSchedule(); <-done }()
	}

	st := &a.conn
	backoff := backoffMin
	for hub := 0; ; {
		url := a.cfg.Hubs[hub]
		start := a.cfg.Clock.Now()
		version := uint32(wire.Version)
		if o, ok := a.older[url]; ok && start.Sub(o.since) < time.Hour {
			version = o.version
		}
		welcomed, err := a.session(ctx, url, facts, version)
		if ctx.Err() != nil {
			a.log.Info("disconnected from hub: agent stopping", "hub", url)
			return nil
		}
		var verr *versionError
		if errors.As(err, &verr) && version > wire.MinVersion {
			// An older hub: try the previous version at once (version 2 has no remote
			// probes, version 1 no process and service reports either), rather than fail
			// over or back off.
			a.log.Warn("hub does not speak this protocol version; trying the previous one", "hub", url, "version", version, "hub_said", verr.msg)
			a.older[url] = olderHub{version: version - 1, since: start}
			continue
		}
		a.stats.connected.Store(false)
		a.stats.failures.Add(1)
		wait := time.Duration(rand.Int64N(int64(backoff))) + 1 // full jitter
		var rej *rejectedError
		var busy *busyError
		switch {
		case errors.As(err, &busy):
			// The hub is admitting other agents' handshakes and said when to come back. Its
			// delay plus up to half again, so agents deferred together do not return together.
			st.failed(url, err, a.cfg.Clock.Now(), busy.after)
			wait = max(wait, busy.after+time.Duration(rand.Int64N(int64(busy.after)/2+1)))
			hub = (hub + 1) % len(a.cfg.Hubs)
		case errors.As(err, &rej):
			// The operator may fix the token on the hub: keep trying, slowly.
			st.rejected(url, rej, a.cfg.Clock.Now())
			wait, backoff = backoffMax, backoffMax
			hub = (hub + 1) % len(a.cfg.Hubs)
		case welcomed && a.cfg.Clock.Now().Sub(start) >= healthyAfter:
			st.lost(url, err, a.store.Len())
			// The hub was working: try it again first, soon.
			backoff = backoffMin
			wait = time.Duration(rand.Int64N(int64(backoffMin))) + 1
		default:
			// Includes a hub that welcomes and then drops the agent at once (say, its store
			// is down): that must back off like a refused connection, not loop.
			st.failed(url, err, a.cfg.Clock.Now(), backoff)
			hub = (hub + 1) % len(a.cfg.Hubs)
			backoff = min(backoff*2, backoffMax)
		}
		fire, stop := a.cfg.Clock.Timer(wait)
		select {
		case <-ctx.Done():
			stop()
			return nil
		case <-fire:
		}
	}
}

// olderHub is a hub that refused a newer protocol version.
type olderHub struct {
	version uint32
	since   time.Time
}

// versionError is a hub refusing the protocol version of the hello.
type versionError struct{ msg string }

func (e *versionError) Error() string { return "hub refused the protocol version: " + e.msg }

// rejectedError is a hub refusing the agent token, at the upgrade (HTTP 401/403) or later.
type rejectedError struct {
	status int
	msg    string
}

func (e *rejectedError) Error() string {
	return fmt.Sprintf("hub refused the agent token (%d): %s", e.status, e.msg)
}

// busyError is a hub answering the upgrade with 503 and Retry-After: it is up but admitting
// other agents first (hub admission control), and says how long to wait.
type busyError struct {
	after time.Duration
	err   error
}

func (e *busyError) Error() string {
	return fmt.Sprintf("hub busy, asked to retry after %s: %v", e.after, e.err)
}

func (e *busyError) Unwrap() error { return e.err }

// connState logs connection state changes once instead of every attempt: the first failure
// after a connection, a change of hub or error, and a reminder every few minutes.
type connState struct {
	log      *slog.Logger
	down     bool
	lastKey  string
	lastLog  time.Time
	attempts int
}

const reminderEvery = 5 * time.Minute

func (s *connState) connected(url string, backlog int) {
	if s.down {
		s.log.Info("connected to hub", "hub", url, "backlog", backlog, "failed_attempts", s.attempts)
	} else {
		s.log.Info("connected to hub", "hub", url, "backlog", backlog)
	}
	s.down, s.lastKey, s.attempts = false, "", 0
}

func (s *connState) lost(url string, err error, pending int) {
	s.log.Warn("hub connection lost; reconnecting", "hub", url, "err", err, "pending", pending)
	s.down = true
}

func (s *connState) failed(url string, err error, now time.Time, backoff time.Duration) {
	s.attempts++
	key := url + "\x00" + errClass(err)
	if key != s.lastKey || now.Sub(s.lastLog) >= reminderEvery {
		s.log.Warn("cannot connect to hub; retrying with backoff", "hub", url, "err", err, "attempts", s.attempts, "backoff_up_to", backoff)
		s.lastKey, s.lastLog = key, now
	}
	s.down = true
}

func (s *connState) rejected(url string, rej *rejectedError, now time.Time) {
	s.attempts++
	key := url + "\x00rejected\x00" + rej.msg
	if key != s.lastKey || now.Sub(s.lastLog) >= reminderEvery {
		s.log.Error(fmt.Sprintf("agent token rejected by hub %s: %s", url, rej.msg), "status", rej.status, "retry_every", backoffMax)
		s.lastKey, s.lastLog = key, now
	}
	s.down = true
}

// errClass reduces an error to what matters for "is this the same failure again": the wrapped
// chain's innermost message, which leaves out changing details like dial timeouts.
func errClass(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
