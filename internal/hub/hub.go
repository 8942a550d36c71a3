// Package hub is the composition root of the Vigil hub: it builds every component from the
// configuration, starts them in dependency order, serves HTTP, and stops them in reverse order.
package hub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/api"
	"github.com/vigil-mon/vigil/internal/hoststate"
	"github.com/vigil-mon/vigil/internal/ingest"
	"github.com/vigil-mon/vigil/internal/live"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/uptime"
	"github.com/vigil-mon/vigil/internal/wire"
	"github.com/vigil-mon/vigil/web"
)

// Config is everything `vigil serve` can be told.
type Config struct {
	DataDir         string
	Database        Database // empty URL: SQLite in DataDir
	Listen          string
	PublicURL       string
	TLSCert, TLSKey string
	LocalAgent      bool
	RawRetention    time.Duration
	MinuteRetention time.Duration
	HourRetention   time.Duration
	Version         string
	Logger          *slog.Logger
	Stdout          io.Writer // where the setup link and the start banner go
	Demo            *DemoConfig
	// AlertTick, AlertGroupWait and AlertSummary tune alerting (see alerting.Config).
	AlertTick      time.Duration
	AlertGroupWait time.Duration
	AlertSummary   string
	SMTP           SMTPConfig
	OIDC           *api.OIDCConfig // nil: no single sign-on
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
	// SecretKey (base64 text) or SecretKeyFile give the key that encrypts notification channel
	// secrets in the database; neither means DataDir/secret.key, created on first start.
	SecretKey, SecretKeyFile string
}

// DSN returns the SQLite data source for a data directory. WAL lets readers run beside the
// writer; synchronous=NORMAL keeps every committed transaction across a process crash (kill -9),
// though the last ones may be lost on power failure, which DESIGN.md accepts for acknowledgements.
// busy_timeout comes first because the driver applies pragmas in order and switching a fresh
// file to WAL already needs the lock. _txlock=immediate takes the write lock at BEGIN: every
// transaction here reads and then writes, and a deferred one that read before another
// connection committed fails at its first write with SQLITE_BUSY_SNAPSHOT (517), which no
// busy timeout can wait out (seen in CI as "database is locked (517)" during the demo backfill).
func DSN(dataDir string) string {
	return "file:" + filepath.Join(dataDir, "vigil.db") +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
}

// Run starts the hub and blocks until ctx is cancelled, then shuts down cleanly.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger.With("component", "hub")
	if addr := os.Getenv("VIGIL_PPROF_LISTEN"); addr != "" {
		stop, err := startProfiler(addr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}

	if n, err := raiseFileLimit(); err != nil {
		log.Warn("could not raise the open-file limit", "limit", n, "err", err)
	} else if n > 0 {
		// One descriptor per connected agent and browser, plus the SQLite files or the
		// PostgreSQL connections (at most 32, see meta.limitPool).
		log.Info("open-file limit", "limit", n, "agents_at_most", max(int64(n)-256, 0))
	}
	log.Info("opening metadata store", "database", cfg.Database.Describe(cfg.DataDir))
	db, err := OpenMeta(ctx, cfg.Database, cfg.DataDir)
	if err != nil {
		return fmt.Errorf("open metadata store: %w", err)
	}
	defer closeLogged(log, "metadata store", db.Close)

	log.Info("opening series store")
	store, err := series.Open(ctx, db.SQL(), db.Dialect(), series.Options{
		RawRetention: cfg.RawRetention, MinuteRetention: cfg.MinuteRetention, HourRetention: cfg.HourRetention,
		Scale: metricScale(), Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("open series store: %w", err)
	}
	defer closeLogged(log, "series store", store.Close)

	compressor, err := wire.NewCompressor()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	ln, scheme, err := listen(cfg)
	if err != nil {
		return err
	}
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = scheme + "://" + displayAddr(ln.Addr().String())
	}
	publicURL = strings.TrimRight(publicURL, "/")

	key, err := secretKey(ctx, cfg, db, log)
	if err != nil {
		ln.Close()
		return err
	}
	liveHub := live.New(live.Config{Logger: cfg.Logger, HostOrg: hostOrg(db), Principal: principalOrg})
	log.Info("starting alerting")
	alerts := alerting.New(alerting.Config{
		// Browsers' alert badges follow firing alerts live.
		HostAlertsChanged: func(orgID, hostID int64, a alerting.HostAlerts) {
			liveHub.HostAlerts(hostID, orgID, a.Firing, string(a.Severity))
		},
		DB: db, Logger: cfg.Logger, Tick: cfg.AlertTick, GroupWait: cfg.AlertGroupWait, Summary: cfg.AlertSummary, KnownMetric: knownMetric(), PublicURL: publicURL, Secrets: key})
	if err := alerts.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start alerting: %w", err)
	}
	// Alerting runs on its own context, stopped only after ingest has stopped feeding it, so
	// the last snapshots' transitions are stored and grouped notifications still go out.
	alertCtx, stopAlerts := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAlerts()
	alertsDone := make(chan struct{})
	go func() { defer close(alertsDone); alerts.Run(alertCtx) }()

	checks := uptime.NewService(db, store, alerts, cfg.Logger) // check transitions feed the alert engine
	hostState := hoststate.New(hoststate.Config{Store: db, Services: alerts, Logger: cfg.Logger})
	ing := ingest.New(ingest.Config{Hosts: hostsAdapter{db}, Store: store, Observer: observers{liveHub, alerts}, Extras: hostState, Probes: checks, Compressor: compressor, Logger: cfg.Logger, Registry: reg})
	liveHub.SetCommander(ing)
	checks.SetAgents(ing) // remote probes: checks reach agents over their connections
	var _ api.Checks = checks
	logAuthSettings(log, cfg)
	handler := api.New(api.Config{
		Meta: db, Series: seriesAdapter{store}, Fleet: fleetAdapter{live: liveHub, store: store}, Hosts: hostRemover{store: store, ingest: ing, state: hostState, checks: checks}, Agents: ing, Storage: storageAdapter{store},
		Processes: hostState, Checks: checks, Alerting: alerts,
		AgentHandler: ing, LiveHandler: liveHub, UI: web.FS(), Registry: reg,
		PublicURL: publicURL, Logger: cfg.Logger, TrustedProxies: cfg.TrustedProxies,
		// Behind a TLS-terminating proxy the hub itself speaks HTTP, but browsers use https.
		SecureCookies: scheme == "https" || strings.HasPrefix(publicURL, "https://"),
		Mailer:        mailerFor(cfg.SMTP),
		OIDC:          cfg.OIDC,
	})

	// Agent and browser WebSockets are hijacked connections that http.Server.Shutdown does not
	// wait for; cancelling their base context is what ends them.
	connCtx, cancelConns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelConns()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return connCtx },
		ErrorLog:          slog.NewLogLogger(cfg.Logger.With("component", "http").Handler(), slog.LevelWarn),
	}

	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			serveErr <- err
		}
	})
	log.Info("hub serving", "url", publicURL, "version", cfg.Version)
	fmt.Fprintf(cfg.Stdout, "\nVigil hub is running at %s\n", publicURL)
	bgCtx, stopBackground := context.WithCancel(ctx)
	if cfg.Demo != nil {
		if err := startDemo(bgCtx, db, publicURL, cfg.Demo, func() {
			if err := store.Maintain(bgCtx, time.Now()); err != nil && bgCtx.Err() == nil {
				log.Error("series maintenance after the demo backfill failed", "err", err)
			}
		}, cfg.Stdout, cfg.Logger); err != nil {
			log.Error("could not start the demo", "err", err)
		}
	} else if err := announceSetup(ctx, db, publicURL, cfg.Stdout); err != nil {
		log.Error("could not prepare first-run setup", "err", err)
	}

	wg.Go(func() { maintain(bgCtx, store, log) })
	wg.Go(func() { hostState.Run(bgCtx) })
	// Uptime checks; their states feed the alert engine (check.Observer, wired above).
	if err := checks.Start(bgCtx, &wg); err != nil {
		log.Error("could not start uptime checks", "err", err)
	}
	if cfg.LocalAgent {
		wg.Go(func() { runLocalAgent(bgCtx, db, publicURL, cfg) })
	}

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		log.Error("HTTP server failed", "err", err)
	}
	log.Info("shutting down")
	stopBackground()
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if e := srv.Shutdown(shutCtx); e != nil {
		log.Warn("HTTP shutdown incomplete", "err", e)
	}
	cancelConns()
	ing.Wait()
	wg.Wait()
	log.Info("stopping alerting")
	stopAlerts()
	<-alertsDone
	log.Info("stopped")
	return err
}

func listen(cfg Config) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.TLSCert == "" && cfg.TLSKey == "" {
		return ln, "http", nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		ln.Close()
		return nil, "", fmt.Errorf("load TLS certificate %s and key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), "https", nil
}

// logAuthSettings says at start which optional sign-in features are on (never their secrets).
func logAuthSettings(log *slog.Logger, cfg Config) {
	if cfg.SMTP.Addr != "" {
		log.Info("mail enabled (password reset, invitations by email)", "smtp", cfg.SMTP.Addr, "from", cfg.SMTP.From, "require_tls", cfg.SMTP.RequireTLS)
	}
	if o := cfg.OIDC; o != nil {
		log.Info("single sign-on enabled", "issuer", o.Issuer, "client_id", o.ClientID, "allowed_domains", o.AllowedDomains,
			"default_role", o.DefaultRole, "auto_create_org", o.AutoCreateOrg)
	}
	if len(cfg.TrustedProxies) > 0 {
		log.Info("trusting X-Forwarded-For from", "proxies", cfg.TrustedProxies)
	}
}

func mailerFor(c SMTPConfig) api.Mailer {
	if c.Addr == "" {
		return nil
	}
	return mailer{cfg: c, now: time.Now}
}

// displayAddr turns a wildcard listen address into one a browser on this machine can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func announceSetup(ctx context.Context, db *meta.DB, publicURL string, out io.Writer) error {
	token, needed, err := db.SetupToken(ctx)
	if err != nil || !needed {
		return err
	}
	fmt.Fprintf(out, "\nNo account exists yet. Open this one-time link to create the first owner:\n\n    %s/setup?token=%s\n\n", publicURL, token)
	fmt.Fprintf(out, "(Or without a browser: vigil admin create --email you@example.com  < password-file)\n\n")
	return nil
}

func maintain(ctx context.Context, store *series.Store, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := store.Maintain(ctx, now); err != nil && ctx.Err() == nil {
				log.Error("series maintenance failed", "err", err)
			}
		}
	}
}

func closeLogged(log *slog.Logger, what string, close func() error) {
	if err := close(); err != nil {
		log.Error("closing "+what, "err", err)
	}
}
