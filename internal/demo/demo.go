// Package demo simulates servers for `vigil demo`: each one speaks the real agent protocol to
// the hub, first backfilling a day of history, then reporting live. They behave like real
// machines: daily load cycles, random spikes, one disk filling up, and one host that went down.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Host is one simulated server.
type Host struct {
	Name  string
	Token string
	// Down stops the host's reports History ago, so it shows offline with its past intact.
	Down bool
	// FillingDisk makes its data disk grow towards full over the day.
	FillingDisk bool
	Seed        uint64
}

// Config says where and how.
type Config struct {
	HubURL   string
	Interval time.Duration // live interval (default 10 s)
	History  time.Duration // backfilled history (default 24 h; negative: none)
	// Step is the spacing of backfilled snapshots (default 1 min, 5 min past 2 days of history:
	// a month at 1 min would be 43,200 snapshots per host for charts that show hourly points).
	Step time.Duration
	// Spread is the time over which hosts connect, as a real fleet does after a hub restart
	// (default 10 s, at most 50 ms per host).
	Spread time.Duration
	// Backfilled is called once every host has sent its history (the hub then builds rollups
	// at once, so 30-day views read the hourly tier instead of a month of raw rows).
	Backfilled func()
	Logger     *slog.Logger
}

func (cfg *Config) defaults(n int) {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.History == 0 {
		cfg.History = 24 * time.Hour
	}
	if cfg.Step <= 0 {
		cfg.Step = time.Minute
		if cfg.History > 48*time.Hour {
			cfg.Step = 5 * time.Minute
		}
	}
	if cfg.Spread <= 0 {
		cfg.Spread = min(10*time.Second, time.Duration(n)*50*time.Millisecond)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run drives every host until ctx ends.
func Run(ctx context.Context, cfg Config, hosts []Host) {
	cfg.defaults(len(hosts))
	// One compressor for every host: it is safe for concurrent use, and a thousand zstd
	// encoders would cost the demo hundreds of megabytes.
	comp, err := wire.NewCompressor()
	if err != nil {
		cfg.Logger.Error("demo cannot start", "component", "demo", "err", err)
		return
	}
	var backfills sync.WaitGroup
	backfills.Add(len(hosts))
	for i, h := range hosts {
		delay := cfg.Spread * time.Duration(i) / time.Duration(max(1, len(hosts)))
		go func() {
			err := runHost(ctx, cfg, comp, h, delay, backfills.Done)
			if err != nil && ctx.Err() == nil {
				cfg.Logger.Warn("simulated host stopped", "component", "demo", "host", h.Name, "err", err)
			}
		}()
	}
	go func() {
		backfills.Wait()
		if cfg.Backfilled != nil && ctx.Err() == nil {
			cfg.Backfilled()
		}
	}()
	<-ctx.Done()
}

// runHost connects after delay, backfills the history, calls backfilled (exactly once, also on
// failure) and then reports live until ctx ends. Like a real agent it reconnects with backoff
// when the hub drops or refuses it (a busy hub on a small machine does both at startup).
func runHost(ctx context.Context, cfg Config, comp *wire.Compressor, h Host, delay time.Duration, backfilled func()) error {
	var once sync.Once
	defer once.Do(backfilled)
	select {
	case <-ctx.Done():
		return nil
	case <-time.After(delay):
	}
	s := &session{cfg: cfg, comp: comp, h: h, m: newMachine(h), seq: 1, backfilled: func() { once.Do(backfilled) }}
	backoff := time.Second
	for {
		started := time.Now()
		err := s.run(ctx)
		if ctx.Err() != nil || err == nil {
			return nil
		}
		cfg.Logger.Debug("simulated host reconnecting", "component", "demo", "host", h.Name, "err", err)
		if time.Since(started) > time.Minute {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff/2 + rand.N(backoff/2)):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// session is one simulated host's connection state that survives reconnects.
type session struct {
	cfg        Config
	comp       *wire.Compressor
	h          Host
	m          *machine
	seq        uint64
	filled     bool // history sent and acknowledged
	backfilled func()
}

// run is one connection: hello, the history (first time only), then live snapshots. It returns
// nil when the host is meant to stop (the simulated outage) and an error when the connection
// failed.
func (s *session) run(ctx context.Context) error {
	cfg, h, m := s.cfg, s.h, s.m
	url := strings.Replace(strings.Replace(strings.TrimRight(cfg.HubURL, "/"), "https://", "wss://", 1), "http://", "ws://", 1) + "/api/agent"
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + h.Token}}})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer ws.CloseNow()
	enc := wire.NewEncoder(s.comp)
	facts := fmt.Sprintf(`{"hostname":%q,"os":"Debian GNU/Linux 12 (bookworm)","kernel":"6.1.0-27-amd64","arch":"amd64","cpu_model":"Intel(R) Xeon(R) Gold 6338 (simulated)","cores":%d,"memory_bytes":%d,"virtualization":"kvm"}`, h.Name, m.cores, uint64(m.memTotal))
	hello, err := enc.Hello(&wire.Hello{Version: wire.Version, AgentVersion: "demo", Facts: []byte(facts), IntervalMs: uint32(cfg.Interval.Milliseconds()), Series: m.series})
	if err != nil {
		return err
	}
	if err := ws.Write(ctx, websocket.MessageBinary, hello); err != nil {
		return err
	}
	// Read acks (commands are not needed): the highest acknowledged sequence tells when the
	// backfill is durable on the hub.
	var acked atomic.Uint64
	ackCh := make(chan struct{}, 1)
	go func() {
		dec := wire.NewDecoder(s.comp)
		for {
			_, frame, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if msg, err := dec.Decode(frame); err == nil {
				if a, ok := msg.(*wire.Ack); ok {
					for _, r := range a.Ranges {
						if r.To > acked.Load() {
							acked.Store(r.To)
						}
					}
					select {
					case ackCh <- struct{}{}:
					default:
					}
				}
			}
		}
	}()

	if !s.filled {
		if err := s.backfill(ctx, ws, enc, &acked, ackCh); err != nil {
			return err
		}
		s.filled = true
		s.backfilled()
		if h.Down {
			ws.Close(websocket.StatusNormalClosure, "simulated outage")
			return nil
		}
	}
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			ws.Close(websocket.StatusNormalClosure, "demo stopping")
			return nil
		case t := <-tick.C:
			if err := send(ctx, ws, enc, false, []wire.Snapshot{m.snapshot(s.seq, t)}); err != nil {
				return err
			}
			s.seq++
		}
	}
}

// backfill sends the history in batches and waits (bounded) until the hub has acknowledged it,
// so rollups built next include it.
func (s *session) backfill(ctx context.Context, ws *websocket.Conn, enc *wire.Encoder, acked *atomic.Uint64, ackCh <-chan struct{}) error {
	cfg := s.cfg
	now := time.Now()
	end := now
	if s.h.Down {
		end = now.Add(-min(37*time.Minute, max(0, cfg.History)/3))
	}
	var batch []wire.Snapshot
	for t := now.Add(-max(0, cfg.History)).Truncate(cfg.Step); cfg.History > 0 && t.Before(end); t = t.Add(cfg.Step) {
		batch = append(batch, s.m.snapshot(s.seq, t))
		s.seq++
		if len(batch) == 500 {
			if err := send(ctx, ws, enc, true, batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	if err := send(ctx, ws, enc, true, batch); err != nil {
		return err
	}
	wait := time.NewTimer(2 * time.Minute)
	defer wait.Stop()
	for acked.Load() < s.seq-1 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait.C:
			return fmt.Errorf("backfill up to %d not acknowledged within 2 minutes (acked %d)", s.seq-1, acked.Load())
		case <-ackCh:
		}
	}
	return nil
}

func send(ctx context.Context, ws *websocket.Conn, enc *wire.Encoder, backlog bool, snaps []wire.Snapshot) error {
	if len(snaps) == 0 {
		return nil
	}
	frame, err := enc.Batch(&wire.Batch{Backlog: backlog, Snapshots: snaps})
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageBinary, frame)
}

// machine is one simulated server's personality and state.
type machine struct {
	h        Host
	rng      *rand.Rand
	cores    int
	memTotal float64
	base     float64 // typical CPU %
	series   []wire.Series
	bootMs   int64
}

func newMachine(h Host) *machine {
	rng := rand.New(rand.NewPCG(h.Seed, h.Seed*7+1))
	m := &machine{h: h, rng: rng, cores: []int{2, 4, 8, 16}[rng.IntN(4)], base: 5 + rng.Float64()*35}
	m.memTotal = float64(m.cores * 4 << 30)
	m.bootMs = time.Now().Add(-time.Duration(3+rng.IntN(60)) * 24 * time.Hour).UnixMilli()
	add := func(name, label, unit string, scale uint8) {
		m.series = append(m.series, wire.Series{ID: uint32(len(m.series)), Name: name, Label: label, Unit: unit, Scale: scale})
	}
	add("cpu.used_pct", "", "%", 2)
	add("cpu.user_pct", "", "%", 2)
	add("cpu.system_pct", "", "%", 2)
	add("cpu.iowait_pct", "", "%", 2)
	for c := range m.cores {
		add("cpu.used_pct", fmt.Sprint(c), "%", 2)
	}
	for _, n := range []string{"load.1", "load.5", "load.15"} {
		add(n, "", "", 2)
	}
	for _, n := range []string{"mem.total_bytes", "mem.used_bytes", "mem.available_bytes", "mem.cached_bytes", "mem.buffers_bytes"} {
		add(n, "", "B", 0)
	}
	add("mem.used_pct", "", "%", 2)
	add("swap.used_pct", "", "%", 2)
	for _, mnt := range []string{"/", "/data"} {
		add("fs.used_pct", mnt, "%", 2)
		add("fs.inodes_used_pct", mnt, "%", 2)
	}
	add("disk.read_bps", "sda", "B/s", 0)
	add("disk.write_bps", "sda", "B/s", 0)
	add("disk.util_pct", "sda", "%", 2)
	add("net.rx_bps", "eth0", "B/s", 0)
	add("net.tx_bps", "eth0", "B/s", 0)
	add("system.uptime_s", "", "s", 0)
	add("system.procs", "", "", 0)
	return m
}

// snapshot computes every value at t: a daily cycle peaking mid-afternoon, noise, and now and
// then a spike, all rounded to each series' scale as a real agent would.
func (m *machine) snapshot(seq uint64, t time.Time) wire.Snapshot {
	hour := float64(t.Hour()) + float64(t.Minute())/60
	daily := 0.5 + 0.5*math.Sin((hour-9)/24*2*math.Pi)
	cpu := m.base*(0.4+daily) + m.rng.NormFloat64()*3
	if m.rng.IntN(200) == 0 {
		cpu += 40 + m.rng.Float64()*30 // a spike: a cron job, a deploy
	}
	cpu = clamp(cpu, 0.5, 100)
	memPct := clamp(35+m.base*0.6+daily*10+m.rng.NormFloat64(), 5, 97)
	dataFull := 40 + m.base/2
	if m.h.FillingDisk {
		dataFull = 70 + 25*float64(t.Unix()%86400)/86400 // towards full through the day
	}
	vals := []float64{cpu, cpu * 0.7, cpu * 0.25, clamp(m.rng.ExpFloat64()*0.8, 0, 30)}
	for range m.cores {
		vals = append(vals, clamp(cpu+m.rng.NormFloat64()*8, 0, 100))
	}
	load := cpu / 100 * float64(m.cores) * 1.1
	vals = append(vals, load, load*0.95, load*0.9)
	used := m.memTotal * memPct / 100
	vals = append(vals, m.memTotal, used, m.memTotal-used, m.memTotal*0.2, m.memTotal*0.02, memPct, clamp(m.rng.Float64()*3, 0, 100))
	vals = append(vals, 30+m.base/3, 12, dataFull, 20)
	vals = append(vals, 2e5*daily+m.rng.ExpFloat64()*1e5, 8e5*daily+m.rng.ExpFloat64()*3e5, clamp(cpu/3, 0, 100))
	vals = append(vals, 4e5*daily+m.rng.ExpFloat64()*2e5, 1.5e6*daily+m.rng.ExpFloat64()*5e5)
	vals = append(vals, float64((t.UnixMilli()-m.bootMs)/1000), float64(120+m.rng.IntN(40)))
	s := wire.Snapshot{Seq: seq, TimeMs: t.UnixMilli(), Values: make([]wire.Value, len(vals))}
	for i, v := range vals {
		p := math.Pow10(int(m.series[i].Scale))
		s.Values[i] = wire.Value{ID: uint32(i), V: math.Round(v*p) / p}
	}
	return s
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }
