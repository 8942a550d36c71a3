// Command load simulates a fleet of vigil agents against a hub on this machine and reports
// whether the hub keeps up: snapshots and values accepted per second, ack latency, the hub's CPU
// and memory, and the generator's own CPU (it shares the machine with the hub).
//
//	go run ./bench/load --data DIR --tokens FILE --agents 10000 --hub http://127.0.0.1:8080 --hub-pid PID
//
// Before connecting it makes sure hosts load-0 … load-(N-1) exist (see prepare.go). Each agent
// speaks the real protocol (internal/wire over coder/websocket): hello with a ~150-series
// dictionary, then one live snapshot per --interval, phases spread evenly over the interval,
// connections opened gradually over --ramp. bench/load/run.sh runs the standard scenarios.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/wire"
)

type config struct {
	hub, data, tokens, md, label string
	database                     string // PostgreSQL URL of the hub's database; empty = SQLite in data
	orgID                        int64
	n, hubPID                    int
	interval, ramp, duration     time.Duration
	settle, stormBudget          time.Duration
	protocol                     uint // wire protocol version of the hello (0 = this build's)
	grace, report                time.Duration
	prepareOnly                  bool
	recordAcks                   bool // keep every acknowledged snapshot's time (tests)
	cores, mounts, disks, nics   int
	temps                        int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.hub, "hub", "http://127.0.0.1:8080", "hub base URL (loopback only)")
	flag.StringVar(&cfg.data, "data", "", "hub data directory, to create the hosts (not needed when --tokens already holds enough)")
	flag.StringVar(&cfg.database, "database", os.Getenv("VIGIL_DATABASE"), "the hub's PostgreSQL URL when it runs on PostgreSQL (as vigil serve --database) [VIGIL_DATABASE]")
	flag.StringVar(&cfg.tokens, "tokens", "load-tokens.txt", "file of agent tokens, one a line (line i = host load-i); created or extended as needed")
	flag.Int64Var(&cfg.orgID, "org-id", 0, "organization for new hosts (default: the first one, or a new load-test owner)")
	flag.IntVar(&cfg.n, "agents", 1000, "number of simulated agents (N)")
	flag.IntVar(&cfg.hubPID, "hub-pid", 0, "hub process id, to report its CPU and RSS from /proc")
	flag.DurationVar(&cfg.interval, "interval", 10*time.Second, "snapshot interval of every agent")
	flag.DurationVar(&cfg.ramp, "ramp", 20*time.Second, "connect agents evenly over this long")
	flag.DurationVar(&cfg.duration, "duration", 60*time.Second, "measured window, after the ramp, one warm-up interval and --settle")
	flag.DurationVar(&cfg.settle, "settle", 0, "longest extra wait after the ramp and warm-up for every agent to be connected (agents the hub's admission control deferred get in meanwhile); the window starts one interval after the last one got in")
	flag.DurationVar(&cfg.stormBudget, "storm-budget", 60*time.Second, "budget for the connection storm: every agent connected within this long of the first dial (reported beside the keep-up verdict, docs/benchmarks.md)")
	flag.DurationVar(&cfg.grace, "grace", 5*time.Second, "after the window, how long to wait for outstanding acks")
	flag.DurationVar(&cfg.report, "report", 10*time.Second, "progress report period")
	flag.UintVar(&cfg.protocol, "protocol", 0, "wire protocol version to speak (default this build's; an older hub needs its own, e.g. 2)")
	flag.BoolVar(&cfg.prepareOnly, "prepare-only", false, "create hosts and tokens, then exit")
	flag.StringVar(&cfg.md, "md", "", "append the scenario's results as Markdown to this file")
	flag.StringVar(&cfg.label, "label", "", "scenario title for --md")
	flag.IntVar(&cfg.cores, "cores", 6, "simulated CPU cores (9 CPU series each, plus 9 for the total)")
	flag.IntVar(&cfg.mounts, "mounts", 4, "simulated mounts (7 series each)")
	flag.IntVar(&cfg.disks, "disks", 2, "simulated disks (7 series each)")
	flag.IntVar(&cfg.nics, "nics", 2, "simulated network interfaces (8 series each)")
	flag.IntVar(&cfg.temps, "temps", 10, "simulated temperature sensors")
	flag.Parse()
	if cfg.n <= 0 || cfg.interval < time.Second || cfg.ramp < 0 || cfg.duration <= 0 {
		fmt.Fprintln(os.Stderr, "load: want --agents > 0, --interval ≥ 1s, --duration > 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tokens, err := prepare(ctx, cfg.data, hub.Database{URL: cfg.database}, cfg.tokens, cfg.n, cfg.orgID)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if cfg.prepareOnly {
		return
	}
	res, err := run(ctx, cfg, tokens)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if !res.keepsUp {
		os.Exit(3)
	}
}

func wsURL(base string) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return "", fmt.Errorf("--hub %q: %w", base, err)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("--hub %q: this generator only targets a hub on loopback", base)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("--hub %q: want http:// or https://", base)
	}
	u.Path += "/api/agent"
	return u.String(), nil
}

// sample is everything read at one instant, for rates between two instants.
type sample struct {
	at                               time.Time
	sent, acked, valuesAcked, bytes  int64
	lost, disc, dialErr, wErr, errFr int64
	lat, latSteady                   histSnap
	hub, self                        procStat
	hm                               hubMetrics
	pg                               pgStat
}

// result is the run's outcome over the measured window.
type result struct {
	keepsUp            bool
	verdict            string
	offered, ackRate   float64 // snapshots/s
	p99                time.Duration
	connected          int64
	disconnects, lost  int64
	writeErrs, errFrms int64
	dialErrs, deferred int64
	unacked            int // after the grace period
	hubRSS             int64
	hubCPU             float64 // % of one core
	firstErr           string
	// ackedTimes[i] is every acknowledged snapshot time of agent i, with cfg.recordAcks.
	ackedTimes [][]int64
}

func run(ctx context.Context, cfg config, tokens []string) (result, error) {
	u, err := wsURL(cfg.hub)
	if err != nil {
		return result{}, err
	}
	comp, err := wire.NewCompressor()
	if err != nil {
		return result{}, err
	}
	layout := seriesLayout{cores: cfg.cores, mounts: cfg.mounts, disks: cfg.disks, nics: cfg.nics, temps: cfg.temps}
	specs := layout.dictionary(cfg.interval.Seconds())
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext, MaxIdleConnsPerHost: 4}
	s := &sim{cfg: cfg, wsURL: u, comp: comp, specs: specs, series: wireSeries(specs),
		client: &http.Client{Transport: tr}, c: &counters{}}
	metricsClient := &http.Client{Timeout: 5 * time.Second}
	hubBase := strings.TrimRight(cfg.hub, "/")

	n := cfg.n
	s.start = time.Now()
	// The window starts after the ramp and one warm-up interval, once every agent is connected
	// or --settle has passed, whichever is first: agents deferred by the hub's admission
	// control join after the ramp, and a window that starts before they are in measures the
	// connection storm, not steady ingest.
	warm := s.start.Add(cfg.ramp + cfg.interval)
	s.steadyAt.Store(warm.Add(cfg.settle).UnixNano())
	fmt.Printf("load: %d agents × %d series → %s, interval %s, ramp %s, warm-up %s, settle up to %s, measured window %s\n",
		n, len(specs), u, cfg.interval, cfg.ramp, cfg.interval, cfg.settle, cfg.duration)

	agents := make([]*agent, n)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// CPU the hub and the generator spent on the connection storm: a figure that depends less
	// on what else the machine runs than the storm's wall time does.
	var hubAtStart, selfAtStart procStat
	if cfg.hubPID > 0 {
		hubAtStart = readProc(cfg.hubPID)
	}
	selfAtStart = readProc(os.Getpid())
	var stormMu sync.Mutex
	var hubAtAllIn, selfAtAllIn procStat
	stormDone := make(chan struct{})
	go func() {
		defer close(stormDone)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			if s.c.allInAt.Load() != 0 {
				stormMu.Lock()
				if cfg.hubPID > 0 {
					hubAtAllIn = readProc(cfg.hubPID)
				}
				selfAtAllIn = readProc(os.Getpid())
				stormMu.Unlock()
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range agents {
		a := &agent{s: s, i: i, token: tokens[i], pending: map[uint64]pend{},
			phase: time.Duration(int64(cfg.interval) * int64(i) / int64(n)),
			h:     newHost(specs, uint64(i)+1)}
		agents[i] = a
	}
	wg.Go(func() {
		for i, a := range agents {
			at := s.start.Add(time.Duration(int64(cfg.ramp) * int64(i) / int64(n)))
			if d := time.Until(at); d > 0 {
				select {
				case <-runCtx.Done():
					return
				case <-time.After(d):
				}
			}
			wg.Go(func() { a.run(runCtx) })
		}
	})

	backlog := func() (total, worst int) {
		for _, a := range agents {
			u := a.unacked()
			total += u
			worst = max(worst, u)
		}
		return
	}
	take := func() sample {
		c := s.c
		sm := sample{at: time.Now(), sent: c.sent.Load(), acked: c.acked.Load(), valuesAcked: c.valuesAcked.Load(),
			bytes: c.bytesSent.Load(), lost: c.lost.Load(), disc: c.disconnects.Load(), dialErr: c.dialErrors.Load(),
			wErr: c.writeErrors.Load(), errFr: c.errorFrames.Load(), lat: c.lat.snap(), latSteady: c.latSteady.snap(),
			self: readProc(os.Getpid()), hm: scrapeMetrics(metricsClient, hubBase)}
		if cfg.hubPID > 0 {
			sm.hub = readProc(cfg.hubPID)
		}
		sm.pg = readPostgres(databaseName(cfg.database))
		return sm
	}

	var lines []string
	logf := func(format string, args ...any) {
		l := fmt.Sprintf(format, args...)
		lines = append(lines, l)
		fmt.Println(l)
	}
	logf("%6s %6s %8s %8s %9s %7s %8s %8s %8s %8s %7s %7s %6s %s",
		"t", "conn", "sent/s", "acks/s", "values/s", "backlog", "p50", "p99", "max", "hubCPU%", "hubRSS", "genCPU%", "errs", "hub:snaps/s")
	prev := take()
	var steadyStart sample
	haveSteady := false
	var windowAt time.Duration // from the start
	var windowConn int64       // agents connected when the window began
	tick := time.NewTicker(cfg.report)
	defer tick.Stop()
	steadyTimer := time.NewTimer(time.Until(warm))
	endTimer := time.NewTimer(time.Hour) // armed when the window starts
	endTimer.Stop()
	interrupted := false
loop:
	for {
		select {
		case <-ctx.Done():
			interrupted = true
			break loop
		case <-steadyTimer.C:
			now := time.Now()
			var allInAt time.Time
			if ns := s.c.allInAt.Load(); ns != 0 {
				allInAt = time.Unix(0, ns)
			}
			// Steady state begins one interval after the last agent got in: by then every agent
			// has sent a snapshot on its new connection and the hub has worked off the storm.
			inAndWarm := !allInAt.IsZero() && !now.Before(allInAt.Add(cfg.interval))
			if !inAndWarm && now.Before(warm.Add(cfg.settle)) {
				steadyTimer.Reset(100 * time.Millisecond)
				continue
			}
			s.steadyAt.Store(time.Now().UnixNano())
			steadyStart, haveSteady = take(), true
			windowAt, windowConn = time.Since(s.start), s.c.connected.Load()
			endTimer.Reset(cfg.duration)
			fmt.Printf("load: measured window starts with %d of %d agents connected, %.0f s after the start\n",
				s.c.connected.Load(), n, time.Since(s.start).Seconds())
		case <-endTimer.C:
			break loop
		case <-tick.C:
			cur := take()
			wall := cur.at.Sub(prev.at)
			win := cur.lat.sub(prev.lat)
			bl, _ := backlog()
			errs := (cur.disc - prev.disc) + (cur.dialErr - prev.dialErr) + (cur.wErr - prev.wErr) + (cur.errFr - prev.errFr)
			hubSnaps := "–"
			if cur.hm.ok && prev.hm.ok {
				hubSnaps = fmt.Sprintf("%.0f", (cur.hm.snapshots-prev.hm.snapshots)/wall.Seconds())
			}
			logf("%5.0fs %6d %8.0f %8.0f %9s %7d %8s %8s %8s %8.1f %7s %7.1f %6d %s",
				cur.at.Sub(s.start).Seconds(), s.c.connected.Load(),
				float64(cur.sent-prev.sent)/wall.Seconds(), float64(cur.acked-prev.acked)/wall.Seconds(),
				commas(float64(cur.valuesAcked-prev.valuesAcked)/wall.Seconds()), bl,
				fmtDur(win.quantile(0.5)), fmtDur(win.quantile(0.99)), fmtDur(win.quantile(1)),
				cpuPct(prev.hub, cur.hub, wall), fmtMB(cur.hub.rss), cpuPct(prev.self, cur.self, wall), errs, hubSnaps)
			prev = cur
		}
	}
	endS := take()
	if !haveSteady {
		steadyStart = endS
	}
	blEnd, worstEnd := backlog()
	// Stop producing, then give outstanding acks a moment before closing.
	s.stopSend.Store(true)
	graceEnd := time.Now().Add(cfg.grace)
	for time.Now().Before(graceEnd) {
		if t, _ := backlog(); t == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	unacked, _ := backlog()
	connectedAtEnd := s.c.connected.Load()
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		fmt.Println("load: some agent goroutines did not stop within 15 s")
	}

	// Summary over the measured window.
	w := endS.at.Sub(steadyStart.at)
	ws := w.Seconds()
	offered := float64(n) / cfg.interval.Seconds()
	sm := struct {
		sentRate, ackRate, valRate, bytesPerSnap float64
		p50, p99, pmax                           time.Duration
		hubCPU, selfCPU                          float64
		hubRSS, selfRSS                          int64
		hubSnapRate                              float64
	}{}
	if ws > 0 {
		sm.sentRate = float64(endS.sent-steadyStart.sent) / ws
		sm.ackRate = float64(endS.acked-steadyStart.acked) / ws
		sm.valRate = float64(endS.valuesAcked-steadyStart.valuesAcked) / ws
		if endS.hm.ok && steadyStart.hm.ok {
			sm.hubSnapRate = (endS.hm.snapshots - steadyStart.hm.snapshots) / ws
		}
	}
	if d := endS.sent - steadyStart.sent; d > 0 {
		sm.bytesPerSnap = float64(endS.bytes-steadyStart.bytes) / float64(d)
	}
	lat := endS.latSteady
	sm.p50, sm.p99, sm.pmax = lat.quantile(0.5), lat.quantile(0.99), lat.quantile(1)
	sm.hubCPU, sm.selfCPU = cpuPct(steadyStart.hub, endS.hub, w), cpuPct(steadyStart.self, endS.self, w)
	sm.hubRSS, sm.selfRSS = endS.hub.rss, endS.self.rss
	c := s.c
	keepsUp := !interrupted && ws > 0 && sm.ackRate >= 0.95*offered && sm.p99 > 0 && sm.p99 < time.Second && connectedAtEnd == int64(n) && windowConn == int64(n)
	verdict := "KEEPS UP"
	if !keepsUp {
		var why []string
		if sm.ackRate < 0.95*offered {
			why = append(why, fmt.Sprintf("acks/s %.0f < 95 %% of offered %.0f", sm.ackRate, offered))
		}
		if sm.p99 == 0 || sm.p99 >= time.Second {
			why = append(why, "ack p99 ≥ 1 s (or no acks)")
		}
		if windowConn != int64(n) {
			why = append(why, fmt.Sprintf("the window began with only %d of %d agents connected: the connection storm outlasted ramp + warm-up + settle", windowConn, n))
		}
		if connectedAtEnd != int64(n) {
			why = append(why, fmt.Sprintf("only %d of %d agents connected at the end", connectedAtEnd, n))
		}
		if interrupted {
			why = append(why, "interrupted")
		}
		verdict = "FALLS BEHIND: " + strings.Join(why, "; ")
	}
	errLine := fmt.Sprintf("dials %d (failed %d, refused 401 %d, deferred 503 %d), disconnects %d, write errors %d, error frames %d, commands %d, skipped slots %d, snapshots lost with a dropped connection %d",
		c.dials.Load(), c.dialErrors.Load(), c.refused.Load(), c.deferred.Load(), c.disconnects.Load(), c.writeErrors.Load(), c.errorFrames.Load(), c.commands.Load(), c.skipped.Load(), c.lost.Load())
	firstErr := ""
	if p := c.firstErr.Load(); p != nil {
		firstErr = *p
	}
	hubMetricsLine := "hub /metrics not readable"
	if endS.hm.ok {
		hubMetricsLine = fmt.Sprintf("hub /metrics: agents connected %.0f, goroutines %.0f, snapshots stored %.0f/s in window, store errors %.0f, protocol errors %.0f, refused %.0f",
			endS.hm.connected, endS.hm.goroutines, sm.hubSnapRate, endS.hm.storeErrors, endS.hm.protocolErrors, endS.hm.refused)
	}

	// The connection storm, its own figure: from the first dial until all N were connected.
	storm := time.Duration(0)
	stormLine := fmt.Sprintf("not over: %d of %d connected when the run ended", connectedAtEnd, n)
	stormOK := false
	if ns := c.allInAt.Load(); ns != 0 {
		storm = time.Unix(0, ns).Sub(s.start)
		stormOK = storm <= cfg.stormBudget
		within := "within"
		if !stormOK {
			within = "OVER"
		}
		stormLine = fmt.Sprintf("all %d connected %.1f s after the first dial (ramp %s); %s the %s budget", n, storm.Seconds(), cfg.ramp, within, cfg.stormBudget)
		<-stormDone
		stormMu.Lock()
		if hubAtAllIn.ok && hubAtStart.ok {
			hubCPU := hubAtAllIn.cpu - hubAtStart.cpu
			stormLine += fmt.Sprintf("; hub CPU from the first dial until all were in %.1f s (%.2f ms per agent)", hubCPU.Seconds(), float64(hubCPU.Microseconds())/1000/float64(n))
		}
		if selfAtAllIn.ok && selfAtStart.ok {
			stormLine += fmt.Sprintf(", generator CPU %.1f s", (selfAtAllIn.cpu - selfAtStart.cpu).Seconds())
		}
		stormMu.Unlock()
	}
	stormLine += fmt.Sprintf("; %d handshakes deferred with 503, %d dials", c.deferred.Load(), c.dials.Load())

	fmt.Println()
	fmt.Printf("== summary: %d agents, interval %s, measured window %s from %s after the start (ramp %s + warm-up %s + settle up to %s; %d agents connected then)\n",
		n, cfg.interval, w.Round(time.Second), windowAt.Round(time.Second), cfg.ramp, cfg.interval, cfg.settle, windowConn)
	fmt.Printf("offered        %.1f snapshots/s (%s values/s)\n", offered, commas(offered*float64(len(specs))))
	fmt.Printf("sent           %.1f snapshots/s, %.0f B per batch frame\n", sm.sentRate, sm.bytesPerSnap)
	fmt.Printf("accepted       %.1f snapshots/s, %s values/s (%.1f %% of offered)\n", sm.ackRate, commas(sm.valRate), 100*sm.ackRate/offered)
	fmt.Printf("ack latency    p50 %s, p99 %s, max %s (%d acks in window)\n", fmtDur(sm.p50), fmtDur(sm.p99), fmtDur(sm.pmax), lat.count())
	fmt.Printf("backlog        %d unacked at window end (worst agent %d, worst ever on one connection %d); %d still unacked after %s grace\n", blEnd, worstEnd, c.maxInflight1.Load(), unacked, cfg.grace)
	fmt.Printf("hub            CPU %.1f %% of one core, RSS %s\n", sm.hubCPU, fmtMB(sm.hubRSS))
	fmt.Printf("generator      CPU %.1f %% of one core, RSS %s (same machine)\n", sm.selfCPU, fmtMB(sm.selfRSS))
	pgDB, pgAll := pgPct(steadyStart.pg, endS.pg, w)
	if pgDB >= 0 {
		fmt.Printf("PostgreSQL     CPU %.1f %% of one core in the backends of database %s, %.1f %% the whole server (incl. other users)\n", pgDB, databaseName(cfg.database), pgAll)
	}
	fmt.Printf("connect storm  %s\n", stormLine)
	fmt.Printf("connections    %d of %d connected at the end; %s\n", connectedAtEnd, n, errLine)
	fmt.Println(hubMetricsLine)
	if firstErr != "" {
		fmt.Println("first error    " + firstErr)
	}
	fmt.Println("verdict        " + verdict)
	fmt.Printf("RESULT agents=%d keeps_up=%t ack_rate=%.1f offered=%.1f p99_ms=%.1f hub_cpu=%.1f hub_rss_mb=%.0f storm_s=%.1f storm_ok=%t\n",
		n, keepsUp, sm.ackRate, offered, float64(sm.p99.Microseconds())/1000, sm.hubCPU, float64(sm.hubRSS)/(1<<20), storm.Seconds(), stormOK)

	res := result{keepsUp: keepsUp, verdict: verdict, offered: offered, ackRate: sm.ackRate, p99: sm.p99,
		connected: connectedAtEnd, disconnects: c.disconnects.Load(), lost: c.lost.Load(), writeErrs: c.writeErrors.Load(),
		errFrms: c.errorFrames.Load(), dialErrs: c.dialErrors.Load(), deferred: c.deferred.Load(), unacked: unacked,
		hubRSS: sm.hubRSS, hubCPU: sm.hubCPU, firstErr: firstErr}
	if cfg.recordAcks {
		for _, a := range agents {
			a.mu.Lock()
			res.ackedTimes = append(res.ackedTimes, slices.Clone(a.ackedTimes))
			a.mu.Unlock()
		}
	}
	if cfg.md != "" {
		label := cfg.label
		if label == "" {
			label = fmt.Sprintf("N = %s agents at %s", commas(float64(n)), cfg.interval)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "\n### %s\n\n", label)
		fmt.Fprintf(&b, "%s agents × %d series, interval %s, ramp %s, warm-up %s, settle up to %s; measured window %s, from %s after the start, when %s agents were connected. Verdict: **%s**.\n\n",
			commas(float64(n)), len(specs), cfg.interval, cfg.ramp, cfg.interval, cfg.settle, w.Round(time.Second), windowAt.Round(time.Second), commas(float64(windowConn)), verdict)
		budgetSnaps := 10000.0 / 10
		b.WriteString("| figure | measured | budget (DESIGN.md §8: 10,000 agents at 10 s (≈150k values/s) on 2 cores) |\n|---|---|---|\n")
		fmt.Fprintf(&b, "| offered load | %s snapshots/s, %s values/s | %s snapshots/s, ≈150,000 values/s |\n", commas(offered), commas(offered*float64(len(specs))), commas(budgetSnaps))
		fmt.Fprintf(&b, "| accepted (acked) snapshots/s | %.1f (%.1f %% of offered) | ≥ 95 %% of offered (keep-up criterion) |\n", sm.ackRate, 100*sm.ackRate/offered)
		fmt.Fprintf(&b, "| accepted values/s | %s | ≈150,000 at 10,000 agents |\n", commas(sm.valRate))
		fmt.Fprintf(&b, "| ack latency p50 / p99 / max | %s / %s / %s | p99 < 1 s (keep-up criterion) |\n", fmtDur(sm.p50), fmtDur(sm.p99), fmtDur(sm.pmax))
		fmt.Fprintf(&b, "| unacked at window end | %d (worst agent %d); %d after %s grace | bounded |\n", blEnd, worstEnd, unacked, cfg.grace)
		fmt.Fprintf(&b, "| hub CPU | %.1f %% of one core (%.1f %% of the machine's 2 cores) | within 2 cores at 10,000 agents |\n", sm.hubCPU, sm.hubCPU/2)
		fmt.Fprintf(&b, "| hub RSS | %s | — |\n", fmtMB(sm.hubRSS))
		if pgDB >= 0 {
			fmt.Fprintf(&b, "| PostgreSQL CPU (same 2 cores) | %.1f %% of one core in the hub's backends; %.1f %% for the whole server, including background writers and other users of this server | — |\n", pgDB, pgAll)
		}
		fmt.Fprintf(&b, "| generator CPU (same 2 cores) | %.1f %% of one core, RSS %s | — |\n", sm.selfCPU, fmtMB(sm.selfRSS))
		fmt.Fprintf(&b, "| batch frame size | %.0f B per snapshot | ≤ 250 B |\n", sm.bytesPerSnap)
		fmt.Fprintf(&b, "| connections | %d of %d connected at the end | all |\n", connectedAtEnd, n)
		fmt.Fprintf(&b, "| connection storm (measured apart from the window) | %s | all connected within %s of the first dial (proposed budget, docs/benchmarks.md) |\n\n", stormLine, cfg.stormBudget)
		fmt.Fprintf(&b, "Errors: %s.", errLine)
		if firstErr != "" {
			fmt.Fprintf(&b, " First error: `%s`.", firstErr)
		}
		fmt.Fprintf(&b, "\n%s.\n\n", hubMetricsLine)
		b.WriteString("<details><summary>10-second reports (t from the start of the ramp; rates per second; CPU in % of one core)</summary>\n\n```\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n</details>\n")
		f, err := os.OpenFile(cfg.md, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return res, err
		}
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}
