package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/wire"
)

// rejectedError is a hub refusing the agent token.
type rejectedError struct {
	status int
	msg    string
}

func (e *rejectedError) Error() string {
	return fmt.Sprintf("hub refused the agent (%d): %s", e.status, e.msg)
}

const (
	backlogBatch    = 100 // snapshots per backlog frame
	backlogInFlight = 2   // unacknowledged backlog frames at once, so live data is never starved
)

// session runs one connection: hello, then live snapshots as they are collected and the backlog
// (what was pending when the connection began) oldest first, until the connection fails.
func (a *Agent) session(ctx context.Context, hub string, facts []byte) error {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	ws, resp, err := websocket.Dial(dctx, hub, &websocket.DialOptions{
		HTTPClient: a.http,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + a.cfg.Token}, "User-Agent": {"vigil-agent/" + a.cfg.Version}},
	})
	cancel()
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			var body struct{ Error string }
			if resp.Body != nil {
				_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
			}
			return &rejectedError{status: resp.StatusCode, msg: body.Error}
		}
		return fmt.Errorf("connect to %s: %w", hub, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(wire.MaxFrameBytes)
	defer a.setLive(ctx, false) // without a hub nobody watches

	enc, dec := wire.NewEncoder(a.comp), wire.NewDecoder(a.comp)
	series := a.reg.from(0)
	hello, err := enc.Hello(&wire.Hello{Version: wire.Version, AgentVersion: a.cfg.Version, Facts: facts,
		IntervalMs: uint32(a.cfg.Interval.Milliseconds()), Series: series})
	if err != nil {
		return err
	}
	write := func(frame []byte) error {
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		return ws.Write(wctx, websocket.MessageBinary, frame)
	}
	if err := write(hello); err != nil {
		return fmt.Errorf("send hello: %w", err)
	}
	announced := len(series)

	rctx, stop := context.WithCancel(ctx)
	defer stop()
	acks := make(chan []wire.SeqRange, 16)
	readErr := make(chan error, 1)
	go func() { readErr <- a.read(rctx, ws, dec, acks) }()

	backlogUpTo := a.queue.lastSeq() // pending before this connection = backlog
	liveSent, backlogSent := backlogUpTo, uint64(0)
	inFlight := map[uint64]bool{} // last seq of each unacknowledged backlog frame
	a.log.Info("connected to hub", "hub", hub, "backlog", a.queue.len())
	if d := a.queue.takeDropped(); d > 0 {
		a.log.Warn("snapshots were dropped while the hub was unreachable: pending queue full", "dropped", d)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		// announce any new series, then send what is due
		send := func(b *wire.Batch) error {
			maxID := -1
			for _, s := range b.Snapshots {
				if n := len(s.Values); n > 0 {
					maxID = max(maxID, int(s.Values[n-1].ID))
				}
			}
			if maxID >= announced {
				fresh := a.reg.from(announced)
				frame, err := enc.Dict(&wire.Dict{Series: fresh})
				if err != nil {
					return err
				}
				if err := write(frame); err != nil {
					return err
				}
				announced += len(fresh)
			}
			frame, err := enc.Batch(b)
			if err != nil {
				return err
			}
			return write(frame)
		}
		if snaps := a.queue.between(liveSent, math.MaxUint64, backlogBatch); len(snaps) > 0 {
			if err := send(&wire.Batch{Snapshots: snaps}); err != nil {
				return fmt.Errorf("send snapshots: %w", err)
			}
			liveSent = snaps[len(snaps)-1].Seq
		}
		for len(inFlight) < backlogInFlight {
			snaps := a.queue.between(backlogSent, backlogUpTo, backlogBatch)
			if len(snaps) == 0 {
				break
			}
			if err := send(&wire.Batch{Backlog: true, Snapshots: snaps}); err != nil {
				return fmt.Errorf("send backlog: %w", err)
			}
			backlogSent = snaps[len(snaps)-1].Seq
			inFlight[backlogSent] = true
		}

		select {
		case <-ctx.Done():
			ws.Close(websocket.StatusNormalClosure, "agent stopping")
			return ctx.Err()
		case err := <-readErr:
			return err
		case ranges := <-acks:
			a.ack(ranges)
			for last := range inFlight {
				for _, r := range ranges {
					if last >= r.From && last <= r.To {
						delete(inFlight, last)
					}
				}
			}
		case <-a.queue.notify:
		case <-tick.C:
		}
	}
}

// read handles frames from the hub: acks go to the sender loop, commands to the scheduler.
func (a *Agent) read(ctx context.Context, ws *websocket.Conn, dec *wire.Decoder, acks chan<- []wire.SeqRange) error {
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return fmt.Errorf("read from hub: %w", err)
		}
		m, err := dec.Decode(b)
		if err != nil {
			ws.Close(websocket.StatusPolicyViolation, "malformed frame")
			return fmt.Errorf("hub sent a malformed frame: %w", err)
		}
		switch m := m.(type) {
		case *wire.Welcome:
			if m.Live {
				a.setLive(ctx, true)
			}
		case *wire.Ack:
			select {
			case acks <- m.Ranges:
			case <-ctx.Done():
				return ctx.Err()
			}
		case *wire.Command:
			switch m.Kind {
			case wire.CommandLiveOn:
				a.setLive(ctx, true)
			case wire.CommandLiveOff:
				a.setLive(ctx, false)
			}
		case *wire.Error:
			if m.Code == wire.CodeUnauthorized {
				return &rejectedError{status: 401, msg: m.Message}
			}
			return fmt.Errorf("hub error %d: %s", m.Code, m.Message)
		}
	}
}

// setLive tells the scheduler to switch live mode, unless the agent is stopping.
func (a *Agent) setLive(ctx context.Context, on bool) {
	select {
	case a.live <- on:
	case <-ctx.Done():
	}
}
