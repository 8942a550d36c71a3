package agent

import (
	"context"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/spool"
)

// Interval bounds: the hub may ask for any interval, the agent keeps it within these.
const (
	MinInterval  = time.Second
	MaxInterval  = 10 * time.Minute
	liveInterval = time.Second
)

// mode is what the hub asked for; the scheduler reads it at every boundary.
type mode struct {
	mu       sync.Mutex
	live     bool
	override time.Duration // interval from welcome or a set-interval command; 0 = own
	wake     chan struct{} // pokes the scheduler to recompute its next boundary
	procWake chan struct{} // the same for the process walker
}

func (m *mode) set(f func()) {
	m.mu.Lock()
	f()
	m.mu.Unlock()
	for _, ch := range []chan struct{}{m.wake, m.procWake} {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (m *mode) isLive() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// interval is the current collection interval given the agent's own one.
func (m *mode) interval(own time.Duration) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.live:
		return liveInterval
	case m.override != 0:
		return m.override
	}
	return own
}

// setLive switches live mode, logging only changes.
func (a *Agent) setLive(on bool) {
	changed := false
	a.mode.set(func() { changed, a.mode.live = a.mode.live != on, on })
	if changed {
		a.log.Info("live mode", "on", on)
	}
}

// setInterval applies the hub's interval (0 = the agent's own), clamped to the bounds.
func (a *Agent) setInterval(ms uint64) {
	d := time.Duration(min(ms, uint64(MaxInterval.Milliseconds()))) * time.Millisecond
	if d != 0 {
		d = max(d, MinInterval)
	}
	a.mode.set(func() { a.mode.override = d })
	a.log.Info("hub set the collection interval", "interval", d, "own", a.cfg.Interval)
}

// nextBoundary is the first wall-clock multiple of interval (counted from the Unix epoch, so
// agents' snapshots line up across hosts) strictly after now.
func nextBoundary(now time.Time, interval time.Duration) time.Time {
	iv := interval.Milliseconds()
	return time.UnixMilli((now.UnixMilli()/iv + 1) * iv)
}

// schedule collects once at start and then on every interval boundary, whether or not a hub
// is connected: snapshots wait in the spool.
func (a *Agent) schedule(ctx context.Context) {
	a.collectOnce(a.cfg.Clock.Now())
	for {
		interval := a.mode.interval(a.cfg.Interval)
		now := a.cfg.Clock.Now()
		next := nextBoundary(now, interval)
		fire, stop := a.cfg.Clock.Timer(next.Sub(now))
	wait:
		select {
		case <-ctx.Done():
			stop()
			return
		case <-a.mode.wake:
			if a.mode.interval(a.cfg.Interval) == interval {
				goto wait // nothing changed (a repeated command): keep the timer
			}
			stop() // the interval changed: recompute the boundary
		case now := <-fire:
			// A timer that fires late (suspend, overload) stamps the real time; one that fires
			// on time stamps the boundary, which keeps timestamps regular.
			if now.Sub(next) < interval/2 {
				now = next
			}
			a.collectOnce(now)
		}
	}
}

// collectOnce collects, numbers and stores one snapshot, then wakes the connection.
func (a *Agent) collectOnce(now time.Time) {
	samples, err := a.src.Collect(now)
	if err != nil {
		a.log.Debug("some collectors failed", "err", err)
	}
	a.seq++
	snap := a.reg.snapshot(a.seq, now.UnixMilli(), samples)
	rec := spool.Record{Seq: snap.Seq, TimeMs: snap.TimeMs, Values: make([]spool.Value, len(snap.Values))}
	for i, v := range snap.Values {
		rec.Values[i] = spool.Value{ID: v.ID, V: v.V}
	}
	// The snapshot is stored before it can be sent; if the disk fails it is kept in memory.
	if err := a.store.Append(rec); err != nil && now.Sub(a.spoolErrAt) > 10*time.Minute {
		a.spoolErrAt = now
		a.log.Error("writing to the spool failed; keeping snapshots in memory only", "err", err)
	}
	if d := a.store.TakeDropped(); d > 0 {
		a.stats.dropped.Add(uint64(d))
		a.log.Warn("spool limit reached: dropped the oldest unacknowledged snapshots", "dropped", d,
			"max_bytes", a.cfg.SpoolMaxBytes, "max_age", a.cfg.SpoolMaxAge, "max_pending", a.cfg.MaxPending)
	}
	a.lastSeq.Store(snap.Seq)
	a.collected.Add(1)
	select {
	case a.fresh <- struct{}{}:
	default:
	}
}
