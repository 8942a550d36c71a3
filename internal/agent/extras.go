package agent

import (
	"context"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/procs"
	"github.com/vigil-mon/vigil/internal/wire"
)

// ProcSource walks the host's processes; *procs.Walker is the real one.
type ProcSource interface {
	Walk(now time.Time, full bool) (wire.Procs, []wire.ProcEvent, error)
}

// ServiceSource checks the watched services and containers; *services.Checker is the real one.
type ServiceSource interface {
	Check(ctx context.Context, now time.Time) wire.Services
}

var _ ProcSource = (*procs.Walker)(nil)

// extras holds the best-effort messages of protocol version 2 until a connection sends them.
// Only the newest process sample and service report are kept (an old one is worth nothing once
// a newer exists); process events queue up to wire.MaxProcEvents while no hub is connected,
// dropping the oldest, so a short outage leaves no hole in the hub's timeline.
type extras struct {
	mu       sync.Mutex
	procs    *wire.Procs
	events   []wire.ProcEvent
	dropped  uint64
	services *wire.Services
	fresh    chan struct{} // something new to send
}

func (x *extras) put(f func()) {
	x.mu.Lock()
	f()
	x.mu.Unlock()
	select {
	case x.fresh <- struct{}{}:
	default:
	}
}

func (x *extras) addEvents(evs []wire.ProcEvent) {
	if len(evs) == 0 {
		return
	}
	x.put(func() {
		x.events = append(x.events, evs...)
		if over := len(x.events) - wire.MaxProcEvents; over > 0 {
			x.dropped += uint64(over)
			x.events = append(x.events[:0], x.events[over:]...)
		}
	})
}

// take returns what is waiting and clears it; a failed send loses the samples (best effort)
// but puts the events back with giveBack.
func (x *extras) take() (*wire.Procs, []wire.ProcEvent, *wire.Services) {
	x.mu.Lock()
	defer x.mu.Unlock()
	p, e, s := x.procs, x.events, x.services
	x.procs, x.events, x.services = nil, nil, nil
	return p, e, s
}

func (x *extras) giveBack(evs []wire.ProcEvent) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.events = append(evs, x.events...)
	if over := len(x.events) - wire.MaxProcEvents; over > 0 {
		x.dropped += uint64(over)
		x.events = x.events[over:]
	}
}

// sendExtras writes whatever best-effort messages are waiting. It is called only on
// connections that negotiated version 2.
func (a *Agent) sendExtras(enc *wire.Encoder, write func([]byte) error) error {
	p, evs, s := a.extra.take()
	if p != nil {
		frame, err := enc.Procs(p)
		if err != nil {
			a.log.Warn("process sample not sent", "err", err)
		} else if err := write(frame); err != nil {
			a.extra.giveBack(evs)
			return err
		}
	}
	if len(evs) > 0 {
		frame, err := enc.ProcEvents(&wire.ProcEvents{Events: evs})
		if err != nil {
			a.log.Warn("process events not sent", "err", err, "events", len(evs))
		} else if err := write(frame); err != nil {
			a.extra.giveBack(evs)
			return err
		}
	}
	if s != nil {
		frame, err := enc.Services(s)
		if err != nil {
			a.log.Warn("service report not sent", "err", err)
		} else if err := write(frame); err != nil {
			return err
		}
	}
	return nil
}

// procLoop walks the processes every ProcInterval, and every second (the whole table) while
// someone watches the host live. It runs whether or not a hub is connected, so that start and
// exit events are seen during an outage too.
func (a *Agent) procLoop(ctx context.Context) {
	walk := func(now time.Time, live bool) {
		sample, evs, err := a.cfg.Procs.Walk(now, live)
		if err != nil {
			if now.Sub(a.procErrAt) > 10*time.Minute {
				a.procErrAt = now
				a.log.Warn("reading processes failed", "err", err)
			}
			return
		}
		a.extra.put(func() { a.extra.procs = &sample })
		a.extra.addEvents(evs)
	}
	interval := func() (time.Duration, bool) {
		if a.mode.isLive() {
			return liveInterval, true
		}
		return a.cfg.ProcInterval, false
	}
	_, live := interval()
	walk(a.cfg.Clock.Now(), live)
	for {
		iv, live := interval()
		now := a.cfg.Clock.Now()
		next := nextBoundary(now, iv)
		fire, stop := a.cfg.Clock.Timer(next.Sub(now))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-a.mode.procWake:
			stop()
			if _, nowLive := interval(); nowLive && !live {
				// A viewer just arrived: give them the whole table at once.
				walk(a.cfg.Clock.Now(), true)
			}
		case now := <-fire:
			walk(now, live)
		}
	}
}

// serviceLoop checks services and containers every ServiceInterval. An empty report (no
// service configured and no Docker) is sent once, so the hub learns that everything is gone,
// and not again until something appears.
func (a *Agent) serviceLoop(ctx context.Context) {
	sentEmpty := false
	for {
		now := a.cfg.Clock.Now()
		rep := a.cfg.Services.Check(ctx, now)
		empty := len(rep.Services) == 0 && len(rep.Containers) == 0
		if !empty || !sentEmpty {
			a.extra.put(func() { a.extra.services = &rep })
		}
		sentEmpty = empty
		next := nextBoundary(a.cfg.Clock.Now(), a.cfg.ServiceInterval)
		fire, stop := a.cfg.Clock.Timer(next.Sub(a.cfg.Clock.Now()))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-fire:
		}
	}
}
