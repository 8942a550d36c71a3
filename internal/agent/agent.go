// Package agent is the runtime of vigil-agent: it collects on a schedule, keeps every snapshot
// until the hub acknowledges it, and streams over one outbound WebSocket, reconnecting with
// backoff and failing over between hub URLs.
package agent

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/agent/spool"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Source is what the runtime collects from; collect.Collector is the real one.
type Source interface {
	Facts() collect.Facts
	Collect(now time.Time) ([]collect.Sample, error)
}

// Config configures the runtime.
type Config struct {
	Hubs  []string // hub base URLs, tried in order
	Token string   // agent token
	// EnrollKey, used when Token is empty, registers this host once and keeps the token it gets
	// in TokenFile (default: agent-token in SpoolDir).
	EnrollKey string
	TokenFile string
	Name      string        // host name to enroll as; default the hostname
	Interval  time.Duration // normal collection interval (default 10 s)
	// SpoolDir holds snapshots until the hub acknowledges them, across agent restarts; ""
	// keeps them in memory only.
	SpoolDir      string
	SpoolMaxBytes int64         // default 64 MiB
	SpoolMaxAge   time.Duration // default 7 days
	// MaxPending bounds snapshots kept in memory while the hub is away (default 8640: a day at
	// 10 s). The oldest are dropped first.
	MaxPending  int
	Root        string         // filesystem root for collectors
	Collect     collect.Config // collector options; Root above wins when set
	CAFile      string         // extra CA certificates for the hub
	Fingerprint string         // pinned SHA-256 of the hub's leaf certificate (hex, colons allowed)
	Version     string
	Source      Source           // nil = collect.New(Config{Root: Root})
	Now         func() time.Time // nil = time.Now
}

// Agent is a running vigil-agent.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	src   Source
	reg   *registry
	queue *queue
	http  *http.Client
	comp  *wire.Compressor
	live  chan bool // commands from the connection to the scheduler
	seq   uint64
	spool *spool.Spool // nil without a spool directory

	spoolErrAt time.Time // last time a spool write failure was logged
}

// New validates the configuration and builds the agent.
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
	if cfg.Interval < time.Second || cfg.Interval > 10*time.Minute {
		return nil, fmt.Errorf("interval %s outside 1s … 10m", cfg.Interval)
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 8640
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
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
		queue: newQueue(cfg.MaxPending),
		http:  &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg, Proxy: http.ProxyFromEnvironment}},
		comp:  comp, live: make(chan bool, 4),
		// Sequence numbers start at the clock so that a restarted agent never reuses one.
		seq: uint64(cfg.Now().UnixMilli()),
	}
	if cfg.SpoolDir != "" {
		if err := a.openSpool(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// openSpool recovers what an earlier run left unacknowledged: the series dictionary (so IDs
// stay the same) and the snapshots, which are queued as backlog.
func (a *Agent) openSpool() error {
	sp, err := spool.Open(a.cfg.SpoolDir, spool.Options{MaxBytes: a.cfg.SpoolMaxBytes, MaxAge: a.cfg.SpoolMaxAge})
	if err != nil {
		return fmt.Errorf("open spool %s: %w", a.cfg.SpoolDir, err)
	}
	a.spool = sp
	a.reg.load(sp.Keys())
	a.reg.persist = sp.AddKeys
	recs := sp.Recovered()
	for _, r := range recs {
		s := wire.Snapshot{Seq: r.Seq, TimeMs: r.TimeMs, Values: make([]wire.Value, len(r.Values))}
		for i, v := range r.Values {
			s.Values[i] = wire.Value{ID: v.ID, V: v.V}
		}
		a.queue.push(s)
		a.seq = max(a.seq, r.Seq)
	}
	if len(recs) > 0 {
		a.log.Info("recovered unacknowledged snapshots from the spool", "snapshots", len(recs), "dir", a.cfg.SpoolDir)
	}
	return nil
}

// wsURL maps http(s) hub URLs to ws(s) and appends the agent endpoint.
func wsURL(hub string) string {
	u := strings.TrimRight(hub, "/")
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	case !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://"):
		u = "https://" + u
		return wsURL(u)
	}
	if !strings.HasSuffix(u, "/api/agent") {
		u += "/api/agent"
	}
	return u
}

// tlsConfig verifies the hub's certificate always; a CA file adds roots, a fingerprint pins the
// leaf certificate on top of normal verification.
func tlsConfig(cfg Config) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", cfg.CAFile)
		}
		t.RootCAs = pool
	}
	if fp := strings.ToLower(strings.ReplaceAll(cfg.Fingerprint, ":", "")); fp != "" {
		if len(fp) != 64 {
			return nil, fmt.Errorf("hub fingerprint must be 64 hex digits of SHA-256, got %d", len(fp))
		}
		t.VerifyConnection = func(cs tls.ConnectionState) error {
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != fp {
				return fmt.Errorf("hub certificate fingerprint %x does not match the pinned one", sum)
			}
			return nil
		}
	}
	return t, nil
}

// Run collects and streams until ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.enrollment(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	facts, _ := json.Marshal(a.src.Facts())
	a.log.Info("agent starting", "hubs", a.cfg.Hubs, "interval", a.cfg.Interval, "version", a.cfg.Version)
	if a.spool != nil {
		defer a.spool.Close()
	}
	go a.schedule(ctx)
	backoff := time.Second
	for i := 0; ; i++ {
		hub := a.cfg.Hubs[i%len(a.cfg.Hubs)]
		start := a.cfg.Now()
		err := a.session(ctx, hub, facts)
		if ctx.Err() != nil {
			return nil
		}
		if a.cfg.Now().Sub(start) > time.Minute {
			backoff = time.Second // the connection was healthy for a while
		}
		var rej *rejectedError
		if errors.As(err, &rej) {
			a.log.Error("agent token rejected by hub; fix the token (the hub's 'Add server' shows a new one)", "hub", hub, "status", rej.status, "message", rej.msg)
			backoff = time.Minute
		} else {
			a.log.Warn("hub connection ended; reconnecting", "hub", hub, "err", err, "retry_in", backoff, "pending", a.queue.len())
		}
		// Full jitter spreads reconnecting agents after a hub restart.
		wait := time.Duration(rand.Int64N(int64(backoff))) + 100*time.Millisecond
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, time.Minute)
	}
}

// schedule collects on interval boundaries, every second while live.
func (a *Agent) schedule(ctx context.Context) {
	live := false
	a.collectOnce()
	for {
		interval := a.cfg.Interval
		if live {
			interval = time.Second
		}
		now := a.cfg.Now()
		next := now.Truncate(interval).Add(interval)
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case on := <-a.live:
			timer.Stop()
			if on != live {
				a.log.Info("live mode", "on", on)
			}
			live = on
		case <-timer.C:
			a.collectOnce()
		}
	}
}

func (a *Agent) collectOnce() {
	now := a.cfg.Now()
	samples, err := a.src.Collect(now)
	if err != nil {
		a.log.Debug("some collectors failed", "err", err)
	}
	a.seq++
	snap := a.reg.snapshot(a.seq, now.UnixMilli(), samples)
	if a.spool != nil {
		rec := spool.Record{Seq: snap.Seq, TimeMs: snap.TimeMs, Values: make([]spool.Value, len(snap.Values))}
		for i, v := range snap.Values {
			rec.Values[i] = spool.Value{ID: v.ID, V: v.V}
		}
		// The snapshot is spooled before it can be sent. If the disk fails it still goes out
		// from memory; only a restart during the failure would lose it.
		if err := a.spool.Append(rec); err != nil && now.Sub(a.spoolErrAt) > time.Minute {
			a.spoolErrAt = now
			a.log.Error("writing to the spool failed; keeping snapshots in memory only", "err", err)
		}
		if d := a.spool.TakeDropped(); d > 0 {
			a.log.Warn("spool full or too old: dropped the oldest unacknowledged snapshots", "dropped", d)
		}
	}
	a.queue.push(snap)
}

// ack forgets acknowledged snapshots in memory and on disk.
func (a *Agent) ack(ranges []wire.SeqRange) {
	a.queue.ack(ranges)
	if a.spool != nil {
		for _, r := range ranges {
			a.spool.Ack(r.From, r.To)
		}
	}
}
