package ingest

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestAdmissionQueue checks the admission policy with the fake clock of synctest: a handshake
// queues for a freed slot instead of being refused, gives up after maxWait, and once the
// handshake rate is known a newcomer behind a queue longer than maxWait's worth is refused at
// once.
func TestAdmissionQueue(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, a *admission)
	}{
		{"queued handshake gets a slot freed within maxWait", func(t *testing.T, a *admission) {
			if !a.acquire(context.Background()) {
				t.Fatal("first acquire failed")
			}
			got := make(chan bool)
			go func() { got <- a.acquire(context.Background()) }()
			time.Sleep(4 * time.Second)
			a.release()
			if !<-got {
				t.Error("queued handshake refused although a slot freed after 4 s (maxWait 5 s)")
			}
		}},
		{"queued handshake refused after maxWait", func(t *testing.T, a *admission) {
			a.acquire(context.Background())
			start := time.Now()
			if a.acquire(context.Background()) {
				t.Fatal("second acquire got the only slot")
			}
			if d := time.Since(start); d != 5*time.Second {
				t.Errorf("refused after %s, want maxWait 5s", d)
			}
		}},
		{"cancelled while queued", func(t *testing.T, a *admission) {
			a.acquire(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if a.acquire(ctx) {
				t.Fatal("acquire succeeded after its context ended")
			}
		}},
		{"long queue at a measured rate refuses at once", func(t *testing.T, a *admission) {
			// The one slot busy, a handshake always queued behind it, one finishing every
			// 100 ms for 3 s: the hub does 10 a second, 50 in maxWait.
			a.acquire(context.Background())
			go a.acquire(context.Background())
			synctest.Wait()
			for range 30 {
				time.Sleep(100 * time.Millisecond)
				a.release()
				synctest.Wait() // the queued one took the slot
				go a.acquire(context.Background())
				synctest.Wait()
			}
			a.mu.Lock()
			a.tick()
			r := a.rate()
			a.mu.Unlock()
			if r < 9 || r > 11 {
				t.Fatalf("measured rate %.1f/s, want 10/s", r)
			}
			for range 49 { // the slot is held by the last queued one; 49 + 1 more queue
				go a.acquire(context.Background())
			}
			synctest.Wait()
			start := time.Now()
			if a.acquire(context.Background()) {
				t.Fatal("acquire succeeded with the slot held")
			}
			if d := time.Since(start); d != 0 {
				t.Errorf("refused after %s, want at once (the queue needs 5 s at 10/s)", d)
			}
			// Refusals are spread over the time the hub needs for the queue and the refused:
			// (49 queued + ~150 refused) / 10/s ≈ 20 s.
			hi := 0
			for range 150 {
				s := a.retryAfter()
				if s < 1 || s > 31 {
					t.Fatalf("Retry-After %d outside 1..31", s)
				}
				hi = max(hi, s)
			}
			if hi < 10 {
				t.Errorf("largest Retry-After %d s: refusals not spread over the ≈20 s the queue needs", hi)
			}
			time.Sleep(6 * time.Second) // the queued ones give up
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tc.run(t, newAdmission(1, 5*time.Second, time.Now))
			})
		})
	}
}
