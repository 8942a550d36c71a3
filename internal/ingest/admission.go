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
	// The hub's handshake rate is measured only while handshakes queue (every slot busy and
	// more waiting): then the handshakes finished per second are what the hub can do. The rate
	// of finished handshakes at other times is just the arrival rate, and using it made
	// refused agents wait far longer than needed. satDone and satTime are the finished
	// handshakes and the seconds of such saturation, both decaying with a 10 s time constant.
	satDone, satTime float64
	last             time.Time // when satDone and satTime were last brought up to date
	deferred         float64   // refusals in the last few seconds (decaying), to size the spread
}

// decay is the time constant of the admission's moving figures, in seconds.
const decay = 10.0

func newAdmission(slots int, maxWait time.Duration, now func() time.Time) *admission {
	return &admission{slots: make(chan struct{}, slots), maxWait: maxWait, now: now, last: now()}
}

// tick brings the decaying figures up to now. Under mu.
func (a *admission) tick() {
	now := a.now()
	dt := now.Sub(a.last).Seconds()
	if dt <= 0 {
		return
	}
	f := math.Exp(-dt / decay)
	a.satDone *= f
	a.deferred *= f
	a.satTime *= f
	if a.waiting > 0 {
		a.satTime += dt
	}
	a.last = now
}

// rate is the handshakes per second the hub can do, 0 until measured. Under mu, after tick.
func (a *admission) rate() float64 {
	if a.satTime < 0.5 || a.satDone < 1 {
		return 0
	}
	return a.satDone / a.satTime
}

// acquire takes a slot, queueing up to maxWait for one. false means the caller must refuse the
// handshake (see retryAfter).
func (a *admission) acquire(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		return true
	default:
	}
	a.mu.Lock()
	a.tick()
	// Expected wait of a newcomer: the queue ahead of it at the hub's rate. Before the rate
	// is known, a queue of a few times the slots is allowed.
	full := a.waiting >= 4*cap(a.slots)
	if r := a.rate(); r > 0 {
		full = float64(a.waiting+1)/r >= a.maxWait.Seconds()
	}
	if full {
		a.mu.Unlock()
		return false
	}
	a.waiting++
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.tick(); a.waiting--; a.mu.Unlock() }()
	t := time.NewTimer(a.maxWait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// release frees a slot taken by acquire.
func (a *admission) release() {
	<-a.slots
	a.mu.Lock()
	a.tick()
	if a.waiting > 0 {
		a.satDone++
	}
	a.mu.Unlock()
}

// retryAfter returns, in whole seconds, when a refused agent should come back: uniformly
// within the time the hub needs to serve the queue plus everyone refused recently, at least
// 1 s and at most 30 s. The agent adds up to half again, so no agent waits more than 45 s:
// inside the 60 s budget for a reconnect storm (docs/benchmarks.md) even when the rate is
// underestimated, as on a machine where other work takes the hub's CPU.
func (a *admission) retryAfter() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tick()
	a.deferred++
	rate := a.rate()
	if rate < 1 {
		rate = float64(cap(a.slots)) // not measured yet: guess one slot's worth a second
	}
	span := (float64(a.waiting) + a.deferred) / rate
	span = min(max(span, 2), 30)
	return 1 + int(rand.Float64()*span)
}
