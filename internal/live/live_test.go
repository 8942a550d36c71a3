package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

type orgKey struct{}

// recorder is the agent side: it records the live commands the hub sends.
type recorder struct {
	mu   sync.Mutex
	cmds []string
	ch   chan struct{}
}

func (r *recorder) SetLive(hostID int64, on bool) {
	r.mu.Lock()
	r.cmds = append(r.cmds, strconv.FormatInt(hostID, 10)+"="+strconv.FormatBool(on))
	r.mu.Unlock()
	r.ch <- struct{}{}
}

func newHub(t *testing.T) (*Hub, *httptest.Server, *recorder) {
	hostOrgs := map[int64]int64{1: 1, 2: 2}
	h := New(Config{
		HostOrg: func(_ context.Context, id int64) (int64, error) {
			if o, ok := hostOrgs[id]; ok {
				return o, nil
			}
			return 0, errors.New("no such host")
		},
		Principal: func(ctx context.Context) (int64, bool) { o, ok := ctx.Value(orgKey{}).(int64); return o, ok },
	})
	rec := &recorder{ch: make(chan struct{}, 16)}
	h.SetCommander(rec)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.URL.Query().Get("org"); o != "" {
			n, _ := strconv.ParseInt(o, 10, 64)
			r = r.WithContext(context.WithValue(r.Context(), orgKey{}, n))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return h, srv, rec
}

func dial(t *testing.T, srv *httptest.Server, org int) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"?org="+strconv.Itoa(org), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c *websocket.Conn) snapshotMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read live message: %v", err)
	}
	var m snapshotMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func (r *recorder) wait(t *testing.T, want string) {
	t.Helper()
	select {
	case <-r.ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no live command, want %s", want)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if got := r.cmds[len(r.cmds)-1]; got != want {
		t.Errorf("got command %s, want %s", got, want)
	}
}

var keys = []series.Key{{Name: "cpu.used_pct"}, {Name: "fs.used_pct", Label: "/"}, {Name: "fs.used_pct", Label: "/data"}, {Name: "net.rx_bps", Label: "eth0"}, {Name: "net.rx_bps", Label: "eth1"}}

func TestRequiresSignIn(t *testing.T) {
	_, srv, _ := newHub(t)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("got %d, want 401", resp.StatusCode)
	}
}

// TestWatchLifecycle: the first viewer turns live mode on, values go only to watchers and only
// within the organization, and the last viewer leaving turns live mode off.
func TestWatchLifecycle(t *testing.T) {
	h, srv, rec := newHub(t)
	viewer := dial(t, srv, 1)
	other := dial(t, srv, 2)
	send(t, other, `{"type":"watch","host_id":1}`) // another org's host: ignored
	send(t, viewer, `{"type":"watch","host_id":1}`)
	rec.wait(t, "1=true")
	if !h.Watched(1) {
		t.Error("got Watched(1) false, want true")
	}
	h.HostSnapshot(1, 1, 1000, keys, []wire.Value{wv(0, 12.5), wv(1, 40), wv(2, 70), wv(3, 100), wv(4, 50)})
	m := recv(t, viewer)
	if m.HostID != 1 || len(m.Values) != 5 || *m.Latest.CPUPct != 12.5 || *m.Latest.DiskPct != 70 || *m.Latest.NetRxBps != 150 {
		t.Errorf("got %+v, want host 1 with 5 values, cpu 12.5, disk 70, rx 150", m)
	}
	h.HostSnapshot(2, 2, 2000, keys, []wire.Value{wv(0, 1)})
	if m := recv(t, other); m.HostID != 2 || m.Values != nil {
		t.Errorf("org 2 got %+v, want only its own host 2 without values", m)
	}
	viewer.Close(websocket.StatusNormalClosure, "")
	rec.wait(t, "1=false")
}

func TestSummarizeSkipsNaN(t *testing.T) {
	s := Summarize(5, keys, []wire.Value{wv(0, 0), wv(1, 10)})
	if s.CPUPct == nil || *s.CPUPct != 0 || s.NetRxBps != nil || *s.DiskPct != 10 {
		t.Errorf("got %+v, want cpu 0, disk 10, no rx", s)
	}
}

func wv(id uint32, v float64) wire.Value { return wire.Value{ID: id, V: v} }

// TestHostAlerts: a host's firing-alert change reaches the browsers of its organization only.
func TestHostAlerts(t *testing.T) {
	h, srv, rec := newHub(t)
	a, b := dial(t, srv, 1), dial(t, srv, 2)
	// A watch each, so both clients are registered before anything is broadcast.
	send(t, a, `{"type":"watch","host_id":1}`)
	rec.wait(t, "1=true")
	send(t, b, `{"type":"watch","host_id":2}`)
	rec.wait(t, "2=true")
	h.HostAlerts(2, 2, 1, "warning")
	h.HostAlerts(1, 1, 2, "critical")
	h.HostAlerts(1, 1, 0, "")
	read := func(c *websocket.Conn) string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(msg)
	}
	for _, tc := range []struct {
		c    *websocket.Conn
		want string
	}{
		{a, `{"type":"alerts","host_id":1,"firing":2,"severity":"critical"}`},
		{a, `{"type":"alerts","host_id":1,"firing":0}`},
		{b, `{"type":"alerts","host_id":2,"firing":1,"severity":"warning"}`},
	} {
		if got := read(tc.c); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
