package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"
	"github.com/vigil-mon/vigil/internal/wire"
)

// attackStats counts what the hostile clients did and how the hub answered.
type attackStats struct {
	halfOpen, halfOpenPeak   atomic.Int64 // TCP connections that never sent a byte (current, peak)
	halfOpenClosed           atomic.Int64 // closed by the hub
	slowHTTPClosed           atomic.Int64 // slowloris HTTP connections the hub closed
	slowWSClosed             atomic.Int64 // upgraded WebSockets without hello the hub closed
	giantClosed, bombClosed  atomic.Int64 // 8 MB frames and zstd bombs answered by a close
	giantSent, bombSent      atomic.Int64
	refusedDial, otherErrors atomic.Int64
}

// TestHostileClients runs 200 well-behaved agents (every 2 s) while, on the same hub:
// 2,000 TCP connections stay half-open (connect, send nothing); 100 slowloris HTTP clients send
// one header line every 2 s; 10 token holders upgrade to WebSocket and never say hello; 5 send
// 8 MB frames; 5 send zstd bombs (a few KB that inflate to 64 MB). Pass: the good agents keep
// up with no disconnect and no error, ack p99 under 1 s, every attack is cut off by the hub,
// and the hub's RSS stays under 1 GB. VIGIL_HOSTILE_DURATION makes it longer.
func TestHostileClients(t *testing.T) {
	const good, hostile = 200, 20
	window := envDuration(t, "VIGIL_HOSTILE_DURATION", 20*time.Second)
	data := t.TempDir()
	tokens := prepareHosts(t, data, good+hostile)
	h := startHubProc(t, data, "127.0.0.1:0")
	cfg := loadConfig(h.url, h.pid(), good, 2*time.Second, 2*time.Second, window)

	addr := strings.TrimPrefix(h.url, "http://")
	wsURL := "ws://" + addr + "/api/agent"
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var st attackStats
	var peakRSS atomic.Int64
	wg.Go(func() { // hub memory, sampled every second
		for ctx.Err() == nil {
			if p := readProc(h.pid()); p.ok && p.rss > peakRSS.Load() {
				peakRSS.Store(p.rss)
			}
			sleepCtx(ctx, time.Second)
		}
	})
	giant, bomb := giantFrame(), zstdBomb(t) // built once: the attackers share the test's CPU with the good agents
	attack := func() {
		// The attack starts once the good agents are in, so it hits a running fleet.
		sleepCtx(ctx, cfg.ramp+cfg.interval)
		for i := range 2000 {
			wg.Go(func() { halfOpen(ctx, addr, &st) })
			if i%200 == 199 {
				sleepCtx(ctx, 100*time.Millisecond)
			}
		}
		for range 100 {
			wg.Go(func() { slowHTTP(ctx, addr, &st) })
		}
		for i := range hostile {
			tok := tokens[good+i]
			switch {
			case i < 10:
				wg.Go(func() { silentWS(ctx, wsURL, tok, &st) })
			case i < 15:
				wg.Go(func() { badFrames(ctx, wsURL, tok, giant, &st.giantSent, &st.giantClosed, &st) })
			default:
				wg.Go(func() { badFrames(ctx, wsURL, tok, bomb, &st.bombSent, &st.bombClosed, &st) })
			}
		}
	}
	wg.Go(attack)
	res, err := run(context.Background(), cfg, tokens[:good])
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("attacks: half-open peak %d (closed by hub %d), slowloris HTTP closed %d, silent WebSockets closed %d, 8 MB frames %d (closed %d), zstd bombs %d (closed %d), refused dials %d, other errors %d; hub peak RSS %d MB",
		st.halfOpenPeak.Load(), st.halfOpenClosed.Load(), st.slowHTTPClosed.Load(), st.slowWSClosed.Load(),
		st.giantSent.Load(), st.giantClosed.Load(), st.bombSent.Load(), st.bombClosed.Load(), st.refusedDial.Load(), st.otherErrors.Load(), peakRSS.Load()>>20)
	t.Logf("good agents: %.1f of %.1f snapshots/s acknowledged, ack p99 %s", res.ackRate, res.offered, res.p99)
	if !res.keepsUp {
		t.Errorf("well-behaved agents were hurt: %s", res.verdict)
	}
	requireClean(t, res)
	if res.p99 >= time.Second {
		t.Errorf("got ack p99 %s under attack, want < 1 s", res.p99)
	}
	if rss := peakRSS.Load(); rss > 1<<30 {
		t.Errorf("got hub peak RSS %d MB, want < 1024 MB", rss>>20)
	}
	if st.halfOpenPeak.Load() < 1500 {
		t.Errorf("only %d half-open connections at once, want ≥ 1500: the attack did not happen", st.halfOpenPeak.Load())
	}
	if st.giantClosed.Load() == 0 || st.bombClosed.Load() == 0 {
		t.Errorf("got %d of %d giant frames and %d of %d bombs answered by a close, want the hub to close every one",
			st.giantClosed.Load(), st.giantSent.Load(), st.bombClosed.Load(), st.bombSent.Load())
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// halfOpen holds a TCP connection that sends nothing, reconnecting when the hub closes it.
func halfOpen(ctx context.Context, addr string, st *attackStats) {
	for ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			st.refusedDial.Add(1)
			sleepCtx(ctx, time.Second)
			continue
		}
		n := st.halfOpen.Add(1)
		for p := st.halfOpenPeak.Load(); n > p && !st.halfOpenPeak.CompareAndSwap(p, n); p = st.halfOpenPeak.Load() {
		}
		closed := make(chan struct{})
		go func() { io.Copy(io.Discard, c); close(closed) }()
		select {
		case <-ctx.Done():
		case <-closed:
			st.halfOpenClosed.Add(1)
		}
		c.Close()
		st.halfOpen.Add(-1)
	}
}

// slowHTTP sends a request's headers one line every 2 s, never finishing them.
func slowHTTP(ctx context.Context, addr string, st *attackStats) {
	for ctx.Err() == nil {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			st.refusedDial.Add(1)
			sleepCtx(ctx, time.Second)
			continue
		}
		_, err = io.WriteString(c, "GET /api/v1/hosts HTTP/1.1\r\nHost: hub\r\n")
		for i := 0; err == nil && ctx.Err() == nil; i++ {
			sleepCtx(ctx, 2*time.Second)
			_, err = fmt.Fprintf(c, "X-Slow-%d: %d\r\n", i, i)
			if err == nil {
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				var b [1]byte
				if _, rerr := c.Read(b[:]); rerr != nil && !isTimeout(rerr) {
					err = rerr // the hub answered (408/400) or closed
				}
			}
		}
		if ctx.Err() == nil {
			st.slowHTTPClosed.Add(1)
		}
		c.Close()
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// silentWS upgrades with a valid token and never sends hello.
func silentWS(ctx context.Context, url, token string, st *attackStats) {
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ws, resp, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
		cancel()
		if err != nil {
			if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				st.otherErrors.Add(1)
			}
			sleepCtx(ctx, time.Second)
			continue
		}
		if _, _, err := ws.Read(ctx); err != nil && ctx.Err() == nil {
			st.slowWSClosed.Add(1)
		}
		ws.CloseNow()
	}
}

// badFrames says hello properly, then sends frame and expects the hub to close the connection.
func badFrames(ctx context.Context, url, token string, frame []byte, sent, closed *atomic.Int64, st *attackStats) {
	comp, _ := wire.NewCompressor()
	enc := wire.NewEncoder(comp)
	hello, _ := enc.Hello(&wire.Hello{Version: wire.Version, AgentVersion: "hostile", Facts: []byte(`{}`), IntervalMs: 10000,
		Series: []wire.Series{{ID: 0, Name: "cpu.used_pct", Unit: "%", Scale: 2}}})
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
		cancel()
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		ws.SetReadLimit(wire.MaxFrameBytes)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := ws.Write(wctx, websocket.MessageBinary, hello); err == nil {
			if _, _, err := ws.Read(wctx); err == nil { // welcome
				sent.Add(1)
				_ = ws.Write(wctx, websocket.MessageBinary, frame)
				for { // read until the hub closes: error frame first, or straight a close
					if _, _, err := ws.Read(wctx); err != nil {
						if s := websocket.CloseStatus(err); s == websocket.StatusMessageTooBig || s == websocket.StatusPolicyViolation {
							closed.Add(1)
						} else if ctx.Err() == nil {
							st.otherErrors.Add(1)
						}
						break
					}
				}
			}
		}
		cancel()
		ws.CloseNow()
		sleepCtx(ctx, time.Second)
	}
}

// giantFrame is 8 MB, eight times the hub's frame limit.
func giantFrame() []byte {
	f := make([]byte, 8<<20)
	f[0] = byte(wire.TypeBatch)
	return f
}

// zstdBomb is a batch frame whose zstd body inflates to 64 MB of zeros, sixteen times the
// hub's decompression limit, from a few KB on the wire.
func zstdBomb(t *testing.T) []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	body := enc.EncodeAll(bytes.Repeat([]byte{0}, 64<<20), nil)
	return append([]byte{byte(wire.TypeBatch), 1 /* zstd flag, docs/protocol.md */}, body...)
}
