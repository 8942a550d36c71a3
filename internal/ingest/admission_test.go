package ingest

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/vigil-mon/vigil/internal/wire"
)

// TestHandshakeAdmission holds the only handshake slot with a connection that has not sent its
// hello: the next agent gets 503 with a whole-seconds Retry-After and the deferral is counted;
// once the first agent's hello is done, the second gets in, and only hello'd agents count as
// connected.
func TestHandshakeAdmission(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxHandshakes = 1; c.AdmitWait = 100 * time.Millisecond })
	first, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	if got := value(t, f.h.metrics.connected); got != 0 {
		t.Errorf("got %v agents connected before hello, want 0", got)
	}
	_, resp, err := f.dial(t, "vgh_two")
	if err == nil {
		t.Fatal("second handshake got through while the only slot was taken, want 503")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v, want 503", resp)
	}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 30 {
		t.Errorf("got Retry-After %q, want whole seconds in 1..30", resp.Header.Get("Retry-After"))
	}
	if got := value(t, f.h.metrics.deferred); got != 1 {
		t.Errorf("got %v deferred handshakes, want 1", got)
	}
	first.handshake(t, wire.Version)
	second, _, err := f.dial(t, "vgh_two")
	if err != nil {
		t.Fatalf("handshake after the slot was freed: %v", err)
	}
	second.handshake(t, wire.Version)
	if got := value(t, f.h.metrics.connected); got != 2 {
		t.Errorf("got %v agents connected, want 2", got)
	}
}

// TestTokenCacheAndRevocation checks that a reconnect within the TTL does not ask the metadata
// store again, and that Disconnect (token revoked) drops the cached token at once: the next
// connection with it is refused.
func TestTokenCacheAndRevocation(t *testing.T) {
	f := newFixture(t)
	auths := func() int { f.hosts.mu.Lock(); defer f.hosts.mu.Unlock(); return f.hosts.auths }
	for i := range 2 {
		a, _, err := f.dial(t, "vgh_one")
		if err != nil {
			t.Fatal(err)
		}
		a.handshake(t, wire.Version)
		a.ws.CloseNow()
		if got := auths(); got != 1 {
			t.Errorf("connection %d: got %d token lookups, want 1 (cached after the first)", i+1, got)
		}
	}
	f.hosts.mu.Lock()
	f.hosts.revoked["vgh_one"] = true
	f.hosts.mu.Unlock()
	f.h.Disconnect(1, "agent token revoked")
	_, resp, err := f.dial(t, "vgh_one")
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: got %v %v, want 401", resp, err)
	}
}

// TestHostUpdatesFlushed checks that facts and last-seen times reach the metadata store in the
// background flush, and that Wait writes what is left.
func TestHostUpdatesFlushed(t *testing.T) {
	f := newFixture(t)
	a, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	a.handshake(t, wire.Version)
	a.ws.CloseNow()
	f.srv.CloseClientConnections()
	f.srv.Close()
	f.h.Wait()
	f.hosts.mu.Lock()
	defer f.hosts.mu.Unlock()
	// A version 3 hello's facts gain whether the agent accepts remote probes.
	if got := f.hosts.facts[1]; got != `{"hostname":"x","probes":false}` {
		t.Errorf("got facts %q, want the hello's with probes false", got)
	}
	if got := f.hosts.seen[1]; time.Since(got) > time.Minute {
		t.Errorf("got last seen %v, want about now", got)
	}
}

// value reads a gauge's or counter's current value.
func value(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Gauge != nil {
		return m.Gauge.GetValue()
	}
	return m.Counter.GetValue()
}

// TestOneHandshakePerHost checks that a host with a handshake in progress (upgraded, no hello
// yet) cannot start a second one, so one token cannot hold many handshake slots; a new
// connection after the first one's hello replaces it as before.
func TestOneHandshakePerHost(t *testing.T) {
	f := newFixture(t)
	first, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := f.dial(t, "vgh_one"); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second concurrent handshake of one host: got %v %v, want 503", resp, err)
	}
	if _, _, err := f.dial(t, "vgh_two"); err != nil {
		t.Fatalf("another host's handshake: %v", err)
	}
	first.handshake(t, wire.Version)
	again, _, err := f.dial(t, "vgh_one")
	if err != nil {
		t.Fatalf("reconnect after the first handshake completed: %v", err)
	}
	again.handshake(t, wire.Version)
}
