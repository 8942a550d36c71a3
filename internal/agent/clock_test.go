package agent

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test says so. Tests wait until the agent's
// goroutines have armed their timers (waitTimers), then fire the earliest (fireNext): the
// agent is then known to be idle, so nothing depends on real time passing.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  map[int]*fakeTimer
	nextID  int
	changed chan struct{} // closed and replaced whenever the set of timers changes
}

type fakeTimer struct {
	d  time.Duration // as armed
	at time.Time
	ch chan time.Time
}

func newFakeClock(start time.Time) *fakeClock {
	return &fakeClock{now: start, timers: map[int]*fakeTimer{}, changed: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch, func() {}
	}
	id := c.nextID
	c.nextID++
	c.timers[id] = &fakeTimer{d: d, at: c.now.Add(d), ch: ch}
	c.notify()
	return ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.timers[id]; ok {
			delete(c.timers, id)
			c.notify()
		}
	}
}

func (c *fakeClock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// armed lists the armed timers' original durations, soonest first, and a channel that is
// closed when that changes.
func (c *fakeClock) armed() ([]time.Duration, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := make([]*fakeTimer, 0, len(c.timers))
	for _, t := range c.timers {
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b *fakeTimer) int { return a.at.Compare(b.at) })
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.d
	}
	return out, c.changed
}

// waitTimers blocks until ok holds for the armed timers' durations (soonest first).
func (c *fakeClock) waitTimers(t *testing.T, what string, ok func(ds []time.Duration) bool) []time.Duration {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second) // a failure guard, not synchronisation
	defer deadline.Stop()
	for {
		ds, changed := c.armed()
		if ok(ds) {
			return ds
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out waiting for timers: %s; armed: %v", what, ds)
		}
	}
}

// count is a waitTimers condition: exactly n timers armed.
func count(n int) func([]time.Duration) bool {
	return func(ds []time.Duration) bool { return len(ds) == n }
}

// fireNext moves the clock to the soonest timer and fires it, returning its duration.
func (c *fakeClock) fireNext(t *testing.T) time.Duration {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	id := -1
	for i, tm := range c.timers {
		if id < 0 || tm.at.Before(c.timers[id].at) {
			id = i
		}
	}
	if id < 0 {
		t.Fatal("fireNext: no timer armed")
	}
	tm := c.timers[id]
	delete(c.timers, id)
	if tm.at.After(c.now) {
		c.now = tm.at
	}
	tm.ch <- c.now
	c.notify()
	return tm.d
}

// advance moves the clock without firing anything; for gaps while no agent runs.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
