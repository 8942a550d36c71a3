// Package hoststate keeps what agents report beside their metrics (protocol version 2): the
// newest process table of every host in memory, for the live process view; one process sample
// a minute, process start and exit events, and the newest service and container states in the
// metadata store; and it deletes process data past its retention.
package hoststate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/ingest"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Store is where process and service data is kept; *meta.DB is the real one.
type Store interface {
	AddProcSample(ctx context.Context, hostID int64, s meta.ProcSample) error
	AddProcEvents(ctx context.Context, hostID int64, evs []meta.ProcEvent) error
	ReplaceServices(ctx context.Context, hostID, timeMs int64, svcs []meta.ServiceStatus) ([]meta.ServiceStatus, error)
	ReplaceContainers(ctx context.Context, hostID, timeMs int64, cs []meta.ContainerStatus) error
	PruneProcs(ctx context.Context, samplesBefore, eventsBefore int64) (int64, error)
}

// ServiceObserver is told every service state an agent reports (the alert engine).
type ServiceObserver interface {
	ObserveService(orgID, hostID int64, service, state, reason string, at time.Time)
}

var (
	_ Store         = (*meta.DB)(nil)
	_ ingest.Extras = (*State)(nil)
)

// Config sets the retention and sampling policy; zero values mean the defaults in brackets.
type Config struct {
	Store    Store
	Services ServiceObserver // nil: nobody is told
	Logger   *slog.Logger
	Now      func() time.Time
	// SampleEvery is the interval between stored process samples of a host [1 min]; agents
	// report more often, and the newest is always in memory.
	SampleEvery     time.Duration
	SampleRetention time.Duration // [48 h]
	EventRetention  time.Duration // [14 days]
	PruneEvery      time.Duration // [10 min]
	// ServiceStoreEvery is how often unchanged service and container states are written to
	// the store [5 min]; a change is written at once.
	ServiceStoreEvery time.Duration
}

// State is the ingest.Extras sink. Its methods are called from agent connection goroutines.
type State struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	latest map[int64]meta.ProcSample // newest sample per host, replaced on every report
	stored map[int64]int64           // time of the last stored sample per host
	svcs   map[int64]*serviceReport  // newest service report per host
}

// serviceReport is a host's newest services and containers, and what was last written to the
// store: the store is written when a state changes or every ServiceStoreEvery, not on every
// report (every 30 s from every host), while the API serves the newest from memory.
type serviceReport struct {
	services   []meta.ServiceStatus
	containers []meta.ContainerStatus
	storedKey  string
	storedAt   int64
}

// New builds the sink.
func New(cfg Config) *State {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SampleEvery == 0 {
		cfg.SampleEvery = time.Minute
	}
	if cfg.SampleRetention == 0 {
		cfg.SampleRetention = 48 * time.Hour
	}
	if cfg.EventRetention == 0 {
		cfg.EventRetention = 14 * 24 * time.Hour
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = 10 * time.Minute
	}
	if cfg.ServiceStoreEvery == 0 {
		cfg.ServiceStoreEvery = 5 * time.Minute
	}
	return &State{cfg: cfg, log: cfg.Logger.With("component", "hoststate"), latest: map[int64]meta.ProcSample{}, stored: map[int64]int64{},
		svcs: map[int64]*serviceReport{}}
}

// Latest returns the newest process table an agent connected to this hub reported.
func (s *State) Latest(hostID int64) (meta.ProcSample, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.latest[hostID]
	return p, ok
}

// Forget drops a deleted host's table from memory.
func (s *State) Forget(hostID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.latest, hostID)
	delete(s.stored, hostID)
	delete(s.svcs, hostID)
}

// LatestServices returns the newest services and containers an agent connected to this hub
// reported.
func (s *State) LatestServices(hostID int64) ([]meta.ServiceStatus, []meta.ContainerStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.svcs[hostID]
	if !ok {
		return nil, nil, false
	}
	return r.services, r.containers, true
}

// Procs keeps the sample as the host's newest and stores one a minute. Only the top
// processes are stored even when the sample is the full table (a viewer is watching): the
// history is of the processes that mattered, and the full table every minute would multiply
// the rows by ten or more.
func (s *State) Procs(ctx context.Context, host ingest.Host, m *wire.Procs) error {
	sample := meta.ProcSample{TimeMs: m.TimeMs, Full: m.Full, Total: m.Total, Procs: make([]meta.Proc, len(m.Procs))}
	for i, p := range m.Procs {
		sample.Procs[i] = meta.Proc{PID: p.PID, StartMs: p.StartMs, Name: p.Name, User: p.User, Cmdline: p.Cmdline,
			CPU: p.CPU, RSS: p.RSS, ReadBps: p.ReadBps, WriteBps: p.WriteBps}
	}
	s.mu.Lock()
	s.latest[host.ID] = sample
	due := m.TimeMs-s.stored[host.ID] >= s.cfg.SampleEvery.Milliseconds()
	if due {
		s.stored[host.ID] = m.TimeMs
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	if m.Full {
		sample.Procs = topOf(sample.Procs, 10)
	}
	return s.cfg.Store.AddProcSample(ctx, host.ID, sample)
}

// topOf returns the n processes with the most CPU and the n with the most memory.
func topOf(ps []meta.Proc, n int) []meta.Proc {
	if len(ps) <= 2*n {
		return ps
	}
	pick := map[int]bool{}
	for _, better := range []func(a, b meta.Proc) bool{
		func(a, b meta.Proc) bool { return a.CPU > b.CPU },
		func(a, b meta.Proc) bool { return a.RSS > b.RSS },
	} {
		chosen := map[int]bool{}
		for range n {
			best := -1
			for i := range ps {
				if !chosen[i] && (best < 0 || better(ps[i], ps[best])) {
					best = i
				}
			}
			chosen[best], pick[best] = true, true
		}
	}
	out := make([]meta.Proc, 0, len(pick))
	for i, p := range ps {
		if pick[i] {
			out = append(out, p)
		}
	}
	return out
}

// ProcEvents stores process events.
func (s *State) ProcEvents(ctx context.Context, host ingest.Host, m *wire.ProcEvents) error {
	evs := make([]meta.ProcEvent, len(m.Events))
	for i, e := range m.Events {
		kind := "start"
		if e.Kind == wire.ProcExit {
			kind = "exit"
		}
		evs[i] = meta.ProcEvent{Kind: kind, TimeMs: e.TimeMs, PID: e.PID, StartMs: e.StartMs, Name: e.Name, User: e.User, Cmdline: e.Cmdline}
	}
	return s.cfg.Store.AddProcEvents(ctx, host.ID, evs)
}

// Services keeps the newest service and container states, writes them to the store when a
// state changed or ServiceStoreEvery passed, and tells the observer each service's state.
func (s *State) Services(ctx context.Context, host ingest.Host, m *wire.Services) error {
	svcs := make([]meta.ServiceStatus, len(m.Services))
	var key strings.Builder
	for i, v := range m.Services {
		svcs[i] = meta.ServiceStatus{Kind: v.Kind, Name: v.Name, State: v.State.String(), Reason: v.Reason, TimeMs: m.TimeMs, SinceMs: m.TimeMs}
		fmt.Fprintf(&key, "s%q%q%d", v.Kind, v.Name, v.State)
	}
	cs := make([]meta.ContainerStatus, len(m.Containers))
	for i, c := range m.Containers {
		cs[i] = meta.ContainerStatus{ID: c.ID, Name: c.Name, Image: c.Image, State: c.State, Health: c.Health, Restarts: c.Restarts,
			CPU: c.CPU, MemBytes: c.MemBytes, MemLimit: c.MemLimit, RxBps: c.RxBps, TxBps: c.TxBps, TimeMs: m.TimeMs}
		fmt.Fprintf(&key, "c%q%q%q%d", c.ID, c.State, c.Health, c.Restarts)
	}
	s.mu.Lock()
	r := s.svcs[host.ID]
	if r == nil {
		r = &serviceReport{}
		s.svcs[host.ID] = r
	}
	// A state unchanged since the previous report keeps its since time.
	prev := map[[2]string]meta.ServiceStatus{}
	for _, p := range r.services {
		prev[[2]string{p.Kind, p.Name}] = p
	}
	for i, v := range svcs {
		if p, ok := prev[[2]string{v.Kind, v.Name}]; ok && p.State == v.State {
			svcs[i].SinceMs = p.SinceMs
		}
	}
	r.services, r.containers = svcs, cs
	due := key.String() != r.storedKey || m.TimeMs-r.storedAt >= s.cfg.ServiceStoreEvery.Milliseconds()
	if due {
		r.storedKey, r.storedAt = key.String(), m.TimeMs
	}
	s.mu.Unlock()

	if s.cfg.Services != nil {
		at := time.UnixMilli(m.TimeMs)
		for _, v := range svcs {
			s.cfg.Services.ObserveService(host.OrgID, host.ID, v.Kind+":"+v.Name, v.State, v.Reason, at)
		}
	}
	if !due {
		return nil
	}
	stored, err := s.cfg.Store.ReplaceServices(ctx, host.ID, m.TimeMs, svcs)
	if err != nil {
		s.forgetStored(host.ID)
		return err
	}
	// The store knows since times from before this hub started; memory adopts them.
	s.mu.Lock()
	if r := s.svcs[host.ID]; r != nil && len(r.services) == len(stored) {
		for i := range stored {
			if stored[i].SinceMs < r.services[i].SinceMs {
				r.services[i].SinceMs = stored[i].SinceMs
			}
		}
	}
	s.mu.Unlock()
	if err := s.cfg.Store.ReplaceContainers(ctx, host.ID, m.TimeMs, cs); err != nil {
		s.forgetStored(host.ID)
		return err
	}
	return nil
}

// forgetStored makes the next report of the host be written, after a failed write.
func (s *State) forgetStored(hostID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.svcs[hostID]; r != nil {
		r.storedKey = ""
	}
}

// Run deletes process data past its retention every PruneEvery until ctx ends.
func (s *State) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.PruneEvery)
	defer t.Stop()
	for {
		s.prune(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *State) prune(ctx context.Context) {
	now := s.cfg.Now()
	n, err := s.cfg.Store.PruneProcs(ctx, now.Add(-s.cfg.SampleRetention).UnixMilli(), now.Add(-s.cfg.EventRetention).UnixMilli())
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("deleting old process data failed", "err", err)
	case n > 0:
		s.log.Debug("deleted old process data", "rows", n)
	}
}
