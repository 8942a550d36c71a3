package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/wire"
)

// counters are shared by every simulated agent.
type counters struct {
	connected    atomic.Int64
	allInAt      atomic.Int64 // UnixNano when all N agents were first connected at once: the end of the connection storm
	dials        atomic.Int64
	dialErrors   atomic.Int64
	refused      atomic.Int64 // HTTP 401 at upgrade
	deferred     atomic.Int64 // HTTP 503 with Retry-After at upgrade (hub admission control)
	disconnects  atomic.Int64 // established sessions that ended before the run did
	writeErrors  atomic.Int64
	errorFrames  atomic.Int64 // error frames from the hub
	commands     atomic.Int64
	sent         atomic.Int64 // snapshots written
	acked        atomic.Int64 // snapshots acknowledged (each seq once)
	lost         atomic.Int64 // snapshots unacknowledged when their connection ended
	bytesSent    atomic.Int64
	valuesSent   atomic.Int64
	valuesAcked  atomic.Int64
	skipped      atomic.Int64 // slots missed because the previous write was still blocked
	maxInflight1 atomic.Int64 // largest number of unacked snapshots on one connection
	lat          hist         // every ack
	latSteady    hist         // acks of snapshots sent in the measured window
	firstErr     atomic.Pointer[string]
}

func (c *counters) noteErr(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	c.firstErr.CompareAndSwap(nil, &s)
}

type sim struct {
	cfg      config
	wsURL    string
	comp     *wire.Compressor
	specs    []spec
	series   []wire.Series
	client   *http.Client
	c        *counters
	start    time.Time    // phase origin
	steadyAt atomic.Int64 // UnixNano when the measured window starts; set by run once agents are in
	stopSend atomic.Bool
}

type agent struct {
	s     *sim
	i     int
	token string
	h     *host
	seq   uint64
	phase time.Duration
	vals  []wire.Value

	mu      sync.Mutex
	pending map[uint64]pend
	// ackedTimes holds the time of every acknowledged snapshot when --record-acks (tests) is on:
	// the hub promised these are stored.
	ackedTimes []int64
}

type pend struct {
	at     time.Time
	timeMs int64
	steady bool
	values int
}

// busyError is the hub's 503 with Retry-After: it admits other agents' handshakes first.
type busyError struct{ after time.Duration }

func (e busyError) Error() string { return fmt.Sprintf("hub busy (503), retry after %s", e.after) }

// run keeps the agent connected until ctx ends, reconnecting with a jittered backoff like the
// real agent. Unacknowledged snapshots of a dropped connection are counted as lost (a real agent
// would resend them from its spool).
func (a *agent) run(ctx context.Context) {
	rnd := rand.New(rand.NewPCG(uint64(a.i), 7))
	backoff := time.Second
	for ctx.Err() == nil {
		established, err := a.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if established {
			a.s.c.disconnects.Add(1)
			backoff = time.Second
		}
		var busy busyError
		if err != nil && !errors.As(err, &busy) {
			a.s.c.noteErr("agent load-%d: %v", a.i, err)
		}
		// As the real agent (internal/agent): full jitter over the backoff; a deferral (503)
		// waits the hub's delay plus up to half again and does not grow the backoff, since
		// the hub is up and said when to come back.
		d := time.Duration(rnd.Int64N(int64(backoff))) + 1
		if busy.after > 0 {
			d = max(d, busy.after+time.Duration(rnd.Int64N(int64(busy.after)/2+1)))
		} else if backoff < 30*time.Second {
			backoff *= 2
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

func (a *agent) session(ctx context.Context) (established bool, err error) {
	c := a.s.c
	c.dials.Add(1)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	ws, resp, err := websocket.Dial(dctx, a.s.wsURL, &websocket.DialOptions{
		HTTPClient: a.s.client,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + a.token}, "User-Agent": {"vigil-load/1"}},
	})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 {
				c.deferred.Add(1)
				return false, busyError{after: time.Duration(secs) * time.Second}
			}
		}
		c.dialErrors.Add(1)
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			c.refused.Add(1)
			return false, fmt.Errorf("hub refused the token (401): is the tokens file from this hub's data dir? %w", err)
		}
		return false, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(wire.MaxFrameBytes)
	defer ws.CloseNow()

	enc, dec := wire.NewEncoder(a.s.comp), wire.NewDecoder(a.s.comp)
	facts, _ := json.Marshal(map[string]any{
		"hostname": fmt.Sprintf("load-%d", a.i), "os": "linux", "platform": "debian", "platform_version": "12",
		"kernel": "6.1.0-load", "arch": "amd64", "cpu_model": "Simulated CPU @ 2.4GHz", "cpu_cores": a.s.cfg.cores,
		"mem_total_bytes": 16 << 30, "boot_time": time.Now().Add(-24 * time.Hour).Unix(),
	})
	version := uint32(wire.Version)
	if a.s.cfg.protocol > 0 {
		version = uint32(a.s.cfg.protocol)
	}
	hello, err := enc.Hello(&wire.Hello{Version: version, AgentVersion: "load-generator", Facts: facts,
		IntervalMs: uint32(a.s.cfg.interval.Milliseconds()), Series: a.s.series})
	if err != nil {
		return false, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = ws.Write(wctx, websocket.MessageBinary, hello)
	if err == nil {
		var frame []byte
		_, frame, err = ws.Read(wctx)
		if err == nil {
			var m wire.Message
			m, err = dec.Decode(frame)
			if err == nil {
				if e, ok := m.(*wire.Error); ok {
					c.errorFrames.Add(1)
					err = fmt.Errorf("hub answered hello with error %d: %s", e.Code, e.Message)
				} else if _, ok := m.(*wire.Welcome); !ok {
					err = fmt.Errorf("hub answered hello with %s", m.Type())
				}
			}
		}
	}
	cancel()
	if err != nil {
		return false, fmt.Errorf("hello: %w", err)
	}
	if c.connected.Add(1) == int64(a.s.cfg.n) {
		c.allInAt.CompareAndSwap(0, time.Now().UnixNano())
	}
	defer c.connected.Add(-1)

	// The reader's context is not ctx: cancelling a read's context makes coder/websocket drop the
	// connection, and at the end of the run we want a clean close handshake instead.
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	readDone := make(chan error, 1)
	go func() { readDone <- a.read(sctx, ws, dec) }()
	defer func() {
		if ctx.Err() == nil { // at the end of the run, unacked snapshots are reported separately
			a.dropPending()
		}
	}()

	interval := a.s.cfg.interval
	// Next slot on this agent's phase at or after now.
	k := time.Since(a.s.start.Add(a.phase))/interval + 1
	next := a.s.start.Add(a.phase + k*interval)
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			go func() { <-cctx.Done(); ws.CloseNow() }()
			ws.Close(websocket.StatusNormalClosure, "load test over")
			cancel()
			return true, nil
		case err := <-readDone:
			return true, err
		case <-timer.C:
		}
		if a.s.stopSend.Load() {
			// Keep the connection open for late acks until the run ends.
			timer.Reset(time.Hour)
			continue
		}
		if err := a.send(ctx, ws, enc, next); err != nil {
			c.writeErrors.Add(1)
			return true, fmt.Errorf("write batch: %w", err)
		}
		next = next.Add(interval)
		for time.Until(next) < 0 { // a blocked write made us miss slots: skip them, as a timer-driven agent would
			c.skipped.Add(1)
			next = next.Add(interval)
		}
		timer.Reset(time.Until(next))
	}
}

func (a *agent) send(ctx context.Context, ws *websocket.Conn, enc *wire.Encoder, slot time.Time) error {
	c := a.s.c
	a.h.step(false)
	a.vals = a.h.values(a.vals)
	a.seq++
	snap := wire.Snapshot{Seq: a.seq, TimeMs: slot.UnixMilli(), Values: a.vals}
	frame, err := enc.Batch(&wire.Batch{Snapshots: []wire.Snapshot{snap}})
	if err != nil {
		return err
	}
	now := time.Now()
	a.mu.Lock()
	a.pending[a.seq] = pend{at: now, timeMs: snap.TimeMs, steady: now.UnixNano() >= a.s.steadyAt.Load(), values: len(a.vals)}
	if n := int64(len(a.pending)); n > c.maxInflight1.Load() {
		c.maxInflight1.Store(n) // racy max, good enough for a report
	}
	a.mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := ws.Write(wctx, websocket.MessageBinary, frame); err != nil {
		return err
	}
	c.sent.Add(1)
	c.bytesSent.Add(int64(len(frame)))
	c.valuesSent.Add(int64(len(a.vals)))
	return nil
}

func (a *agent) read(ctx context.Context, ws *websocket.Conn, dec *wire.Decoder) error {
	c := a.s.c
	for {
		_, frame, err := ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		now := time.Now()
		m, err := dec.Decode(frame)
		if err != nil {
			return fmt.Errorf("decode frame from hub: %w", err)
		}
		switch m := m.(type) {
		case *wire.Ack:
			a.mu.Lock()
			for _, r := range m.Ranges {
				for s := r.From; s <= r.To && s-r.From < 1<<20; s++ {
					p, ok := a.pending[s]
					if !ok {
						continue // a duplicate ack
					}
					delete(a.pending, s)
					d := now.Sub(p.at)
					c.lat.add(d)
					if p.steady {
						c.latSteady.add(d)
					}
					c.acked.Add(1)
					c.valuesAcked.Add(int64(p.values))
					if a.s.cfg.recordAcks {
						a.ackedTimes = append(a.ackedTimes, p.timeMs)
					}
				}
			}
			a.mu.Unlock()
		case *wire.Command:
			c.commands.Add(1)
		case *wire.Error:
			c.errorFrames.Add(1)
			return fmt.Errorf("hub sent error %d: %s", m.Code, m.Message)
		}
	}
}

func (a *agent) dropPending() {
	a.mu.Lock()
	a.s.c.lost.Add(int64(len(a.pending)))
	clear(a.pending)
	a.mu.Unlock()
}

func (a *agent) unacked() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}
