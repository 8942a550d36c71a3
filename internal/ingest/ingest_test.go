package ingest

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
	_ "modernc.org/sqlite"
)

// testHosts is the metadata side: two valid agent tokens.
type testHosts struct {
	mu      sync.Mutex
	facts   map[int64]string
	seen    map[int64]time.Time
	auths   int             // Authenticate calls
	revoked map[string]bool // tokens refused from now on
}

func (h *testHosts) Authenticate(_ context.Context, token string) (Host, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auths++
	if h.revoked[token] {
		return Host{}, ErrUnknownToken
	}
	switch token {
	case "vgh_one":
		return Host{ID: 1, OrgID: 1, Name: "one"}, nil
	case "vgh_two":
		return Host{ID: 2, OrgID: 1, Name: "two"}, nil
	}
	return Host{}, ErrUnknownToken
}

func (h *testHosts) ApplyHostUpdates(_ context.Context, updates []HostUpdate) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, u := range updates {
		if u.Facts != nil {
			h.facts[u.HostID] = string(u.Facts)
		}
		if !u.LastSeen.IsZero() {
			h.seen[u.HostID] = u.LastSeen
		}
	}
	return nil
}

type testObserver struct {
	mu     sync.Mutex
	online map[int64]bool
	last   map[int64]int64
	values map[string]float64 // the last snapshot by series name{label}, as observers see it
}

func (o *testObserver) HostOnline(id, _ int64, on bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.online[id] = on
}

func (o *testObserver) HostSnapshot(id, _ int64, t int64, keys []series.Key, values []wire.Value) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.last[id] = t
	o.values = map[string]float64{}
	for _, v := range values {
		o.values[keys[v.ID].Name+"{"+keys[v.ID].Label+"}"] = v.V
	}
}

func (o *testObserver) Watched(int64) bool { return false }

type fixture struct {
	srv   *httptest.Server
	store *series.Store
	comp  *wire.Compressor
	h     *Handler
	hosts *testHosts
	reg   *prometheus.Registry
}

func newFixture(t *testing.T, opts ...func(*Config)) *fixture {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := series.Open(context.Background(), db, "sqlite", series.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	comp, err := wire.NewCompressor()
	if err != nil {
		t.Fatal(err)
	}
	hosts := &testHosts{facts: map[int64]string{}, seen: map[int64]time.Time{}, revoked: map[string]bool{}}
	reg := prometheus.NewRegistry()
	cfg := Config{Hosts: hosts, Store: store, Registry: reg,
		Observer: &testObserver{online: map[int64]bool{}, last: map[int64]int64{}}, Compressor: comp}
	for _, o := range opts {
		o(&cfg)
	}
	h := New(cfg)
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close(); h.Wait() })
	return &fixture{srv: srv, store: store, comp: comp, h: h, hosts: hosts, reg: reg}
}

type agentConn struct {
	ws  *websocket.Conn
	enc *wire.Encoder
	dec *wire.Decoder
}

func (f *fixture) dial(t *testing.T, token string) (*agentConn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(f.srv.URL, "http"), &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &agentConn{ws: ws, enc: wire.NewEncoder(f.comp), dec: wire.NewDecoder(f.comp)}, resp, nil
}

func (a *agentConn) write(t *testing.T, frame []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.ws.Write(ctx, websocket.MessageBinary, frame); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

// next reads the next message from the hub, or returns the read error.
func (a *agentConn) next(t *testing.T) (wire.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := a.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	m, err := a.dec.Decode(b)
	if err != nil {
		t.Fatalf("decode hub frame: %v", err)
	}
	return m, nil
}

var testSeries = []wire.Series{{ID: 0, Name: "cpu.used_pct", Unit: "%", Scale: 2}, {ID: 1, Name: "mem.used_bytes", Unit: "B"}}

// handshake sends hello and expects welcome.
func (a *agentConn) handshake(t *testing.T, version uint32) {
	t.Helper()
	hello, err := a.enc.Hello(&wire.Hello{Version: version, AgentVersion: "test", Facts: []byte(`{"hostname":"x"}`), IntervalMs: 10000, Series: testSeries})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, hello)
	m, err := a.next(t)
	if err != nil {
		t.Fatalf("read welcome: %v", err)
	}
	if _, ok := m.(*wire.Welcome); !ok {
		t.Fatalf("got %T after hello, want *wire.Welcome", m)
	}
}

func (a *agentConn) sendSnapshot(t *testing.T, seq uint64, ts int64, cpu float64) {
	t.Helper()
	frame, err := a.enc.Batch(&wire.Batch{Snapshots: []wire.Snapshot{{Seq: seq, TimeMs: ts, Values: []wire.Value{{ID: 0, V: cpu}, {ID: 1, V: 1 << 30}}}}})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, frame)
}

func (a *agentConn) expectAck(t *testing.T, seq uint64) {
	t.Helper()
	m, err := a.next(t)
	if err != nil {
		t.Fatalf("read ack for %d: %v", seq, err)
	}
	ack, ok := m.(*wire.Ack)
	if !ok || len(ack.Ranges) != 1 || ack.Ranges[0] != (wire.SeqRange{From: seq, To: seq}) {
		t.Fatalf("got %#v, want ack of %d", m, seq)
	}
}

func TestStoresAndAcknowledges(t *testing.T) {
	f := newFixture(t)
	a, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	a.handshake(t, wire.Version)
	base := time.Now().Add(-time.Minute).UnixMilli()
	for i := range 3 {
		a.sendSnapshot(t, uint64(i+1), base+int64(i)*10000, float64(10+i))
		a.expectAck(t, uint64(i+1))
	}
	res, err := f.store.Query(context.Background(), series.Query{HostID: 1, Names: []string{"cpu.used_pct"}, From: base - 1000, To: base + 60000})
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, s := range res.Series {
		for _, v := range s.Values {
			if v == v { // skip NaN gaps
				got = append(got, v)
			}
		}
	}
	if len(got) != 3 || got[0] != 10 || got[2] != 12 {
		t.Errorf("got stored values %v, want [10 11 12]", got)
	}
	if !f.h.Online(1) {
		t.Error("got host offline, want online while connected")
	}
}

func TestRefusesBadTokens(t *testing.T) {
	f := newFixture(t)
	for _, token := range []string{"", "vgh_wrong"} {
		t.Run("token="+token, func(t *testing.T) {
			_, resp, err := f.dial(t, token)
			if err == nil {
				t.Fatal("got a connection, want refusal")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("got response %v, want 401", resp)
			}
		})
	}
}

// TestBadFramesCloseOnlyThatConnection sends hostile frames on one connection while a second
// agent keeps working.
func TestBadFramesCloseOnlyThatConnection(t *testing.T) {
	tests := []struct {
		name   string
		frame  []byte
		status websocket.StatusCode
	}{
		{"garbage", []byte{0xff, 0x00, 0x01}, websocket.StatusPolicyViolation},
		{"truncated batch", []byte{byte(wire.TypeBatch), 0, 0, 5}, websocket.StatusPolicyViolation},
		{"oversized", make([]byte, wire.MaxFrameBytes+10), websocket.StatusMessageTooBig},
		{"ack from agent", []byte{byte(wire.TypeAck), 0, 0}, websocket.StatusPolicyViolation},
	}
	f := newFixture(t)
	good, _, err := f.dial(t, "vgh_two")
	if err != nil {
		t.Fatal(err)
	}
	good.handshake(t, wire.Version)
	base := time.Now().UnixMilli()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, _, err := f.dial(t, "vgh_one")
			if err != nil {
				t.Fatal(err)
			}
			bad.handshake(t, wire.Version)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = bad.ws.Write(ctx, websocket.MessageBinary, tt.frame)
			var status websocket.StatusCode = -1
			for {
				m, err := bad.next(t)
				if err != nil {
					status = websocket.CloseStatus(err)
					break
				}
				if e, ok := m.(*wire.Error); ok && e.Code != wire.CodeProtocol {
					t.Errorf("got error code %d, want %d", e.Code, wire.CodeProtocol)
				}
			}
			if status != tt.status {
				t.Errorf("got close status %v, want %v", status, tt.status)
			}
			good.sendSnapshot(t, uint64(i+1), base+int64(i)*1000, 1)
			good.expectAck(t, uint64(i+1))
		})
	}
}

func TestRejectsUnsupportedVersion(t *testing.T) {
	f := newFixture(t)
	a, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	hello, err := a.enc.Hello(&wire.Hello{Version: 99, Series: testSeries})
	if err != nil {
		t.Fatal(err)
	}
	a.write(t, hello)
	m, err := a.next(t)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.(*wire.Error); !ok || e.Code != wire.CodeVersion {
		t.Fatalf("got %#v, want a version error", m)
	}
	if _, err := a.next(t); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Errorf("got %v, want close with policy violation", err)
	}
}

func TestSetLiveSendsCommand(t *testing.T) {
	f := newFixture(t)
	a, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	a.handshake(t, wire.Version)
	for _, on := range []bool{true, false} {
		f.h.SetLive(1, on)
		m, err := a.next(t)
		if err != nil {
			t.Fatal(err)
		}
		want := wire.CommandLiveOff
		if on {
			want = wire.CommandLiveOn
		}
		if c, ok := m.(*wire.Command); !ok || c.Kind != want {
			t.Errorf("got %#v, want command %d", m, want)
		}
	}
}

var _ = errors.New
