package auth

import (
	"crypto/sha256"
	"encoding/hex"
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
	// sweepAt is the map size that triggers the next sweep; it doubles past what a sweep could
	// not free, so sweeping costs amortized O(1) per call even under a spray of addresses.
	sweepAt int
}

// maxIdleBuckets is the map size above which buckets that have refilled are forgotten.
const maxIdleBuckets = 100000

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLoginLimiter allows 10 failures, then one attempt per 30 s.
func NewLoginLimiter(now func() time.Time) *LoginLimiter {
	return &LoginLimiter{Burst: 10, Refill: 30 * time.Second, Now: now}
}

func (l *LoginLimiter) get(key string, now time.Time) *bucket {
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= max(l.sweepAt, maxIdleBuckets) {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.Burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = l.refilled(b, now)
	b.at = now
	return b
}

// refilled is the bucket's tokens at now, without changing it.
func (l *LoginLimiter) refilled(b *bucket, now time.Time) float64 {
	return min(float64(l.Burst), b.tokens+now.Sub(b.at).Seconds()/l.Refill.Seconds())
}

// sweep forgets buckets that have refilled completely: they hold nothing a new bucket would not.
func (l *LoginLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.refilled(b, now) >= float64(l.Burst) {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = 2 * len(l.buckets)
}

// Allow reports whether every key may attempt a login now, and how long to wait if not. It
// stores nothing: only failures create state, so attempts alone cannot grow memory.
func (l *LoginLimiter) Allow(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	for _, k := range keys {
		b := l.buckets[boundKey(k)]
		if b == nil {
			continue
		}
		if tokens := l.refilled(b, now); tokens < 1 {
			return false, time.Duration((1 - tokens) * float64(l.Refill))
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
		l.get(boundKey(k), now).tokens--
	}
}

// boundKey keeps attacker-chosen keys (an email field can be as long as a request body) from
// costing more than a hash's worth of memory.
func boundKey(k string) string {
	if len(k) <= 128 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(sum[:])
}
