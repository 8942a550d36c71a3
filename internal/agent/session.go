package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/agent/spool"
	"github.com/vigil-mon/vigil/internal/wire"
)

const (
	backlogBatch    = 100 // snapshots per backlog frame (the hub allows 1,000)
	backlogInFlight = 2   // unacknowledged backlog frames at once, so live data is never starved
	netTimeout      = 15 * time.Second
)

// session runs one connection: hello, welcome, then live snapshots as they are collected and,
// between them, the backlog (everything unacknowledged when the connection began) oldest first.
// It reports whether the hub welcomed the agent, and why the connection ended.
func (a *Agent) session(ctx context.Context, url string, facts []byte, version uint32) (welcomed bool, err error) {
	ws, err := a.dial(ctx, url)
	if err != nil {
		return false, err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(wire.MaxFrameBytes)
	defer a.setLive(false) // without a hub nobody watches
	if a.probes != nil {
		defer a.probes.clear() // the next hub sends its list of checks again
	}

	enc, dec := wire.NewEncoder(a.comp), wire.NewDecoder(a.comp)
	// IDs are per connection: the hello announces the whole registry, so the process-wide IDs
	// (and the spool's) are valid on this connection as they are.
	series := a.reg.from(0)
	hello, err := enc.Hello(&wire.Hello{Version: version, AgentVersion: a.cfg.Version, Facts: facts,
		IntervalMs: uint32(a.cfg.Interval.Milliseconds()), Series: series, Probes: a.probes != nil && version >= 3})
	if err != nil {
		return false, fmt.Errorf("encode hello with %d series: %w", len(series), err)
	}
	// Like Read, a Write whose context ends drops the connection; shutdown waits for the
	// current frame instead and then closes cleanly.
	write := func(frame []byte) error {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), netTimeout)
		defer cancel()
		a.stats.frames.Add(1)
		a.stats.bytes.Add(uint64(len(frame)))
		return ws.Write(wctx, websocket.MessageBinary, frame)
	}
	if err := write(hello); err != nil {
		return false, fmt.Errorf("send hello to %s: %w", url, err)
	}
	announced := len(series)

	// coder/websocket closes the connection abruptly when a Read's context ends; the reader
	// runs until the clean close below has finished instead of stopping with ctx.
	rctx, stopRead := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRead()
	in := make(chan wire.Message, 16)
	readErr := make(chan error, 1)
	go func() { readErr <- a.read(rctx, ws, dec, in) }()
	closeClean := func() error {
		ws.Close(websocket.StatusNormalClosure, "agent stopping")
		return ctx.Err()
	}

	welcomeBy := time.NewTimer(netTimeout)
	defer welcomeBy.Stop()
	select {
	case <-ctx.Done():
		return false, closeClean()
	case err := <-readErr:
		return false, err
	case <-welcomeBy.C:
		return false, fmt.Errorf("no welcome from %s within %s", url, netTimeout)
	case m := <-in:
		w, ok := m.(*wire.Welcome)
		if !ok {
			return false, fmt.Errorf("hub %s sent %s before welcome", url, m.Type())
		}
		if w.IntervalMs != 0 {
			a.setInterval(uint64(w.IntervalMs))
		}
		if w.Live {
			a.setLive(true)
		}
		// The hub welcomes with the version the connection speaks; version 2 adds the
		// best-effort process and service reports.
		version = min(version, w.Version)
	}
	// Without a version 2 connection nothing reads the extras: never wake for them.
	var extraFresh chan struct{}
	if version >= 2 {
		extraFresh = a.extra.fresh
		if err := a.sendExtras(enc, write); err != nil {
			return true, fmt.Errorf("send process and service reports to %s: %w", url, err)
		}
	}
	// Probe results go only to a version 3 hub, which alone assigns checks.
	var probeFresh chan struct{}
	if version >= 3 && a.probes != nil {
		probeFresh = a.probes.fresh
	}
	a.conn.connected(url, a.store.Len())
	a.stats.connected.Store(true)
	a.stats.connects.Add(1)

	send := func(backlog bool, recs []spool.Record) error {
		b := &wire.Batch{Backlog: backlog, Snapshots: make([]wire.Snapshot, len(recs))}
		maxID := -1
		for i, r := range recs {
			s := wire.Snapshot{Seq: r.Seq, TimeMs: r.TimeMs, Values: make([]wire.Value, len(r.Values))}
			for j, v := range r.Values {
				s.Values[j] = wire.Value{ID: v.ID, V: v.V}
				maxID = max(maxID, int(v.ID))
			}
			b.Snapshots[i] = s
		}
		if maxID >= announced { // new series: announce them before their first use
			fresh := a.reg.from(announced)
			frame, err := enc.Dict(&wire.Dict{Series: fresh})
			if err != nil {
				return fmt.Errorf("encode dict of %d series: %w", len(fresh), err)
			}
			if err := write(frame); err != nil {
				return fmt.Errorf("send dict: %w", err)
			}
			announced += len(fresh)
		}
		frame, err := enc.Batch(b)
		if err != nil {
			return fmt.Errorf("encode batch of %d snapshots: %w", len(recs), err)
		}
		return write(frame)
	}

	backlogUpTo := a.lastSeq.Load() // unacknowledged at or below this = backlog
	liveSent, backlogSent := backlogUpTo, uint64(0)
	inFlight := map[uint64]bool{} // last seq of each unacknowledged backlog frame
	for {
		// Live first: everything collected since the last live send.
		for {
			recs, err := a.store.Read(liveSent, math.MaxUint64, backlogBatch)
			if err != nil {
				return true, fmt.Errorf("read snapshots to send: %w", err)
			}
			if len(recs) == 0 {
				break
			}
			if err := send(false, recs); err != nil {
				return true, fmt.Errorf("send snapshots to %s: %w", url, err)
			}
			liveSent = recs[len(recs)-1].Seq
		}
		// Then one backlog frame, and back to checking for live data.
		if len(inFlight) < backlogInFlight {
			recs, err := a.store.Read(backlogSent, backlogUpTo, backlogBatch)
			if err != nil {
				return true, fmt.Errorf("read backlog: %w", err)
			}
			if len(recs) > 0 {
				if err := send(true, recs); err != nil {
					return true, fmt.Errorf("send backlog to %s: %w", url, err)
				}
				backlogSent = recs[len(recs)-1].Seq
				inFlight[backlogSent] = true
				continue
			}
		}
		select {
		case <-ctx.Done():
			return true, closeClean()
		case err := <-readErr:
			// Acks read before the connection ended still count: fewer resends next time.
			for {
				select {
				case m := <-in:
					a.handleAck(m, inFlight)
				default:
					return true, err
				}
			}
		case <-a.fresh:
		case <-probeFresh:
			if err := a.sendProbeResults(enc, write); err != nil {
				return true, fmt.Errorf("send probe results to %s: %w", url, err)
			}
		case <-extraFresh:
			if err := a.sendExtras(enc, write); err != nil {
				return true, fmt.Errorf("send process and service reports to %s: %w", url, err)
			}
		case m := <-in:
			if err := a.handleAck(m, inFlight); err != nil {
				return true, fmt.Errorf("hub %s: %w", url, err)
			}
		}
	}
}

// handleAck removes acknowledged snapshots from the spool and frees backlog frame slots.
func (a *Agent) handleAck(m wire.Message, inFlight map[uint64]bool) error {
	ack, ok := m.(*wire.Ack)
	if !ok {
		return fmt.Errorf("unexpected second %s", m.Type())
	}
	for _, r := range ack.Ranges {
		if err := a.store.Ack(r.From, r.To); err != nil {
			a.log.Warn("recording an acknowledgement in the spool failed", "err", err)
		}
		for last := range inFlight {
			if last >= r.From && last <= r.To {
				delete(inFlight, last)
			}
		}
	}
	return nil
}

// dial opens the WebSocket with the agent token. A 401 or 403 becomes a rejectedError with the
// hub's JSON error message.
func (a *Agent) dial(ctx context.Context, url string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, netTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(dctx, url, &websocket.DialOptions{
		HTTPClient: a.http,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + a.cfg.Token}, "User-Agent": {"vigil-agent/" + a.cfg.Version}},
	})
	if err == nil {
		return ws, nil
	}
	if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		var body struct {
			Error string `json:"error"`
		}
		if resp.Body != nil { // coder/websocket keeps the first KiB of a refused upgrade's body
			_ = json.NewDecoder(resp.Body).Decode(&body)
		}
		if body.Error == "" {
			body.Error = http.StatusText(resp.StatusCode)
		}
		return nil, &rejectedError{status: resp.StatusCode, msg: body.Error}
	}
	if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
		// Retry-After in whole seconds (RFC 9110 §10.2.3); an HTTP date is not used by the
		// hub and falls back to the normal backoff. Capped so a wrong value cannot park the
		// agent for long.
		if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 {
			return nil, &busyError{after: min(time.Duration(secs)*time.Second, backoffMax), err: err}
		}
	}
	return nil, fmt.Errorf("connect to %s: %w", url, err)
}

// read handles frames from the hub: welcome and acks go to the sender loop, commands to the
// scheduler. It returns why reading stopped.
func (a *Agent) read(ctx context.Context, ws *websocket.Conn, dec *wire.Decoder, in chan<- wire.Message) error {
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
		if w, ok := m.(*wire.Welcome); ok && a.probes != nil {
			// Here, not in the sender loop: the hub's list of checks may be the very next
			// frame, and its probes must already carry this agent's name.
			a.probes.hostID.Store(int64(w.HostID))
		}
		switch m := m.(type) {
		case *wire.Welcome, *wire.Ack:
			select {
			case in <- m:
			case <-ctx.Done():
				return ctx.Err()
			}
		case *wire.Command:
			switch m.Kind {
			case wire.CommandLiveOn:
				a.setLive(true)
			case wire.CommandLiveOff:
				a.setLive(false)
			case wire.CommandSetInterval:
				a.setInterval(m.Arg)
			default:
				a.log.Debug("ignoring unknown command from hub", "kind", m.Kind)
			}
		case *wire.ProbeChecks:
			if a.probes == nil {
				// The hello said no; a hub that sends checks anyway is ignored, never obeyed.
				a.log.Warn("hub sent uptime checks to run, but remote probes are not enabled on this agent (--probes); ignoring them", "checks", len(m.Checks))
				continue
			}
			a.probes.assign(m.Checks)
		case *wire.Error:
			if m.Code == wire.CodeUnauthorized {
				return &rejectedError{status: http.StatusUnauthorized, msg: m.Message}
			}
			if m.Code == wire.CodeVersion {
				return &versionError{msg: m.Message}
			}
			return fmt.Errorf("hub error %d: %s", m.Code, m.Message)
		default:
			ws.Close(websocket.StatusPolicyViolation, "unexpected message")
			return errors.New("hub sent a message only agents send: " + m.Type().String())
		}
	}
}
