// Package uptime runs the hub's uptime checks (DESIGN.md §6): it loads checks from the metadata
// store into the check scheduler, stores results and state changes, keeps the push book, and
// hands checks with remote locations to the agents that run them (remote probes, see
// docs/checks.md), whose results come back through Report. The probing itself is package
// check, which the agent links too; this package holds what only the hub has (the stores).
package uptime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// SeriesWriter is the part of the series store the service uses.
type SeriesWriter interface {
	SeriesIDs(ctx context.Context, owner int64, keys []series.Key) ([]uint32, error)
	Append(ctx context.Context, owner int64, snaps []series.Snapshot) error
	DeleteHost(ctx context.Context, owner int64) error
}

// Agents tells a connected agent that its list of checks changed, which makes ingest send it
// ProbeChecks afresh; it is a no-op for an agent not connected or not accepting probes.
type Agents interface {
	ChecksChanged(hostID int64)
}

// Service connects the scheduler to the stores and the agents.
type Service struct {
	db    *meta.DB
	store SeriesWriter
	sched *check.Scheduler
	log   *slog.Logger

	mu      sync.Mutex
	pushes  map[int64]check.Push
	agents  Agents
	hostsOf map[int64][]int64 // check id → the agents it runs on, to know whom an edit concerns
	lastMs  map[int64]int64   // check id → time of its newest stored result (see Record)
}

var _ check.Sink = (*Service)(nil)

// NewService builds the service. obs is told about every transition (the alert engine); nil
// leaves transitions to the scheduler's log and the check_events history.
func NewService(db *meta.DB, store SeriesWriter, obs check.Observer, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Service{db: db, store: store, log: logger.With("component", "check"), pushes: map[int64]check.Push{},
		hostsOf: map[int64][]int64{}, lastMs: map[int64]int64{}}
	env := check.NewEnv(r.lastPush)
	r.sched = check.NewScheduler(check.SchedulerConfig{
		Sink: r, Observer: obs, Logger: logger,
		NewProber: func(id int64, s check.Spec) (check.Prober, error) { return check.NewProber(id, s, env) },
	})
	return r
}

// SetAgents connects the service to the agent connections (ingest is built after the service).
func (r *Service) SetAgents(a Agents) {
	r.mu.Lock()
	r.agents = a
	r.mu.Unlock()
}

// Start loads every check and runs the scheduler until ctx ends (wg tracks it).
func (r *Service) Start(ctx context.Context, wg *sync.WaitGroup) error {
	all, err := r.db.ListChecks(ctx, 0)
	if err != nil {
		return err
	}
	for _, m := range all {
		if err := r.set(m, false); err != nil {
			r.log.Error("check not scheduled: its stored spec is invalid", "check_id", m.ID, "err", err)
		}
	}
	r.log.Info("uptime checks scheduled", "checks", len(all))
	wg.Go(func() { r.sched.Run(ctx) })
	return nil
}

// SpecOf decodes a stored check's spec.
func SpecOf(m meta.Check) (check.Spec, error) {
	s, err := check.DecodeSpec(m.Spec)
	if err != nil {
		return check.Spec{}, fmt.Errorf("check %d: %w", m.ID, err)
	}
	return s, nil
}

func (r *Service) set(m meta.Check, runNow bool) error {
	s, err := SpecOf(m)
	if err != nil {
		return err
	}
	c := check.Check{ID: m.ID, OrgID: m.OrgID, HostID: m.HostID, Spec: s}
	if m.State != "" {
		up := m.State == "up"
		c.Up = &up
	}
	if m.Push != nil {
		r.Pushed(m.ID, *m.Push)
	}
	if err := r.sched.Set(c, runNow); err != nil {
		return err
	}
	var hosts []int64
	if !s.Paused && s.Remote() {
		hosts = s.Locations.Hosts
	}
	r.reassign(m.ID, hosts)
	return nil
}

// reassign records the agents a check runs on and sends every agent it ran or runs on its new
// list of checks.
func (r *Service) reassign(id int64, hosts []int64) {
	r.mu.Lock()
	old := r.hostsOf[id]
	if len(hosts) == 0 {
		delete(r.hostsOf, id)
	} else {
		r.hostsOf[id] = hosts
	}
	r.mu.Unlock()
	for _, h := range append(slices.Clone(old), hosts...) {
		r.sendAssignment(h)
	}
}

// sendAssignment sends one agent its current list of checks.
func (r *Service) sendAssignment(hostID int64) {
	r.mu.Lock()
	a := r.agents
	r.mu.Unlock()
	if a != nil {
		a.ChecksChanged(hostID)
	}
}

// ProbeChecks is the complete list of checks an agent runs, as wire messages: ingest sends it
// after the hello of an agent that accepts probes, and again whenever it changes.
func (r *Service) ProbeChecks(hostID int64) []wire.ProbeCheck {
	assigned := r.sched.Assigned(hostID)
	out := make([]wire.ProbeCheck, 0, len(assigned))
	for id, s := range assigned {
		raw, err := json.Marshal(s)
		if err != nil {
			continue // a validated spec always marshals
		}
		out = append(out, wire.ProbeCheck{ID: uint64(id), Spec: raw})
	}
	slices.SortFunc(out, func(a, b wire.ProbeCheck) int { return int(a.ID) - int(b.ID) })
	return out
}

// ProbeResults takes an agent's results. The hub stamps them with its own clock on arrival
// (minus the probe's duration), so that a wrong clock on the agent cannot misplace them.
func (r *Service) ProbeResults(ctx context.Context, hostID int64, results []wire.ProbeResult) {
	now := time.Now()
	for _, w := range results {
		d := time.Duration(w.DurationUs) * time.Microsecond
		res := check.Result{Time: now.Add(-d), Duration: d, Message: w.Message}
		switch w.Status {
		case wire.ProbeUp:
			res.Status = check.Up
		case wire.ProbeDegraded:
			res.Status = check.Degraded
		default:
			res.Status = check.Down
		}
		if !r.sched.Report(ctx, int64(w.CheckID), hostID, res) {
			r.log.Debug("result of a check this agent does not run; ignored", "host_id", hostID, "check_id", w.CheckID)
		}
	}
}

// ProbeAgentOnline is told when an agent connects (with whether it accepts probes) and
// disconnects. An agent that is gone, or refuses probes, is an unknown location.
func (r *Service) ProbeAgentOnline(ctx context.Context, hostID int64, online, accepts bool) {
	if !online || !accepts {
		r.sched.Offline(ctx, hostID)
	}
}

// Set (re)schedules a check the API created or changed, running it at once.
func (r *Service) Set(m meta.Check) error { return r.set(m, true) }

// Remove unschedules a deleted check and deletes its results.
func (r *Service) Remove(ctx context.Context, id int64) error {
	r.sched.Remove(id)
	r.mu.Lock()
	delete(r.pushes, id)
	delete(r.lastMs, id)
	r.mu.Unlock()
	r.reassign(id, nil)
	return r.store.DeleteHost(ctx, check.SeriesOwner(id))
}

// Pushed records a call of a push check's URL.
func (r *Service) Pushed(id int64, p meta.CheckPush) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes[id] = check.Push{At: p.At, Down: p.Down, Message: p.Message}
}

func (r *Service) lastPush(id int64) (check.Push, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pushes[id]
	return p, ok
}

// Last returns the newest result of a check since the hub started.
func (r *Service) Last(id int64) (check.Result, int, bool) { return r.sched.Last(id) }

// Locations returns each location's latest view of a check.
func (r *Service) Locations(id int64) []check.LocationStatus { return r.sched.Locations(id) }

// Record stores a result. A check on the hub only keeps its original series: the state (1 up
// or degraded, 0 down) always, the response time only when the target answered (a failure's
// duration is how long it took to fail, not a response). A check with remote locations stores
// both per location (labelled) and the state by quorum unlabelled.
func (r *Service) Record(ctx context.Context, c check.Check, loc int64, res check.Result, overall *bool) error {
	owner := check.SeriesOwner(c.ID)
	upV := 0.0
	if res.Status.IsUp() {
		upV = 1
	}
	respV := float64(res.Duration.Microseconds()) / 1000
	var keys []series.Key
	var vals []float64
	if where := c.Spec.Where(); len(where) == 1 && where[0] == check.Hub {
		keys, vals = []series.Key{{Name: check.SeriesState}}, []float64{upV}
		if res.Status.IsUp() {
			keys, vals = append(keys, series.Key{Name: check.SeriesResponse}), append(vals, respV)
		}
	} else {
		label := check.LocationName(loc)
		keys, vals = []series.Key{{Name: check.SeriesLocState, Label: label}}, []float64{upV}
		if res.Status.IsUp() {
			keys, vals = append(keys, series.Key{Name: check.SeriesLocResponse, Label: label}), append(vals, respV)
		}
		if overall != nil {
			v := 0.0
			if *overall {
				v = 1
			}
			keys, vals = append(keys, series.Key{Name: check.SeriesState}), append(vals, v)
		}
	}
	ids, err := r.store.SeriesIDs(ctx, owner, keys)
	if err != nil {
		return err
	}
	samples := make([]series.Sample, len(ids))
	for i, id := range ids {
		samples[i] = series.Sample{ID: id, Value: vals[i]}
	}
	// The store keeps one row per owner and millisecond: two locations reporting in the same
	// millisecond would collide, so a result is moved to just after the newest one stored.
	t := res.Time.UnixMilli()
	r.mu.Lock()
	if last, ok := r.lastMs[c.ID]; ok && t <= last {
		t = last + 1
	}
	r.lastMs[c.ID] = t
	r.mu.Unlock()
	return r.store.Append(ctx, owner, []series.Snapshot{{TimeMs: t, Samples: samples}})
}

// StateChanged stores a transition; a check deleted while its probe ran is ignored.
func (r *Service) StateChanged(ctx context.Context, c check.Check, up bool, res check.Result) error {
	err := r.db.SetCheckState(ctx, c.ID, up, res.Time, res.Message)
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	return err
}
