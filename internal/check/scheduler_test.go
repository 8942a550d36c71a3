package check

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is the scheduler's Sink and Observer in tests.
type recorder struct {
	mu          sync.Mutex
	results     map[int64][]Result
	transitions []string
	observed    []string
}

func newRecorder() *recorder { return &recorder{results: map[int64][]Result{}} }

func (r *recorder) Record(_ context.Context, c Check, _ int64, res Result, _ *bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results[c.ID] = append(r.results[c.ID], res)
	return nil
}

func (r *recorder) StateChanged(_ context.Context, c Check, up bool, res Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transitions = append(r.transitions, fmt.Sprintf("%d %v @%s", c.ID, up, res.Time.UTC().Format("15:04:05")))
	return nil
}

func (r *recorder) ObserveCheck(orgID, checkID int64, hostID *int64, name string, up bool, reason string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observed = append(r.observed, fmt.Sprintf("org %d check %d %s up=%v: %s", orgID, checkID, name, up, reason))
}

// scripted answers a fixed sequence of statuses (the last repeats), each after delay.
type scripted struct {
	mu       sync.Mutex
	statuses []Status
	delay    time.Duration
	running  *gauge
}

func (p *scripted) Probe(ctx context.Context) Result {
	if p.running != nil {
		p.running.add(1)
		defer p.running.add(-1)
	}
	start := time.Now()
	select {
	case <-time.After(p.delay):
	case <-ctx.Done():
		return Result{Time: start, Status: Down, Message: "timeout"}
	}
	p.mu.Lock()
	st := p.statuses[0]
	if len(p.statuses) > 1 {
		p.statuses = p.statuses[1:]
	}
	p.mu.Unlock()
	return Result{Time: start, Status: st, Duration: p.delay, Message: st.String()}
}

// gauge tracks a current and a maximum count.
type gauge struct {
	mu       sync.Mutex
	cur, max int
}

func (g *gauge) add(d int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cur += d
	g.max = max(g.max, g.cur)
}

func TestSchedulerRetriesAndTransitions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		script := &scripted{statuses: []Status{Up, Down, Down, Up, Down, Down, Down, Degraded}}
		s := NewScheduler(SchedulerConfig{Sink: rec, Observer: rec, NewProber: func(int64, Spec) (Prober, error) { return script, nil }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		spec := Spec{Name: "api", Type: TypeTCP, IntervalS: 60, TimeoutMs: 5000, Retries: 2}
		if err := s.Set(Check{ID: 5, OrgID: 3, Spec: spec}, true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8*time.Minute + time.Second) // fake time: runs at 0, then at the phase each minute
		synctest.Wait()
		cancel()
		<-done

		rec.mu.Lock()
		defer rec.mu.Unlock()
		if n := len(rec.results[5]); n < 8 || n > 9 {
			t.Fatalf("got %d results in 8 minutes at 60 s, want 8 or 9", n)
		}
		// up; two failures stay within retries; up; three failures → down; degraded → up.
		want := []string{
			"org 3 check 5 api up=true: up", "org 3 check 5 api up=true: down", "org 3 check 5 api up=true: down",
			"org 3 check 5 api up=true: up", "org 3 check 5 api up=true: down", "org 3 check 5 api up=true: down",
			"org 3 check 5 api up=false: down", "org 3 check 5 api up=true: degraded"}
		if got := rec.observed[:len(want)]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("observer got %q, want %q", got, want)
		}
		if len(rec.transitions) != 3 || !strings.Contains(rec.transitions[1], "false") {
			t.Errorf("got stored transitions %q, want up, down, up", rec.transitions)
		}
		// After the immediate first run, runs are exactly one interval apart.
		res := rec.results[5]
		for i := 2; i < len(res); i++ {
			if d := res[i].Time.Sub(res[i-1].Time); d != time.Minute {
				t.Errorf("run %d came %v after the previous, want 1m", i, d)
			}
		}
	})
}

// TestSchedulerSpreadAndConcurrency: 500 checks of 30 s created at once (all due now) run
// with at most 64 probes at a time, every check then runs once per interval, and from the
// second run on their start times spread over the interval instead of bunching.
func TestSchedulerSpreadAndConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		g := &gauge{}
		s := NewScheduler(SchedulerConfig{Sink: rec, NewProber: func(int64, Spec) (Prober, error) {
			return &scripted{statuses: []Status{Up}, delay: 200 * time.Millisecond, running: g}, nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		const n = 500
		for id := int64(1); id <= n; id++ {
			if err := s.Set(Check{ID: id, OrgID: 1, Spec: Spec{Name: "c", IntervalS: 30, TimeoutMs: 10000}}, true); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		cancel()
		<-done

		if g.max != DefaultConcurrency {
			t.Errorf("got at most %d probes at once, want the bound %d reached and kept", g.max, DefaultConcurrency)
		}
		perSecond := map[int]int{}
		for id := int64(1); id <= n; id++ {
			res := rec.results[id]
			if len(res) < 10 || len(res) > 11 {
				t.Fatalf("check %d ran %d times in 5 min at 30 s, want 10–11", id, len(res))
			}
			perSecond[int(res[1].Time.Sub(start)/time.Second)%30]++
		}
		if len(perSecond) < 25 {
			t.Errorf("second runs fell into %d distinct seconds of 30, want them spread", len(perSecond))
		}
		for sec, k := range perSecond {
			if k > 3*n/30 {
				t.Errorf("%d checks started in second %d, want about %d", k, sec, n/30)
			}
		}
	})
}

// TestSchedulerHungProbe: a probe that never returns on its own is cut off by the scheduler,
// and the other checks keep their schedule meanwhile.
func TestSchedulerHungProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		s := NewScheduler(SchedulerConfig{Sink: rec, Concurrency: 2, NewProber: func(id int64, _ Spec) (Prober, error) {
			if id == 1 {
				return &scripted{statuses: []Status{Up}, delay: 24 * time.Hour}, nil // hangs
			}
			return &scripted{statuses: []Status{Up}}, nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		for id := int64(1); id <= 2; id++ {
			s.Set(Check{ID: id, Spec: Spec{Name: "c", IntervalS: 10, TimeoutMs: 2000}}, true)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		<-done
		if n := len(rec.results[2]); n < 6 {
			t.Errorf("healthy check ran %d times in a minute at 10 s, want 6–7", n)
		}
		if len(rec.results[1]) < 5 || rec.results[1][0].Status != Down {
			t.Errorf("hung check: got %d results (%v), want ≥5 timeouts", len(rec.results[1]), rec.results[1])
		}
	})
}

func TestSchedulerRemoveAndPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		s := NewScheduler(SchedulerConfig{Sink: rec, NewProber: func(int64, Spec) (Prober, error) { return &scripted{statuses: []Status{Up}}, nil }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		spec := Spec{Name: "c", IntervalS: 10, TimeoutMs: 1000}
		s.Set(Check{ID: 1, Spec: spec}, true)
		s.Set(Check{ID: 2, Spec: spec}, true)
		time.Sleep(25 * time.Second)
		s.Remove(1)
		spec.Paused = true
		s.Set(Check{ID: 2, Spec: spec}, false)
		synctest.Wait()
		r1, r2 := len(rec.results[1]), len(rec.results[2])
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		<-done
		if len(rec.results[1]) != r1 || len(rec.results[2]) != r2 || r1 < 2 {
			t.Errorf("got %d→%d and %d→%d results, want none after remove/pause", r1, len(rec.results[1]), r2, len(rec.results[2]))
		}
		if _, _, ok := s.Last(1); ok {
			t.Error("removed check still has a last result")
		}
		if r, _, ok := s.Last(2); !ok || r.Status != Up {
			t.Errorf("paused check's last result: got %v %v", r, ok)
		}
	})
}

// TestSchedulerSetWhileRunning: a check edited while its probe runs is probed again with the
// new spec as soon as that probe ends, not an interval later.
func TestSchedulerSetWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		s := NewScheduler(SchedulerConfig{Sink: rec, NewProber: func(int64, Spec) (Prober, error) {
			return &scripted{statuses: []Status{Up}, delay: 5 * time.Second}, nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		spec := Spec{Name: "c", IntervalS: 3600, TimeoutMs: 10000}
		s.Set(Check{ID: 1, Spec: spec}, true)
		time.Sleep(time.Second) // the first probe is running
		s.Set(Check{ID: 1, Spec: spec}, true)
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		<-done
		if n := len(rec.results[1]); n != 2 {
			t.Errorf("got %d results in a minute, want 2 (the edit's run right after the first)", n)
		}
	})
}
