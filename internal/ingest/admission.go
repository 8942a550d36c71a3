package ingest

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// admission bounds the agent handshakes in progress. After a hub restart every agent of the
// fleet reconnects within seconds; doing all their handshakes at once only makes each slower
// (they share a few database connections and two cores), so at most cap run at a time and the
// rest queue for a slot.
//
// Queueing is cheap (a goroutine and a socket, which a connected agent holds anyway) and a
// queued handshake is served as soon as a slot frees, whereas a refused one costs a TCP
// connection, an HTTP request and a 503 on both sides and leaves the hub idle if it comes back
// late. So a handshake waits up to maxWait, well inside the agent's 15 s connect timeout, and
// is refused at once only when the queue ahead of it is longer than the hub can serve in
// maxWait. The refusal's Retry-After spreads the refused agents evenly over the time the hub
// needs for them at its measured handshake rate, so they come back as a steady stream, not as
// a second herd.
type admission struct {
	slots   chan struct{}
	maxWait time.Duration
	now     func() time.Time

	mu      sync.Mutex
	waiting int // handshakes queued for a slot
	// hold is the moving average of how long a handshake holds its slot. The hub's handshake
	// capacity is slots/hold: measured while it is saturated, that is its real rate, and
	// unlike the rate of finished handshakes it does not drop to the arrival rate when the
	// hub is idle (which made refused agents wait far longer than needed).
	hold     float64 // seconds; 0 until measured
	deferred float64 // refusals in the last few seconds (decaying), to size the spread
	defAt    time.Time
}

func newAdmission(slots int, maxWait time.Duration, now func() time.Time) *admission {
	return &admission{slots: make(chan struct{}, slots), maxWait: maxWait, now: now, defAt: now()}
}

// rate is the handshakes per second the hub can do (slots/hold), 0 before any finished. Under mu.
func (a *admission) rate() float64 {
	if a.hold <= 0 {
		return 0
	}
	return float64(cap(a.slots)) / a.hold
}

// acquire takes a slot, queueing up to maxWait for one, and returns when it did (the zero time
// when it did not: the caller must refuse the handshake, see retryAfter).
func (a *admission) acquire(ctx context.Context) (time.Time, bool) {
	select {
	case a.slots <- struct{}{}:
		return a.now(), true
	default:
	}
	a.mu.Lock()
	// Expected wait of a newcomer: the queue ahead of it at the hub's rate. Before the rate
	// is known, a queue of a few times the slots is allowed.
	full := a.waiting >= 4*cap(a.slots)
	if r := a.rate(); r > 0 {
		full = float64(a.waiting+1)/r >= a.maxWait.Seconds()
	}
	if full {
		a.mu.Unlock()
		return time.Time{}, false
	}
	a.waiting++
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.waiting--; a.mu.Unlock() }()
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.now(), true
	case <-t.C:
		return time.Time{}, false
	case <-ctx.Done():
		return time.Time{}, false
	}
}

// release frees a slot taken by acquire at since.
func (a *admission) release(since time.Time) {
	<-a.slots
	d := a.now().Sub(since).Seconds()
	a.mu.Lock()
	if a.hold == 0 {
		a.hold = d
	} else {
		a.hold = 0.95*a.hold + 0.05*d
	}
	a.mu.Unlock()
}

// retryAfter returns, in whole seconds, when a refused agent should come back: uniformly
// within the time the hub needs to serve the queue plus everyone refused recently, at least
// 1 s and at most 60 s (the agent adds up to half again).
func (a *admission) retryAfter() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	// Refusals decay with a 10 s time constant: agents refused longer ago are back or queued.
	a.deferred = a.deferred*math.Exp(-now.Sub(a.defAt).Seconds()/10) + 1
	a.defAt = now
	rate := a.rate()
	if rate < 1 {
		rate = float64(cap(a.slots)) // not measured yet: guess one slot's worth a second
	}
	span := (float64(a.waiting) + a.deferred) / rate
	span = min(max(span, 2), 60)
	return 1 + int(rand.Float64()*span)
}
