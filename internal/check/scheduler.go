package check

import (
	"container/heap"
	"context"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Check is one check as the scheduler runs it.
type Check struct {
	ID, OrgID int64
	HostID    *int64
	Spec      Spec
	// Up is the state last recorded in the store (nil = never established), so that a hub
	// restart does not announce every check as a fresh transition.
	Up *bool
}

// Sink takes what the scheduler produces; the composition root implements it over the series
// and metadata stores. Calls come from many goroutines at once.
type Sink interface {
	// Record stores one probe result of one location (response time and state series).
	// overall is the check's state by quorum after this result (nil: not known).
	Record(ctx context.Context, c Check, loc int64, r Result, overall *bool) error
	// StateChanged stores a transition between up and down (after retries).
	StateChanged(ctx context.Context, c Check, up bool, r Result) error
}

// Observer is told a check's state after every probe (as judged after retries, so a failure
// within the retries still reports up), which lets an alert engine apply its own durations and
// see a transition at once; the alert engine implements it. The call must not block for long
// (it runs on a probe's goroutine).
type Observer interface {
	ObserveCheck(orgID, checkID int64, hostID *int64, name string, up bool, reason string, at time.Time)
}

// DefaultConcurrency bounds the probes running at once. Probes wait on the network, not the
// CPU; 64 keeps a thousand 30 s checks with 1 s answers well within their interval while
// bounding sockets and goroutines.
const DefaultConcurrency = 64

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Sink        Sink
	Observer    Observer // nil: transitions are only logged
	NewProber   func(id int64, s Spec) (Prober, error)
	Concurrency int
	Logger      *slog.Logger
}

// Scheduler runs every check at its interval. Each check runs at a fixed phase within its
// interval derived from its id, so checks with the same interval are spread over it instead of
// all firing at once; at most Concurrency probes run at a time, and a check never overlaps
// itself.
type Scheduler struct {
	cfg  SchedulerConfig
	log  *slog.Logger
	sem  chan struct{}
	wake chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	entries map[int64]*entry
	queue   queue
	ctx     context.Context // set by Run; probes started later use it
}

type entry struct {
	check   Check
	prober  Prober
	next    time.Time
	index   int // in queue; -1 when not queued
	running bool
	rerun   bool // Set asked for an immediate run while a probe was running
	// locs is each location's view (Hub and the agents of Spec.Where), see report.go.
	locs map[int64]*locEntry
	// last is the newest result of any location, for Last.
	last *Result
}

// NewScheduler returns a scheduler with no checks; Set adds them and Run runs them.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{
		cfg: cfg, log: cfg.Logger.With("component", "check"), sem: make(chan struct{}, cfg.Concurrency),
		wake: make(chan struct{}, 1), entries: map[int64]*entry{},
	}
}

// phase is the check's fixed offset within its interval.
func phase(id int64, interval time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(id, 10)))
	return time.Duration(h.Sum64() % uint64(interval))
}

// nextSlot is the first instant after now at the check's phase of its interval.
func nextSlot(id int64, interval time.Duration, now time.Time) time.Time {
	p := phase(id, interval)
	since := now.Sub(time.Unix(0, 0)) - p
	return now.Add(interval - since%interval)
}

// Set adds or replaces a check. runNow runs it at once (a check the user just created or
// edited shows a result immediately); otherwise it first runs at its phase.
func (s *Scheduler) Set(c Check, runNow bool) error {
	p, err := s.cfg.NewProber(c.ID, c.Spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[c.ID]
	if e == nil {
		e = &entry{index: -1}
		s.entries[c.ID] = e
	} else {
		c.Up = e.check.Up // the scheduler's own view is newer than the caller's
	}
	e.check, e.prober = c, p
	e.setLocations(c.Spec.Where())
	if c.Spec.Paused || !slices.Contains(c.Spec.Where(), Hub) { // agents run it, the hub only judges
		s.unqueue(e)
		return nil
	}
	e.next = nextSlot(c.ID, sec(c.Spec.IntervalS), time.Now())
	if runNow {
		e.next = time.Now()
		e.rerun = e.running // the running probe used the old spec: run the new one when it ends
	}
	if e.index >= 0 {
		heap.Fix(&s.queue, e.index)
	} else if !e.running {
		heap.Push(&s.queue, e)
	}
	s.poke()
	return nil
}

// Remove stops a check; a probe of it that is running is discarded.
func (s *Scheduler) Remove(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[id]; e != nil {
		s.unqueue(e)
		delete(s.entries, id)
	}
}

func (s *Scheduler) unqueue(e *entry) {
	if e.index >= 0 {
		heap.Remove(&s.queue, e.index)
	}
}

// Last returns the newest result of a check (of any location) and how many probes in a row
// failed at that location.
func (s *Scheduler) Last(id int64) (Result, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[id]
	if e == nil || e.last == nil {
		return Result{}, 0, false
	}
	fails := 0
	for _, l := range e.locs {
		if l.last != nil && l.last.Time.Equal(e.last.Time) {
			fails = l.fails
		}
	}
	return *e.last, fails, true
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs due checks until ctx ends, then waits for running probes to finish.
func (s *Scheduler) Run(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := s.dispatch(time.Now())
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-timer.C:
		case <-s.wake:
		}
	}
}

// dispatch starts every due check and returns how long until the next one is due.
func (s *Scheduler) dispatch(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.queue.Len() > 0 {
		e := s.queue[0]
		if wait := e.next.Sub(now); wait > 0 {
			return wait
		}
		heap.Pop(&s.queue)
		e.running = true
		c, p := e.check, e.prober
		s.wg.Go(func() { s.run(e, c, p) })
	}
	return time.Hour
}

// run probes once (waiting for a concurrency slot first) and schedules the next run.
func (s *Scheduler) run(e *entry, c Check, p Prober) {
	ctx := s.ctx
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	// The probe bounds itself by the check's timeout; this outer bound only guards against a
	// prober that does not.
	pctx, cancel := context.WithTimeout(ctx, ms(c.Spec.TimeoutMs)+time.Second)
	r := p.Probe(pctx)
	cancel()
	<-s.sem
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	e.running = false
	if s.entries[c.ID] == e && !e.check.Spec.Paused && e.index < 0 && slices.Contains(e.check.Spec.Where(), Hub) {
		e.next = nextSlot(c.ID, sec(e.check.Spec.IntervalS), time.Now())
		if e.rerun {
			e.next, e.rerun = time.Now(), false
		}
		heap.Push(&s.queue, e)
		s.poke()
	}
	s.mu.Unlock()
	s.report(ctx, e, c.ID, Hub, r)
}

func (s *Scheduler) transition(ctx context.Context, c Check, up bool, r Result) {
	if err := s.cfg.Sink.StateChanged(ctx, c, up, r); err != nil {
		s.log.Error("could not store a check state change", "check_id", c.ID, "err", err)
	}
	state := "down"
	if up {
		state = "up"
	}
	s.log.Info("check state changed", "check_id", c.ID, "check", c.Spec.Name, "org_id", c.OrgID, "state", state, "reason", r.Message)
}

func ptr[T any](v T) *T { return &v }

// queue is a min-heap of entries by next run time.
type queue []*entry

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *queue) Push(x any) {
	e := x.(*entry)
	e.index = len(*q)
	*q = append(*q, e)
}
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*q = old[:len(old)-1]
	return e
}
