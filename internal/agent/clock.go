package agent

import "time"

// Clock is the agent's source of time: the schedule, the backoff between reconnects and the
// snapshot timestamps all go through it, so tests can drive them without sleeping.
type Clock interface {
	Now() time.Time
	// After delivers the time once d has passed, like time.After.
	After(d time.Duration) <-chan time.Time
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
