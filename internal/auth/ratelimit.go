package auth

import (
	"sync"
	"time"
)

// LoginLimiter throttles password guessing per client address and per account: each key may
// fail Burst times, then one more attempt is allowed every Refill. State is in memory, so a
// restart forgets it; that costs an attacker a restart per burst, which they cannot cause.
type LoginLimiter struct {
	Burst  int
	Refill time.Duration
	Now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLoginLimiter allows 10 failures, then one attempt per 30 s.
func NewLoginLimiter(now func() time.Time) *LoginLimiter {
	return &LoginLimiter{Burst: 10, Refill: 30 * time.Second, Now: now, buckets: map[string]*bucket{}}
}

func (l *LoginLimiter) get(key string, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.Burst), at: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.at).Seconds() / l.Refill.Seconds()
	if b.tokens > float64(l.Burst) {
		b.tokens = float64(l.Burst)
	}
	b.at = now
	if len(l.buckets) > 100000 { // bound memory under a spray of addresses: forget full buckets
		for k, v := range l.buckets {
			if v.tokens >= float64(l.Burst) {
				delete(l.buckets, k)
			}
		}
	}
	return b
}

// Allow reports whether every key may attempt a login now, and how long to wait if not.
func (l *LoginLimiter) Allow(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		if b := l.get(k, now); b.tokens < 1 {
			return false, time.Duration((1 - b.tokens) * float64(l.Refill))
		}
	}
	return true, 0
}

// Fail charges a failed attempt to every key.
func (l *LoginLimiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		l.get(k, now).tokens--
	}
}
