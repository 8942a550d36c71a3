package agent

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/wire"
)

// testHub is the protocol peer: an httptest server speaking docs/protocol.md with
// internal/wire, keeping what it receives the way the real hub does (one value per series and
// snapshot time, duplicates stored once).
type testHub struct {
	t    *testing.T
	srv  *httptest.Server
	comp *wire.Compressor

	mu         sync.Mutex
	token      string
	down       bool   // answer upgrades with 503
	retryAfter string // with down: the Retry-After header of the 503
	noAck      bool
	// maxVersion, when set, makes the hub refuse hellos of a higher protocol version the way
	// a hub of that version does: error code 2, then close.
	maxVersion uint32
	welcome    wire.Welcome
	stored     map[int64]map[string]float64 // snapshot time → "name{label}" → value
	received   map[int64]int                // snapshot time → times received
	open       []*hubConn

	conns chan *hubConn // every accepted connection, in order
}

// hubConn is one accepted agent connection.
type hubConn struct {
	ws    *websocket.Conn
	hello *wire.Hello
	msgs  chan wire.Message  // dict and batch frames in arrival order
	acked chan wire.SeqRange // every range acknowledged, after the ack was written
	done  chan struct{}      // closed when the connection ended
	// closeStatus is how the agent closed, valid after done.
	closeStatus websocket.StatusCode
}

func newTestHub(t *testing.T) *testHub {
	comp, err := wire.NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	h := &testHub{t: t, comp: comp, token: "vgh_good", welcome: wire.Welcome{Version: wire.Version, HostID: 7},
		stored: map[int64]map[string]float64{}, received: map[int64]int{}, conns: make(chan *hubConn, 16)}
	h.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		h.mu.Lock()
		for _, c := range h.open {
			c.ws.CloseNow()
		}
		h.mu.Unlock()
		h.srv.Close()
	})
	return h
}

func (h *testHub) set(f func(h *testHub)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

func (h *testHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	token, down, welcome, retryAfter := h.token, h.down, h.welcome, h.retryAfter
	h.mu.Unlock()
	if r.URL.Path != "/api/agent" {
		http.NotFound(w, r)
		return
	}
	if down {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		http.Error(w, "hub restarting", http.StatusServiceUnavailable)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "unknown agent token"})
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(wire.MaxFrameBytes)
	ctx := r.Context()
	dec, enc := wire.NewDecoder(h.comp), wire.NewEncoder(h.comp)
	c := &hubConn{ws: ws, msgs: make(chan wire.Message, 1000), acked: make(chan wire.SeqRange, 1000), done: make(chan struct{})}
	defer close(c.done)
	_, b, err := ws.Read(ctx)
	if err != nil {
		return
	}
	m, err := dec.Decode(b)
	if err != nil {
		h.t.Errorf("hub: decode hello: %v", err)
		return
	}
	hello, ok := m.(*wire.Hello)
	if !ok {
		h.t.Errorf("hub: first frame is %s, want hello", m.Type())
		return
	}
	c.hello = hello
	dict := slices.Clone(hello.Series) // the connection's dictionary, as the real hub keeps it
	h.mu.Lock()
	maxVersion := h.maxVersion
	h.mu.Unlock()
	if maxVersion != 0 && hello.Version > maxVersion {
		ws.Write(ctx, websocket.MessageBinary, enc.Error(&wire.Error{Code: wire.CodeVersion, Message: "protocol version not supported"}))
		ws.Close(websocket.StatusPolicyViolation, "version")
		return
	}
	welcome.Version = hello.Version
	if err := ws.Write(ctx, websocket.MessageBinary, enc.Welcome(&welcome)); err != nil {
		return
	}
	h.mu.Lock()
	h.open = append(h.open, c)
	h.mu.Unlock()
	h.conns <- c
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			c.closeStatus = websocket.CloseStatus(err)
			if c.closeStatus == -1 {
				h.t.Logf("hub read: %v", err)
			}
			return
		}
		m, err := dec.Decode(b)
		if err != nil {
			h.t.Errorf("hub: decode: %v", err) // e.g. a batch using a series no dict announced
			ws.Close(websocket.StatusPolicyViolation, err.Error())
			return
		}
		if d, ok := m.(*wire.Dict); ok {
			dict = append(dict, d.Series...)
		}
		batch, isBatch := m.(*wire.Batch)
		if isBatch {
			h.keep(dict, batch)
		}
		c.msgs <- m // before the ack, so the test sees a batch before the agent sees its ack
		h.mu.Lock()
		noAck := h.noAck
		h.mu.Unlock()
		if isBatch && !noAck {
			var ranges []wire.SeqRange
			for _, s := range batch.Snapshots {
				ranges = append(ranges, wire.SeqRange{From: s.Seq, To: s.Seq})
			}
			if err := ws.Write(ctx, websocket.MessageBinary, enc.Ack(&wire.Ack{Ranges: ranges})); err != nil {
				return
			}
			for _, r := range ranges {
				c.acked <- r
			}
		}
	}
}

// keep stores a batch by snapshot time, as the real hub's store keys samples by host and time.
func (h *testHub) keep(dict []wire.Series, b *wire.Batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range b.Snapshots {
		h.received[s.TimeMs]++
		vals := map[string]float64{}
		for _, v := range s.Values {
			vals[dict[v.ID].Name+"{"+dict[v.ID].Label+"}"] = v.V
		}
		h.stored[s.TimeMs] = vals
	}
}

// nextBatch returns the connection's next batch, collecting any dicts before it.
func (c *hubConn) nextBatch(t *testing.T) (*wire.Batch, []wire.Series) {
	t.Helper()
	var dict []wire.Series
	for {
		m := recv(t, c.msgs, "a batch")
		switch m := m.(type) {
		case *wire.Batch:
			return m, dict
		case *wire.Dict:
			dict = append(dict, m.Series...)
		}
	}
}

// recv receives from ch, failing the test if nothing comes (a guard against hangs).
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// command sends a command to the agent on this connection.
func (h *testHub) command(t *testing.T, c *hubConn, cmd wire.Command) {
	t.Helper()
	if err := c.ws.Write(t.Context(), websocket.MessageBinary, wire.NewEncoder(h.comp).Command(&cmd)); err != nil {
		t.Fatalf("send command: %v", err)
	}
}
