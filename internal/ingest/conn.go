package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// conn is one agent connection. Only run reads; send may be called from any goroutine.
type conn struct {
	h      *Handler
	host   Host
	remote string
	ws     *websocket.Conn
	enc    *wire.Encoder
	dec    *wire.Decoder
	log    *slog.Logger

	// ids maps the connection's wire series IDs to the store's per-host IDs; keys holds the
	// matching names. Both only grow, and only the reading goroutine appends. In the usual
	// case the agent's dictionary is in the order the store registered it, so wire ID i is
	// store ID i: then ids stays nil and keys is the store's own dictionary slice, not a copy
	// (about 5 KB per connection, 50 MB at 10,000 agents).
	ids      []uint32
	keys     []series.Key
	identity bool // ids is the identity: wire ID = store ID

	extraErrAt time.Time // last logged Extras failure
	// probes: the hello (version 3) said the agent's operator enabled remote probes. Set
	// before register, read-only after.
	probes  bool
	probeMu sync.Mutex // one list at a time, so that a newer list is never overtaken by an older

	writeMu sync.Mutex
	closed  chan struct{}
	once    sync.Once
}

func (h *Handler) accept(w http.ResponseWriter, r *http.Request, host Host) (*conn, error) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, fmt.Errorf("accept websocket: %w", err)
	}
	ws.SetReadLimit(wire.MaxFrameBytes)
	return &conn{
		h: h, host: host, remote: r.RemoteAddr, ws: ws,
		enc:    wire.NewEncoder(h.cfg.Compressor),
		dec:    wire.NewDecoder(h.cfg.Compressor),
		log:    h.log.With("host", host.Name, "host_id", host.ID, "remote", r.RemoteAddr),
		closed: make(chan struct{}),
	}, nil
}

// send writes one frame. Writes are serialised and bounded in time so that a stalled agent
// cannot block the goroutine that sends it a command.
func (c *conn) send(frame []byte) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageBinary, frame); err != nil {
		c.close(websocket.StatusGoingAway, "write failed")
	}
}

// fail sends an error frame and closes the connection with a status that matches the code.
func (c *conn) fail(code wire.ErrorCode, msg string) {
	c.send(c.enc.Error(&wire.Error{Code: code, Message: msg}))
	status := websocket.StatusPolicyViolation
	if code == wire.CodeInternal {
		status = websocket.StatusTryAgainLater
	}
	c.close(status, msg)
}

func (c *conn) close(status websocket.StatusCode, reason string) {
	c.once.Do(func() {
		close(c.closed)
		if len(reason) > 120 { // close reasons must fit a control frame
			reason = reason[:120]
		}
		go c.ws.Close(status, reason)
	})
}

// run handles the hello, then frames until the connection ends. endHandshake frees the
// handshake slot; it is called just before the welcome, or when run returns.
func (c *conn) run(ctx context.Context, endHandshake func()) {
	m := c.h.metrics
	defer c.close(websocket.StatusNormalClosure, "")

	hello, err := c.readHello(ctx)
	if err != nil {
		m.protocolErrors.Inc()
		c.log.Warn("agent hello rejected", "err", err)
		return
	}
	// Counted only after hello: upgraded connections that never say hello are not agents.
	m.connected.Inc()
	defer m.connected.Dec()
	c.probes = hello.Version >= 3 && hello.Probes && c.h.cfg.Probes != nil
	c.h.register(c)
	c.log.Info("agent connected", "agent_version", hello.AgentVersion, "series", len(hello.Series), "interval_ms", hello.IntervalMs)
	c.h.cfg.Observer.HostOnline(c.host.ID, c.host.OrgID, true)
	c.touch()
	defer func() {
		if c.h.unregister(c) {
			c.h.cfg.Observer.HostOnline(c.host.ID, c.host.OrgID, false)
			c.touch()
			// Only when no newer connection of the host replaced this one: its probes
			// are still running there.
			if p := c.h.cfg.Probes; p != nil {
				p.ProbeAgentOnline(context.WithoutCancel(ctx), c.host.ID, false, c.probes)
			}
		}
	}()
	// The handshake's work is done: free its slot before the welcome, so an agent that reads
	// the welcome and reconnects at once finds it free.
	endHandshake()
	// The welcome carries the version the connection speaks: the agent's, which the hub accepts.
	c.send(c.enc.Welcome(&wire.Welcome{Version: hello.Version, HostID: uint64(c.host.ID), Live: c.h.cfg.Observer.Watched(c.host.ID)}))
	if p := c.h.cfg.Probes; p != nil {
		p.ProbeAgentOnline(ctx, c.host.ID, true, c.probes)
		if c.probes {
			c.sendProbeChecks()
		}
	}

	lastTouch := c.h.cfg.Now()
	for {
		typ, frame, err := c.ws.Read(ctx)
		if err != nil {
			c.logReadEnd(err)
			return
		}
		if typ != websocket.MessageBinary {
			m.protocolErrors.Inc()
			c.log.Warn("agent sent a text frame; closing", "bytes", len(frame))
			c.fail(wire.CodeProtocol, "text frames are not part of the protocol")
			return
		}
		m.bytes.Add(float64(len(frame)))
		msg, err := c.dec.Decode(frame)
		if err != nil {
			m.protocolErrors.Inc()
			c.log.Warn("malformed frame from agent; closing its connection", "err", err, "bytes", len(frame))
			c.fail(wire.CodeProtocol, err.Error())
			return
		}
		if t := msg.Type(); t == wire.TypeProcs || t == wire.TypeProcEvents || t == wire.TypeServices || t == wire.TypeProbeResults {
			m.extraBytes.Add(float64(len(frame)))
		}
		if err := c.handle(ctx, msg); err != nil {
			return
		}
		if now := c.h.cfg.Now(); now.Sub(lastTouch) > time.Minute {
			lastTouch = now
			c.touch()
		}
	}
}

func (c *conn) logReadEnd(err error) {
	switch status := websocket.CloseStatus(err); {
	case status == websocket.StatusNormalClosure || status == websocket.StatusGoingAway:
		c.log.Info("agent disconnected")
	case status == websocket.StatusMessageTooBig:
		c.h.metrics.protocolErrors.Inc()
		c.log.Warn("agent sent a frame above the size limit; connection closed", "limit", wire.MaxFrameBytes)
	case errors.Is(err, context.Canceled):
		c.log.Info("agent connection closed by hub shutdown")
	default:
		select {
		case <-c.closed:
		default:
			c.log.Info("agent connection lost", "err", err)
		}
	}
}

func (c *conn) readHello(ctx context.Context) (*wire.Hello, error) {
	hctx, cancel := context.WithTimeout(ctx, c.h.cfg.HelloTimeout)
	defer cancel()
	typ, frame, err := c.ws.Read(hctx)
	if err != nil {
		return nil, fmt.Errorf("read hello: %w", err)
	}
	if typ != websocket.MessageBinary {
		c.fail(wire.CodeProtocol, "expected a binary hello frame")
		return nil, errors.New("text frame instead of hello")
	}
	msg, err := c.dec.Decode(frame)
	if err != nil {
		c.fail(wire.CodeProtocol, err.Error())
		return nil, err
	}
	hello, ok := msg.(*wire.Hello)
	if !ok {
		c.fail(wire.CodeProtocol, "first frame must be hello, got "+msg.Type().String())
		return nil, fmt.Errorf("first frame was %s", msg.Type())
	}
	if hello.Version < wire.MinVersion || hello.Version > wire.Version {
		msg := fmt.Sprintf("protocol version %d not supported; this hub speaks %d to %d", hello.Version, wire.MinVersion, wire.Version)
		c.fail(wire.CodeVersion, msg)
		return nil, errors.New(msg)
	}
	facts := hello.Facts
	if hello.Version >= 3 {
		facts = withProbes(facts, hello.Probes && c.h.cfg.Probes != nil)
	}
	c.h.updates.facts(c.host.ID, facts, hello.AgentVersion)
	if err := c.addSeries(ctx, hello.Series); err != nil {
		c.failStore(err, "hub could not register series; retry later")
		return nil, err
	}
	return hello, nil
}

func (c *conn) addSeries(ctx context.Context, s []wire.Series) error {
	if len(s) == 0 {
		return nil
	}
	keys := make([]series.Key, len(s))
	for i, w := range s {
		keys[i] = series.Key{Name: w.Name, Label: w.Label}
	}
	ids, err := c.h.cfg.Store.SeriesIDs(ctx, c.host.ID, keys)
	if err != nil {
		return fmt.Errorf("register %d series of host %d: %w", len(keys), c.host.ID, err)
	}
	base := len(c.keys)
	if base == 0 {
		c.identity = true
	}
	for i, id := range ids {
		if c.identity && id != uint32(base+i) {
			c.identity = false
			c.ids = make([]uint32, base, base+len(ids))
			for j := range c.ids {
				c.ids[j] = uint32(j)
			}
		}
		if !c.identity {
			c.ids = append(c.ids, id)
		}
	}
	if c.identity {
		if dict := c.h.cfg.Store.Keys(c.host.ID); len(dict) >= base+len(keys) {
			c.keys = dict[: base+len(keys) : base+len(keys)]
			return nil
		}
	}
	c.keys = append(c.keys[:len(c.keys):len(c.keys)], keys...)
	return nil
}

// storeID returns the store's series ID of wire series ID w.
func (c *conn) storeID(w uint32) uint32 {
	if c.identity {
		return w
	}
	return c.ids[w]
}

func (c *conn) handle(ctx context.Context, msg wire.Message) error {
	switch m := msg.(type) {
	case *wire.Dict:
		if err := c.addSeries(ctx, m.Series); err != nil {
			if !errors.Is(err, series.ErrNoSpace) {
				c.log.Error("storing new series failed", "err", err)
			}
			c.failStore(err, "hub could not register series; retry later")
			return err
		}
	case *wire.Batch:
		return c.batch(ctx, m)
	case *wire.Error:
		c.log.Warn("agent reported an error", "code", m.Code, "message", m.Message)
	case *wire.Procs, *wire.ProcEvents, *wire.Services:
		c.extra(ctx, m)
	case *wire.ProbeResults:
		if !c.probes { // results nobody asked for: the hub never assigned this agent checks
			c.h.metrics.protocolErrors.Inc()
			c.fail(wire.CodeProtocol, "probe results from an agent that did not enable probes")
			return errors.New("probe results from an agent without probes")
		}
		c.h.cfg.Probes.ProbeResults(ctx, c.host.ID, m.Results)
	default:
		c.h.metrics.protocolErrors.Inc()
		c.fail(wire.CodeProtocol, msg.Type().String()+" is not sent by agents")
		return fmt.Errorf("unexpected %s from agent", msg.Type())
	}
	return nil
}

// batch stores snapshots, then acknowledges them: the order matters, an ack promises durability.
func (c *conn) batch(ctx context.Context, b *wire.Batch) error {
	if len(b.Snapshots) == 0 {
		return nil
	}
	snaps := make([]series.Snapshot, len(b.Snapshots))
	for i, s := range b.Snapshots {
		samples := make([]series.Sample, len(s.Values))
		for j, v := range s.Values {
			samples[j] = series.Sample{ID: c.storeID(v.ID), Value: v.V}
		}
		snaps[i] = series.Snapshot{TimeMs: s.TimeMs, Samples: samples}
	}
	if err := c.h.cfg.Store.Append(ctx, c.host.ID, snaps); err != nil {
		c.h.metrics.storeErrors.Inc()
		if !errors.Is(err, series.ErrNoSpace) {
			c.log.Error("storing snapshots failed; agent keeps them in its spool", "snapshots", len(snaps), "err", err)
		}
		c.failStore(err, "hub could not store data; retry later")
		return err
	}
	c.send(c.enc.Ack(&wire.Ack{Ranges: seqRanges(b.Snapshots)}))
	values := 0
	for _, s := range b.Snapshots {
		values += len(s.Values)
	}
	c.h.metrics.snapshots.Add(float64(len(b.Snapshots)))
	c.h.metrics.values.Add(float64(values))
	if !b.Backlog {
		last := b.Snapshots[len(b.Snapshots)-1]
		c.h.cfg.Observer.HostSnapshot(c.host.ID, c.host.OrgID, last.TimeMs, c.keys, last.Values)
	}
	return nil
}

// extra hands a best-effort message to the Extras sink. A failure is logged at most once a
// minute per connection and does not end it: the agent sends a fresh sample soon.
func (c *conn) extra(ctx context.Context, msg wire.Message) {
	x := c.h.cfg.Extras
	if x == nil {
		return
	}
	var err error
	switch m := msg.(type) {
	case *wire.Procs:
		err = x.Procs(ctx, c.host, m)
	case *wire.ProcEvents:
		err = x.ProcEvents(ctx, c.host, m)
	case *wire.Services:
		err = x.Services(ctx, c.host, m)
	}
	if err != nil {
		c.h.metrics.storeErrors.Inc()
		if now := c.h.cfg.Now(); now.Sub(c.extraErrAt) > time.Minute {
			c.extraErrAt = now
			c.log.Warn("storing a best-effort message failed; dropped", "type", msg.Type().String(), "err", err)
		}
	}
}

// withProbes records in the host's facts whether its agent accepts remote probes, so that the
// UI offers only such agents as check locations. Facts that are not a JSON object are kept
// as they are.
func withProbes(facts []byte, accepts bool) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(facts, &m) != nil || m == nil {
		return facts
	}
	m["probes"] = json.RawMessage(strconv.FormatBool(accepts))
	out, err := json.Marshal(m)
	if err != nil {
		return facts
	}
	return out
}

// sendProbeChecks sends the agent its current list of checks. The list is bounded by the
// uptime service; an encoding failure (a list above the protocol's limits) is logged, not fatal.
func (c *conn) sendProbeChecks() {
	c.probeMu.Lock()
	defer c.probeMu.Unlock()
	checks := c.h.cfg.Probes.ProbeChecks(c.host.ID)
	frame, err := c.enc.ProbeChecks(&wire.ProbeChecks{Checks: checks})
	if err != nil {
		c.log.Error("could not send the agent its checks", "checks", len(checks), "err", err)
		return
	}
	c.send(frame)
}

// failStore ends the connection after a store write failed. A full disk is said in words, to
// the agent and (throttled) in the log, since that is what an operator must act on.
func (c *conn) failStore(err error, msg string) {
	if errors.Is(err, series.ErrNoSpace) {
		c.h.logNoSpace(err)
		msg = "hub's disk is full: data not stored; keep it and retry later"
	}
	c.fail(wire.CodeInternal, msg)
}

// seqRanges compresses the batch's sequence numbers into inclusive ranges.
func seqRanges(snaps []wire.Snapshot) []wire.SeqRange {
	var out []wire.SeqRange
	for _, s := range snaps {
		if n := len(out); n > 0 && out[n-1].To+1 == s.Seq {
			out[n-1].To = s.Seq
			continue
		}
		out = append(out, wire.SeqRange{From: s.Seq, To: s.Seq})
	}
	return out
}

// touch records the host's last-seen time; it is written with the next flush.
func (c *conn) touch() {
	c.h.updates.seen(c.host.ID, c.h.cfg.Now())
}
