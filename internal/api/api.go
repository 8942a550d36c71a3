// Package api serves the hub's HTTP surface: the REST API under /api/v1 (described by the
// OpenAPI document at /api/openapi.json), health and metrics endpoints, the agent and live
// WebSockets handed in by the composition root, and the embedded web UI.
package api

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// SeriesReader answers chart queries.
type SeriesReader interface {
	QuerySeries(ctx context.Context, hostID int64, q SeriesQuery) (SeriesResult, error)
}

// SeriesQuery selects metrics of one host over a range (unix ms).
type SeriesQuery struct {
	Names          []string
	From, To, Step int64
}

// Fleet serves the overview's newest values from memory.
type Fleet interface {
	Latest(hostID int64) (Latest, bool)
	Online(hostID int64) bool
}

// Latest is the overview's summary of a host; nil fields are unknown.
type Latest struct {
	Time     int64    `json:"time"`
	CPUPct   *float64 `json:"cpu_pct"`
	MemPct   *float64 `json:"mem_pct"`
	DiskPct  *float64 `json:"disk_pct"`
	NetRxBps *float64 `json:"net_rx_bps"`
	NetTxBps *float64 `json:"net_tx_bps"`
	Load1    *float64 `json:"load1"`
	UptimeS  *float64 `json:"uptime_s"`
}

// HostRemover deletes a host's series and disconnects its agent.
type HostRemover interface {
	DeleteHostData(ctx context.Context, hostID int64) error
}

// Agents reaches connected agents; ingest implements it.
type Agents interface {
	Disconnect(hostID int64, reason string)
}

// Config holds what the composition root passes in.
type Config struct {
	Meta          *meta.DB
	Series        SeriesReader
	Fleet         Fleet
	Hosts         HostRemover
	Agents        Agents
	Storage       Storage
	Alerting      *alerting.Service // nil: alerting routes answer 503
	Checks        Checks            // nil: check routes answer 503
	Processes     HostReports       // nil: process tables, services and containers come from the metadata store only
	AgentHandler  http.Handler
	LiveHandler   http.Handler
	UI            fs.FS
	Registry      *prometheus.Registry
	PublicURL     string
	SecureCookies bool
	// Mailer sends the hub's own mail (password resets, invitations); nil when no SMTP server is
	// configured, and then those features answer 409.
	Mailer Mailer
	// OIDC, when set, adds sign-in with an OpenID Connect provider.
	OIDC *OIDCConfig
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Now            func() time.Time
}

// API is the hub's HTTP handler.
type API struct {
	cfg            Config
	log            *slog.Logger
	auth           *auth.Authenticator
	limiter        *auth.LoginLimiter
	resetLimiter   *auth.LoginLimiter
	oidc           *oidcLogin
	mux            *http.ServeMux
	metricsHandler http.Handler
	statusCache    statusCache
	uptimeMu       sync.Mutex
	uptimeCache    map[int64]cachedUptime
}

// New builds the handler with every route of routes.go. Meta, Series, Fleet, Hosts and Storage
// are required: leaving one out is a wiring mistake, reported at startup rather than on the
// first request. Agents, AgentHandler, LiveHandler, UI and Registry may be nil; their routes
// then answer 404 or 503 (and a rotated token cannot disconnect a live agent).
func New(cfg Config) *API {
	switch {
	case cfg.Meta == nil:
		panic("api.New: Config.Meta is nil")
	case cfg.Series == nil:
		panic("api.New: Config.Series is nil")
	case cfg.Fleet == nil:
		panic("api.New: Config.Fleet is nil")
	case cfg.Hosts == nil:
		panic("api.New: Config.Hosts is nil")
	case cfg.Storage == nil:
		panic("api.New: Config.Storage is nil")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &API{
		cfg: cfg, log: cfg.Logger.With("component", "api"),
		auth:    &auth.Authenticator{DB: cfg.Meta},
		limiter: auth.NewLoginLimiter(cfg.Now),
		// Every reset request costs a token: 5 at once per address and per account, then one
		// every 2 minutes, so the hub cannot be made to mail-bomb an inbox.
		resetLimiter: &auth.LoginLimiter{Burst: 5, Refill: 2 * time.Minute, Now: cfg.Now},
		mux:          http.NewServeMux(),
	}
	if cfg.OIDC != nil {
		a.oidc = newOIDCLogin(*cfg.OIDC)
	}
	if cfg.Registry != nil {
		a.metricsHandler = promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry})
	}
	for _, r := range a.routes() {
		a.mux.Handle(r.pattern, a.guard(r))
	}
	return a
}

// ServeHTTP adds security headers and dispatches.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	a.mux.ServeHTTP(w, r)
}
