package check

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
)

// Check results live in the series store under a negative owner id (-check id), so they never
// collide with a host's series and use the same blocks, rollups and retention as host metrics.
const (
	SeriesResponse = "check_response_ms"
	SeriesState    = "check_state"
)

// SeriesOwner is the series store owner of a check's results.
func SeriesOwner(checkID int64) int64 { return -checkID }

// SeriesWriter is the part of the series store the service uses.
type SeriesWriter interface {
	SeriesIDs(ctx context.Context, owner int64, keys []series.Key) ([]uint32, error)
	Append(ctx context.Context, owner int64, snaps []series.Snapshot) error
	DeleteHost(ctx context.Context, owner int64) error
}

// Service connects the scheduler to the stores: it loads checks at start, stores results and
// state changes, keeps the push book, and tells the alert observer about transitions.
type Service struct {
	db    *meta.DB
	store SeriesWriter
	sched *Scheduler
	log   *slog.Logger

	mu     sync.Mutex
	pushes map[int64]Push
}

var _ Sink = (*Service)(nil)

// NewService builds the service. obs is told about every transition (the alert engine); nil
// leaves transitions to the scheduler's log and the check_events history.
func NewService(db *meta.DB, store SeriesWriter, obs Observer, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Service{db: db, store: store, log: logger.With("component", "check"), pushes: map[int64]Push{}}
	env := NewEnv(r.lastPush)
	r.sched = NewScheduler(SchedulerConfig{
		Sink: r, Observer: obs, Logger: logger,
		NewProber: func(id int64, s Spec) (Prober, error) { return NewProber(id, s, env) },
	})
	return r
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
func SpecOf(m meta.Check) (Spec, error) {
	s, err := DecodeSpec(m.Spec)
	if err != nil {
		return Spec{}, fmt.Errorf("check %d: %w", m.ID, err)
	}
	return s, nil
}

func (r *Service) set(m meta.Check, runNow bool) error {
	s, err := SpecOf(m)
	if err != nil {
		return err
	}
	c := Check{ID: m.ID, OrgID: m.OrgID, HostID: m.HostID, Spec: s}
	if m.State != "" {
		up := m.State == "up"
		c.Up = &up
	}
	if m.Push != nil {
		r.Pushed(m.ID, *m.Push)
	}
	return r.sched.Set(c, runNow)
}

// Set (re)schedules a check the API created or changed, running it at once.
func (r *Service) Set(m meta.Check) error { return r.set(m, true) }

// Remove unschedules a deleted check and deletes its results.
func (r *Service) Remove(ctx context.Context, id int64) error {
	r.sched.Remove(id)
	r.mu.Lock()
	delete(r.pushes, id)
	r.mu.Unlock()
	return r.store.DeleteHost(ctx, SeriesOwner(id))
}

// Pushed records a call of a push check's URL.
func (r *Service) Pushed(id int64, p meta.CheckPush) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes[id] = Push{At: p.At, Down: p.Down, Message: p.Message}
}

func (r *Service) lastPush(id int64) (Push, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pushes[id]
	return p, ok
}

// Last returns the newest result of a check since the hub started.
func (r *Service) Last(id int64) (Result, int, bool) { return r.sched.Last(id) }

// Record stores a result: the state (1 up or degraded, 0 down) always, the response time only
// when the target answered (a failure's duration is how long it took to fail, not a response).
func (r *Service) Record(ctx context.Context, c Check, res Result) error {
	owner := SeriesOwner(c.ID)
	ids, err := r.store.SeriesIDs(ctx, owner, []series.Key{{Name: SeriesState}, {Name: SeriesResponse}})
	if err != nil {
		return err
	}
	state := 0.0
	samples := []series.Sample{{ID: ids[0]}}
	if res.Status.IsUp() {
		state = 1
		samples = append(samples, series.Sample{ID: ids[1], Value: float64(res.Duration.Microseconds()) / 1000})
	}
	samples[0].Value = state
	return r.store.Append(ctx, owner, []series.Snapshot{{TimeMs: res.Time.UnixMilli(), Samples: samples}})
}

// StateChanged stores a transition; a check deleted while its probe ran is ignored.
func (r *Service) StateChanged(ctx context.Context, c Check, up bool, res Result) error {
	err := r.db.SetCheckState(ctx, c.ID, up, res.Time, res.Message)
	if errors.Is(err, meta.ErrNotFound) {
		return nil
	}
	return err
}
