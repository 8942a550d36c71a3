package agent

import "time"

// Clock is the agent's source of time: the schedule, the backoff between reconnects and the
// snapshot timestamps all go through it, so tests can drive them without sleeping.
type Clock interface {
	Now() time.Time
	// Timer delivers the time once d has passed, like time.NewTimer; stop releases it early.
	Timer(d time.Duration) (c <-chan time.Time, stop func())
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}
