package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Attempt is one try at delivering a message, recorded for the delivery log.
type Attempt struct {
	Channel  string
	Subject  string
	Try      int // 1-based
	Start    time.Time
	Duration time.Duration
	Err      error // nil on success
	Test     bool  // a test send from the UI
}

// Recorder stores delivery attempts; the hub backs it with the metadata store.
type Recorder interface {
	Record(ctx context.Context, a Attempt)
}

// Route sends messages of at least MinSeverity to Channel.
type Route struct {
	Channel     string
	MinSeverity Severity
}

// ErrUnknownChannel is returned for a channel ID the Dispatcher does not have.
var ErrUnknownChannel = errors.New("unknown channel")

// Dispatcher delivers messages to named channels, retrying failures with exponential
// backoff (BaseDelay, doubling, capped at MaxDelay, MaxAttempts in all) and recording every
// attempt. Time is injected: Now stamps attempts and Sleep waits between them, so backoff is
// tested without real waiting.
type Dispatcher struct {
	Channels    map[string]Channel
	Routes      []Route
	Recorder    Recorder // may be nil
	MaxAttempts int
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	Now         func() time.Time
	Sleep       func(ctx context.Context, d time.Duration) error
}

// NewDispatcher returns a dispatcher with 5 attempts, backoff 1 s doubling to at most 1 min,
// the real clock and a context-aware sleep.
func NewDispatcher(channels map[string]Channel, rec Recorder) *Dispatcher {
	return &Dispatcher{Channels: channels, Recorder: rec, MaxAttempts: 5, BaseDelay: time.Second,
		MaxDelay: time.Minute, Now: time.Now, Sleep: sleepCtx}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Deliver sends m to one channel, retrying until it succeeds, fails permanently, runs out
// of attempts or ctx ends. It returns the last error.
func (d *Dispatcher) Deliver(ctx context.Context, channel string, m Message) error {
	return d.deliver(ctx, channel, m, false)
}

// Dispatch delivers m to every route whose MinSeverity it reaches, one after another, and
// returns the failures joined.
func (d *Dispatcher) Dispatch(ctx context.Context, m Message) error {
	var errs []error
	for _, r := range d.Routes {
		if m.Severity >= r.MinSeverity {
			errs = append(errs, d.Deliver(ctx, r.Channel, m))
		}
	}
	return errors.Join(errs...)
}

// Test sends a test message to one channel (the UI's test-send button). It is attempted
// once: the person pressing the button wants the real error now, not after backoff.
func (d *Dispatcher) Test(ctx context.Context, channel string) error {
	m := Message{Subject: "Vigil test notification", Severity: SevInfo, Time: d.Now(),
		Text: "This is a test notification from Vigil. If you can read it, the channel works.",
		HTML: "<p>This is a test notification from <b>Vigil</b>. If you can read it, the channel works.</p>"}
	return d.deliver(ctx, channel, m, true)
}

func (d *Dispatcher) deliver(ctx context.Context, channel string, m Message, test bool) error {
	ch, ok := d.Channels[channel]
	if !ok {
		return fmt.Errorf("deliver to %q: %w", channel, ErrUnknownChannel)
	}
	attempts := max(d.MaxAttempts, 1)
	if test {
		attempts = 1
	}
	delay := d.BaseDelay
	var err error
	for try := 1; ; try++ {
		start := d.Now()
		err = ch.Send(ctx, m)
		if d.Recorder != nil {
			d.Recorder.Record(ctx, Attempt{Channel: channel, Subject: m.Subject, Try: try, Start: start,
				Duration: d.Now().Sub(start), Err: err, Test: test})
		}
		if err == nil {
			return nil
		}
		if IsPermanent(err) || try >= attempts {
			break
		}
		if serr := d.Sleep(ctx, delay); serr != nil {
			return fmt.Errorf("deliver to %q: gave up after %d attempts: %w", channel, try, errors.Join(err, serr))
		}
		delay = min(delay*2, max(d.MaxDelay, d.BaseDelay))
	}
	return fmt.Errorf("deliver to %q: %w", channel, err)
}
