package agent

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Remote probes: with Config.Probes (vigil-agent --probes), the agent runs the uptime checks the
// hub assigns to it, with the hub's own probe code (package check), and sends the results back.
// It is off by default on purpose: a check can target anything the agent's machine reaches,
// so an administrator of the hub must not be able to turn every agent into a scanner of its
// private network without the server owner's consent (docs/security.md).

// maxPendingResults bounds results waiting for the connection; older ones are dropped first
// (a result is worth little once a newer one of the same check exists).
const maxPendingResults = wire.MaxProbeResults

// probeRunner schedules the assigned checks and queues their results for the connection.
type probeRunner struct {
	log   *slog.Logger
	sched *check.Scheduler

	hostID atomic.Int64 // from the welcome; names this agent in the X-Vigil-Probe header

	mu      sync.Mutex
	specs   map[int64][]byte // assigned checks by id: their spec as the hub sent it
	results []wire.ProbeResult
	dropped uint64
	fresh   chan struct{}
}

func newProbeRunner(logger *slog.Logger) *probeRunner {
	p := &probeRunner{log: logger, specs: map[int64][]byte{}, fresh: make(chan struct{}, 1)}
	env := check.NewEnv(nil) // push checks are judged by the hub and never assigned
	env.Location = func() string { return check.LocationName(p.hostID.Load()) }
	p.sched = check.NewScheduler(check.SchedulerConfig{
		// The scheduler's up/down transitions are the agent's own view within the hub's
		// quorum, not the check's state: only its warnings and errors are worth logging here.
		Sink: p, Logger: slog.New(warnOnly{logger.Handler()}), Concurrency: 16,
		NewProber: func(id int64, s check.Spec) (check.Prober, error) { return check.NewProber(id, s, env) },
	})
	return p
}

var _ check.Sink = (*probeRunner)(nil)

// assign replaces the set of checks with the hub's list. Unchanged checks keep their schedule;
// new or changed ones run at once. A spec the agent cannot validate is skipped and logged
// (a newer hub may know check options this agent does not).
func (p *probeRunner) assign(list []wire.ProbeCheck) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := make(map[int64]bool, len(list))
	for _, pc := range list {
		id := int64(pc.ID)
		if id <= 0 {
			continue
		}
		keep[id] = true
		if old, ok := p.specs[id]; ok && bytes.Equal(old, pc.Spec) {
			continue
		}
		s, err := check.DecodeSpec(pc.Spec)
		if err == nil && (s.Type == check.TypePush || s.Remote()) {
			err = errPushNotProbed
		}
		if err != nil {
			p.log.Warn("check from the hub not run", "check_id", id, "err", err)
			p.sched.Remove(id)
			delete(p.specs, id)
			continue
		}
		if err := p.sched.Set(check.Check{ID: id, Spec: s}, true); err != nil {
			p.log.Warn("check from the hub not run", "check_id", id, "err", err)
			continue
		}
		p.specs[id] = pc.Spec
	}
	for id := range p.specs {
		if !keep[id] {
			p.sched.Remove(id)
			delete(p.specs, id)
		}
	}
	p.log.Info("running checks for the hub", "checks", len(p.specs))
}

type probeError string

func (e probeError) Error() string { return string(e) }

const errPushNotProbed = probeError("push checks and location lists are the hub's, not an agent's")

// clear stops every check: without a hub their results would go nowhere, and the hub sends
// the list again on the next connection.
func (p *probeRunner) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.specs {
		p.sched.Remove(id)
	}
	clear(p.specs)
	p.results = nil
}

// Record queues a result for the hub.
func (p *probeRunner) Record(_ context.Context, c check.Check, _ int64, r check.Result, _ *bool) error {
	st := wire.ProbeDown
	switch r.Status {
	case check.Up:
		st = wire.ProbeUp
	case check.Degraded:
		st = wire.ProbeDegraded
	}
	p.mu.Lock()
	if _, ok := p.specs[c.ID]; ok {
		p.results = append(p.results, wire.ProbeResult{CheckID: uint64(c.ID), TimeMs: r.Time.UnixMilli(), Status: st,
			DurationUs: uint64(max(r.Duration.Microseconds(), 0)), Message: r.Message})
		if over := len(p.results) - maxPendingResults; over > 0 {
			p.dropped += uint64(over)
			p.results = append(p.results[:0], p.results[over:]...)
		}
	}
	p.mu.Unlock()
	select {
	case p.fresh <- struct{}{}:
	default:
	}
	return nil
}

// StateChanged is the hub's business: it judges the check over every location.
func (p *probeRunner) StateChanged(context.Context, check.Check, bool, check.Result) error {
	return nil
}

// take returns the waiting results and clears them.
func (p *probeRunner) take() []wire.ProbeResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.results
	p.results = nil
	return r
}

// sendProbeResults writes the waiting results (best effort: a failed write loses them).
func (a *Agent) sendProbeResults(enc *wire.Encoder, write func([]byte) error) error {
	res := a.probes.take()
	if len(res) == 0 {
		return nil
	}
	frame, err := enc.ProbeResults(&wire.ProbeResults{Results: res})
	if err != nil {
		a.log.Warn("probe results not sent", "err", err, "results", len(res))
		return nil
	}
	return write(frame)
}

// warnOnly passes on records of level Warn and above.
type warnOnly struct{ slog.Handler }

func (w warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}
func (w warnOnly) WithAttrs(a []slog.Attr) slog.Handler { return warnOnly{w.Handler.WithAttrs(a)} }
func (w warnOnly) WithGroup(n string) slog.Handler      { return warnOnly{w.Handler.WithGroup(n)} }
