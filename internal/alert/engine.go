package alert

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Config tunes the engine; zero fields take the defaults documented on each.
type Config struct {
	// FlapWindow and FlapLimit: a series that enters firing or resolved more than FlapLimit
	// times within FlapWindow is flapping and its notifications are held until the count in
	// the window falls to FlapLimit/2 (defaults 30 min and 6).
	FlapWindow time.Duration
	FlapLimit  int
	// DefaultInterval is the collection interval assumed for hosts not given to SetHost
	// (default 10 s).
	DefaultInterval time.Duration
}

// ErrNotFiring is returned by Ack for an alert that is not firing.
var ErrNotFiring = errors.New("alert is not firing")

// ErrNotAcked is returned by Unack for a firing alert nobody acknowledged.
var ErrNotAcked = errors.New("alert is not acknowledged")

// maxSamples bounds the samples a series keeps for its aggregation window (1 s interval
// over a 2 h window); older ones are dropped first.
const maxSamples = 7200

// Engine is the alert state machine (DESIGN §1, alert path). It does no I/O and never reads
// the clock: every method takes the time from its arguments, so the hub decides what "now"
// is and tests are deterministic. It is safe for concurrent use; the hub feeds it from
// ingest (Observe, Heartbeat), from the checker (Observe with MetricCheckUp) and from a
// ticker (Tick), and stores the returned Transitions and passes the Notifications through a
// Grouper to the notifier.
type Engine struct {
	mu       sync.Mutex
	cfg      Config
	rules    []*Rule
	byMetric map[string][]*Rule
	hosts    map[string]*hostState
	series   map[Key]*series
	// byHost indexes series by host so that one host's badge (FiringOn) costs that host's
	// alerts, not the fleet's: it is asked after every snapshot that changed an alert.
	byHost  map[string]map[Key]*series
	windows []compiled
	// winMinute and winActive cache which recurring windows are active in one minute, so the
	// per-sample path does not re-run cron matching.
	winMinute time.Time
	winActive []bool
}

type hostState struct {
	Host
	lastSeen time.Time
	down     bool // a host_down rule for this host is firing
}

// Labels names what a sample measures: a metric from the catalogue (or MetricServiceUp /
// MetricCheckUp) and its label (mount, interface, core, service, check; "" = host-wide).
type Labels struct {
	Metric string
	Label  string
}

// NewEngine returns an engine with no rules, hosts or windows.
func NewEngine(cfg Config) *Engine {
	if cfg.FlapWindow <= 0 {
		cfg.FlapWindow = 30 * time.Minute
	}
	if cfg.FlapLimit <= 0 {
		cfg.FlapLimit = 6
	}
	if cfg.DefaultInterval <= 0 {
		cfg.DefaultInterval = 10 * time.Second
	}
	return &Engine{cfg: cfg, byMetric: map[string][]*Rule{}, hosts: map[string]*hostState{}, series: map[Key]*series{},
		byHost: map[string]map[Key]*series{}}
}

// SetRules replaces the rule set after validating every rule (knownMetric as in
// Rule.Validate). State of rules whose ID is kept survives; series of removed rules are
// dropped without notifications.
func (e *Engine) SetRules(rules []Rule, knownMetric func(string) bool) error {
	var errs []error
	ids := map[string]bool{}
	for _, r := range rules {
		if err := r.Validate(knownMetric); err != nil {
			errs = append(errs, fmt.Errorf("rule %q: %w", r.ID, err))
		}
		if ids[r.ID] {
			errs = append(errs, fmt.Errorf("rule %q: %w", r.ID, fieldErr("id", "duplicate")))
		}
		ids[r.ID] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set rules: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rules = e.rules[:0]
	e.byMetric = map[string][]*Rule{}
	byID := map[string]*Rule{}
	for i := range rules {
		r := rules[i]
		if !r.Enabled {
			continue
		}
		e.rules = append(e.rules, &r)
		byID[r.ID] = &r
		for _, m := range []string{r.Metric, MetricServiceUp, MetricCheckUp} {
			if m != "" && r.usesMetric(m) {
				e.byMetric[m] = append(e.byMetric[m], &r)
			}
		}
	}
	for k, s := range e.series {
		if r := byID[k.RuleID]; r != nil && r.Kind == s.rule.Kind {
			s.rule = r
		} else {
			e.drop(k)
		}
	}
	return nil
}

// SetWindows replaces the silences and maintenance windows after validating them.
func (e *Engine) SetWindows(ws []Window) error {
	cs := make([]compiled, 0, len(ws))
	var errs []error
	for _, w := range ws {
		c, err := compileWindow(w)
		errs = append(errs, err)
		cs = append(cs, c)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set windows: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.windows = cs
	e.winMinute = time.Time{}
	return nil
}

// SetHost adds or updates a host's tags, cores and interval; its alert state is kept.
func (e *Engine) SetHost(h Host) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.host(h.ID).Host = e.withDefaults(h)
}

// RemoveHost forgets a host and every alert instance on it, without notifications.
func (e *Engine) RemoveHost(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.hosts, id)
	for k := range e.byHost[id] {
		delete(e.series, k)
	}
	delete(e.byHost, id)
}

// drop forgets one alert instance.
func (e *Engine) drop(k Key) {
	delete(e.series, k)
	if m := e.byHost[k.HostID]; m != nil {
		delete(m, k)
		if len(m) == 0 {
			delete(e.byHost, k.HostID)
		}
	}
}

// FiringOn returns how many alerts fire on one host and the worst severity among them (what
// a host's badge shows), muted or not.
func (e *Engine) FiringOn(hostID string) (n int, worst Severity) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.byHost[hostID] {
		if s.state != StateFiring {
			continue
		}
		n++
		if s.sev == SevCritical || worst == SevNone {
			worst = s.sev
		}
	}
	return n, worst
}

func (e *Engine) withDefaults(h Host) Host {
	if h.Interval <= 0 {
		h.Interval = e.cfg.DefaultInterval
	}
	if h.Cores <= 0 {
		h.Cores = 1
	}
	return h
}

func (e *Engine) host(id string) *hostState {
	h := e.hosts[id]
	if h == nil {
		h = &hostState{Host: e.withDefaults(Host{ID: id})}
		e.hosts[id] = h
	}
	return h
}

// Observe feeds one sample of host hostID taken at time at. Every enabled rule on that
// metric whose scope covers the host and label is evaluated. A sample from the agent also
// counts as a heartbeat; a check result (MetricCheckUp) does not, since the hub's checker
// produces it whether or not the host is alive.
func (e *Engine) Observe(hostID string, l Labels, at time.Time, value float64) ([]Transition, []Notification) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out output
	h := e.host(hostID)
	if l.Metric != MetricCheckUp {
		e.seen(h, at, &out)
	}
	for _, r := range e.byMetric[l.Metric] {
		if !r.Scope.matches(h.Host, l.Label) {
			continue
		}
		s := e.get(Key{RuleID: r.ID, HostID: hostID, Label: l.Label}, r)
		s.add(at, value)
		e.evaluate(s, h, s.level(h, at), at, &out)
	}
	return out.ts, out.ns
}

// Heartbeat records that host hostID was alive at time at (a snapshot without samples, or
// the agent's hello). It may resolve a host-down alert.
func (e *Engine) Heartbeat(hostID string, at time.Time) ([]Transition, []Notification) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out output
	e.seen(e.host(hostID), at, &out)
	return out.ts, out.ns
}

// Tick advances time-driven work to now: host-down detection, pending alerts whose For has
// passed, resolved → ok, flap settling, repeats, escalations, and notifications released
// when a window ends or a dependency recovers. The hub calls it every few seconds.
func (e *Engine) Tick(now time.Time) ([]Transition, []Notification) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out output
	for _, h := range e.hosts {
		e.checkHostDown(h, now, &out)
	}
	for _, s := range e.series {
		h := e.host(s.key.HostID)
		if s.rule.Kind != KindHostDown {
			e.evaluate(s, h, s.lvl, now, &out)
		}
		e.settle(s, now, &out)
		e.reconcile(s, h, now, &out)
	}
	// Map order is random; sort so history and messages come out the same on every run.
	slices.SortStableFunc(out.ts, func(a, b Transition) int { return compareKeys(a.Key, b.Key) })
	slices.SortStableFunc(out.ns, func(a, b Notification) int { return compareKeys(a.Key, b.Key) })
	return out.ts, out.ns
}

// Ack acknowledges a firing alert: repeats and escalation stop until it resolves. The
// returned Transition (state unchanged, reason "acknowledged") carries actor and comment for
// the history.
func (e *Engine) Ack(k Key, actor, comment string, at time.Time) (Transition, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.series[k]
	if s == nil || s.state != StateFiring {
		return Transition{}, fmt.Errorf("acknowledge %+v: %w", k, ErrNotFiring)
	}
	s.ackedBy, s.ackComment = actor, comment
	return Transition{Key: k, RuleName: s.rule.Name, From: StateFiring, To: StateFiring, Severity: s.sev,
		Value: s.value, At: at, Reason: "acknowledged", Actor: actor, Comment: comment}, nil
}

// seen records a sign of life and re-evaluates the host's host-down rules.
func (e *Engine) seen(h *hostState, at time.Time, out *output) {
	if at.After(h.lastSeen) {
		h.lastSeen = at
	}
	e.checkHostDown(h, at, out)
}

// checkHostDown evaluates every host_down rule covering h at time now.
func (e *Engine) checkHostDown(h *hostState, now time.Time, out *output) {
	if h.lastSeen.IsZero() {
		return
	}
	h.down = false
	for _, r := range e.rules {
		if r.Kind != KindHostDown || !r.Scope.matches(h.Host, "") {
			continue
		}
		s := e.get(Key{RuleID: r.ID, HostID: h.ID}, r)
		lvl := SevNone
		if now.Sub(h.lastSeen) > time.Duration(r.MissedIntervals)*h.Interval {
			lvl = r.severity()
		}
		s.value = now.Sub(h.lastSeen).Seconds()
		e.evaluate(s, h, lvl, now, out)
		h.down = h.down || s.state == StateFiring
	}
}

func (e *Engine) get(k Key, r *Rule) *series {
	s := e.series[k]
	if s == nil {
		s = &series{key: k, rule: r, state: StateOK}
		e.series[k] = s
		if e.byHost[k.HostID] == nil {
			e.byHost[k.HostID] = map[Key]*series{}
		}
		e.byHost[k.HostID][k] = s
	}
	return s
}

// output collects what one call returns.
type output struct {
	ts []Transition
	ns []Notification
}
