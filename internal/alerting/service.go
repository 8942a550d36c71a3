// Package alerting makes the alert engine live in the hub (DESIGN §1 alert path, §5): one
// alert.Engine per organization, fed with host snapshots from ingest's fan-out, with
// uptime-check results and with service states; a ticker for time-driven work (host down,
// repeats, escalation); a Grouper per organization; delivery through notify with retries;
// the history of every transition and the delivery log in the metadata store; and engine
// state saved so that a restarted hub does not notify again what it already did.
//
// Observer calls (HostSnapshot, ObserveCheck, ObserveService) only run the pure engine and
// queue its output; storing history and delivering happen on the service's own goroutine
// and on delivery goroutines, so ingest never waits for a database or an SMTP server.
package alerting

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Config holds what the composition root passes in. Zero durations take the defaults noted.
type Config struct {
	DB     *meta.DB
	Logger *slog.Logger
	// Tick is how often time-driven work runs (default 5 s).
	Tick time.Duration
	// GroupWait is how long the first notification for a channel waits for others to join
	// its message; 0 sends at once (`vigil serve` defaults to 30 s).
	GroupWait time.Duration
	// Summary is the local time of day ("HH:MM") of the optional daily summary; "" = off.
	Summary string
	// KnownMetric says whether a metric exists in the agent's catalogue (rule validation).
	KnownMetric func(string) bool
	// PublicURL is put in messages as the link to the alerts page.
	PublicURL string
	// HistoryRetention and DeliveryRetention bound the history and the delivery log
	// (defaults 90 and 30 days); pruned hourly.
	HistoryRetention, DeliveryRetention time.Duration
	// MaxAttempts and RetryBase tune delivery retries (defaults 5 and 1 s, doubling).
	MaxAttempts int
	RetryBase   time.Duration
	Now         func() time.Time
	// HostAlertsChanged, when set, is told a host's firing alerts after they change (count 0
	// when none fire any more); the hub passes it on to browsers. Called on the goroutine that
	// handled the transitions; it must not block.
	HostAlertsChanged func(orgID, hostID int64, a HostAlerts)
	// Secrets seals channel secrets in the store (the hub always sets it). nil keeps them in
	// clear, and then a sealed one found in the store stops Start with an error.
	Secrets Sealer
}

// factsDelay is how long after a connection a host's facts are read again.
const factsDelay = 3 * time.Second

// hostRefresh is how often host names and tags are re-read from the store.
const hostRefresh = time.Minute

// Service is the hub's alerting. Create with New, run with Run; safe for concurrent use.
type Service struct {
	cfg  Config
	log  *slog.Logger
	mu   sync.Mutex
	orgs map[int64]*org

	qmu   sync.Mutex
	queue []event
	later []event // host refreshes due at their at, moved to queue by Step
	wake  chan struct{}

	sendCtx     context.Context
	cancelSend  context.CancelFunc
	sending     sync.WaitGroup
	summaryDay  string    // date of the last daily summary sent
	summaryInit bool      // the first summary check has run
	pruned      time.Time // last prune of history and delivery log
}

// event is work queued by the observer path for the service goroutine.
type event struct {
	org  int64
	host int64 // refresh this host's facts, name and tags
	ts   []alert.Transition
	ns   []alert.Notification
	at   time.Time
}

// New returns a service; nothing runs until Run.
func New(cfg Config) *Service {
	if cfg.Tick <= 0 {
		cfg.Tick = 5 * time.Second
	}
	cfg.GroupWait = max(cfg.GroupWait, 0)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.HistoryRetention <= 0 {
		cfg.HistoryRetention = 90 * 24 * time.Hour
	}
	if cfg.DeliveryRetention <= 0 {
		cfg.DeliveryRetention = 30 * 24 * time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "alerting"), orgs: map[int64]*org{},
		wake: make(chan struct{}, 1), sendCtx: ctx, cancelSend: cancel}
}

// Start loads every organization (seeding default rules where never done), so that hosts
// silent since before a restart still go down. Call before ingest starts feeding.
func (s *Service) Start(ctx context.Context) error {
	ids, err := s.cfg.DB.OrgIDs(ctx)
	if err != nil {
		return err
	}
	if n, err := s.sealStored(ctx, ids); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("notification channel secrets encrypted at rest", "channels", n)
	}
	for _, id := range ids {
		if _, err := s.load(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// shutdownBudget bounds the final flush at shutdown: grouped notifications, the history and
// every engine's state. It is a fresh context, not the cancelled one that asked for the stop.
const shutdownBudget = 30 * time.Second

// Run does the service's work until ctx ends, then delivers what is grouped (bounded by
// 10 s), waits for deliveries and stores the history and every engine's state.
//
// ctx only says when to stop: work in progress runs on a context without its cancellation,
// so a stop that arrives while a queue of transitions is being written does not abort the
// write halfway (seen under load as "storing alert history failed … context canceled" with
// the drained queue lost).
func (s *Service) Run(ctx context.Context) {
	work := context.WithoutCancel(ctx)
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.shutdown(work)
			return
		case <-s.wake:
			s.Drain(work)
		case <-t.C:
			s.Step(work, s.cfg.Now())
		}
	}
}

func (s *Service) shutdown(parent context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), shutdownBudget)
	defer cancel()
	s.Drain(ctx)
	for _, o := range s.orgList() {
		for _, b := range o.group.Flush() {
			s.deliver(o, b)
		}
	}
	done := make(chan struct{})
	go func() { s.sending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.log.Warn("deliveries still running at shutdown; giving up on them")
		s.cancelSend()
		<-done
	}
	for _, o := range s.orgList() {
		s.flushHistory(ctx, o)
		s.save(ctx, o)
	}
	s.cancelSend()
}

// Step runs time-driven work at now: the engines' Tick, queued observer output, due groups,
// the daily summary and saving changed state. Run calls it every Tick; tests call it with
// their own clock.
func (s *Service) Step(ctx context.Context, now time.Time) {
	s.qmu.Lock()
	keep := s.later[:0]
	for _, ev := range s.later {
		if ev.at.After(now) {
			keep = append(keep, ev)
		} else {
			ev.at = now
			s.queue = append(s.queue, ev)
		}
	}
	s.later = keep
	s.qmu.Unlock()
	s.Drain(ctx)
	for _, o := range s.orgList() {
		if now.Sub(o.refreshed) >= hostRefresh {
			o.refreshed = now
			s.refreshHosts(ctx, o)
		}
		ts, ns := o.eng.Tick(now)
		s.handle(ctx, o, ts, ns, now)
		for _, b := range o.group.Due(now) {
			s.deliver(o, b)
		}
		s.flushHistory(ctx, o)
		if o.dirty.Swap(false) {
			s.save(ctx, o)
		}
	}
	s.summary(ctx, now)
	if now.Sub(s.pruned) >= time.Hour {
		s.pruned = now
		if n, err := s.cfg.DB.PruneAlertLogs(ctx, now.Add(-s.cfg.HistoryRetention), now.Add(-s.cfg.DeliveryRetention)); err != nil {
			s.log.Warn("pruning alert history failed", "err", err)
		} else if n > 0 {
			s.log.Info("alert history and delivery log pruned", "rows", n)
		}
	}
}

// Drain processes what the observer path queued.
func (s *Service) Drain(ctx context.Context) {
	s.qmu.Lock()
	q := s.queue
	s.queue = nil
	s.qmu.Unlock()
	for _, ev := range q {
		o, err := s.load(ctx, ev.org)
		if err != nil {
			s.log.Error("loading organization's alerting failed", "org", ev.org, "err", err)
			continue
		}
		if ev.host != 0 {
			s.refreshHost(ctx, o, ev.host)
		}
		s.handle(ctx, o, ev.ts, ev.ns, ev.at)
		for _, b := range o.group.Due(ev.at) {
			s.deliver(o, b)
		}
	}
}

func (s *Service) enqueue(ev event) {
	s.qmu.Lock()
	s.queue = append(s.queue, ev)
	s.qmu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) loaded(orgID int64) *org {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orgs[orgID]
}

// HostOnline is part of ingest's observer fan-out: a (re)connected host gets its facts,
// name and tags refreshed.
func (s *Service) HostOnline(hostID, orgID int64, online bool) {
	if online {
		now := s.cfg.Now()
		s.enqueue(event{org: orgID, host: hostID, at: now})
		// Ingest writes the hello's facts (cores) up to a second later; read them again then.
		s.qmu.Lock()
		s.later = append(s.later, event{org: orgID, host: hostID, at: now.Add(factsDelay)})
		s.qmu.Unlock()
	}
}

// Watched is part of the observer interface; alerting never asks for live mode.
func (s *Service) Watched(int64) bool { return false }

// HostSnapshot feeds the newest snapshot of a host: a heartbeat, and every value of a metric
// some rule of the organization watches.
func (s *Service) HostSnapshot(hostID, orgID int64, timeMs int64, keys []series.Key, values []wire.Value) {
	o := s.loaded(orgID)
	at := time.UnixMilli(timeMs)
	if o == nil {
		s.enqueue(event{org: orgID, host: hostID, at: at})
		return
	}
	hid := strconv.FormatInt(hostID, 10)
	if o.sawSnapshot(hostID, at) {
		s.enqueue(event{org: orgID, host: hostID, at: at})
	}
	var out output
	out.add(o.eng.Heartbeat(hid, at))
	o.mu.RLock()
	watched := o.metrics
	o.mu.RUnlock()
	for _, v := range values {
		if int(v.ID) >= len(keys) {
			continue
		}
		if k := keys[v.ID]; watched[k.Name] {
			out.add(o.eng.Observe(hid, alert.Labels{Metric: k.Name, Label: k.Label}, at, v.V))
		}
	}
	if len(out.ts)+len(out.ns) > 0 {
		s.enqueue(event{org: orgID, ts: out.ts, ns: out.ns, at: at})
	}
}

// ObserveCheck feeds one uptime-check result. hostID, when set, is the host the check
// depends on (a host that is down suppresses the check's alerts).
func (s *Service) ObserveCheck(orgID, checkID int64, hostID *int64, name string, up bool, reason string, at time.Time) {
	host := ""
	if hostID != nil {
		host = strconv.FormatInt(*hostID, 10)
	}
	s.observeState(orgID, host, alert.Labels{Metric: alert.MetricCheckUp, Label: name}, up, reason, at)
}

// ObserveService feeds the state of a service on a host as the agent judged it (hoststate
// passes "healthy", "degraded", "down" or "unknown"; service is "kind:name", e.g.
// "systemd:nginx.service"). Only "down" is down: a degraded service still serves, and an
// unknown state is no evidence either way, so it is not fed at all.
func (s *Service) ObserveService(orgID, hostID int64, service string, state string, reason string, at time.Time) {
	if state == "unknown" || state == "" {
		return
	}
	up := state != "down"
	s.observeState(orgID, strconv.FormatInt(hostID, 10), alert.Labels{Metric: alert.MetricServiceUp, Label: service}, up, reason, at)
}

func (s *Service) observeState(orgID int64, host string, l alert.Labels, up bool, reason string, at time.Time) {
	o := s.loaded(orgID)
	if o == nil {
		s.enqueue(event{org: orgID, at: at})
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	o.setReason(l, host, reason)
	ts, ns := o.eng.Observe(host, l, at, v)
	if len(ts)+len(ns) > 0 {
		s.enqueue(event{org: orgID, ts: ts, ns: ns, at: at})
	}
}

type output struct {
	ts []alert.Transition
	ns []alert.Notification
}

func (o *output) add(ts []alert.Transition, ns []alert.Notification) {
	o.ts = append(o.ts, ts...)
	o.ns = append(o.ns, ns...)
}
