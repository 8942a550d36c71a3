// Command profile runs the agent runtime (internal/agent, the same code as cmd/vigil-agent) in
// this process for a while with the Go CPU profiler on, then writes a heap profile and the
// runtime's memory statistics. It attributes the agent's CPU and memory without changing the
// agent. Used by bench/agent/run.sh when PROFILE=1.
//
// Usage: profile --hub URL --token-file F --spool-dir D --interval 1s --duration 60s --out DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/agent"
	"github.com/vigil-mon/vigil/internal/agent/procs"
	"github.com/vigil-mon/vigil/internal/agent/services"
)

func main() {
	hub := flag.String("hub", "", "hub URL")
	tokenFile := flag.String("token-file", "", "file holding the agent token")
	spool := flag.String("spool-dir", "", "spool directory (\"\" = memory only)")
	interval := flag.Duration("interval", time.Second, "collection interval")
	warmup := flag.Duration("warmup", 5*time.Second, "run this long before profiling")
	duration := flag.Duration("duration", 60*time.Second, "profile this long")
	out := flag.String("out", ".", "directory for cpu.pprof, heap.pprof and memstats.txt")
	flag.Parse()
	if err := run(*hub, *tokenFile, *spool, *interval, *warmup, *duration, *out); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func init() { runtime.MemProfileRate = 512 } // fine-grained allocation sites for a small heap

func run(hub, tokenFile, spool string, interval, warmup, duration time.Duration, out string) error {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return err
	}
	cfg := agent.Config{
		Hubs: []string{hub}, Token: strings.TrimSpace(string(tok)), Interval: interval,
		SpoolDir: spool, SpoolMaxBytes: 64 << 20, SpoolMaxAge: 168 * time.Hour, MaxPending: 8640,
		Version: "bench-profile",
		// As vigil-agent's defaults: top processes every 10 s, the services checker looking
		// for the Docker socket every 30 s.
		Procs:    procs.New(procs.Config{Top: 10}),
		Services: services.New(services.Config{DockerSocket: "/var/run/docker.sock"}),
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := agent.New(cfg, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), warmup+duration+10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	time.Sleep(warmup)
	f, err := os.Create(filepath.Join(out, "cpu.pprof"))
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	time.Sleep(duration)
	runtime.ReadMemStats(&m1)
	pprof.StopCPUProfile()
	f.Close()

	h, err := os.Create(filepath.Join(out, "heap.pprof"))
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(h, 0); err != nil {
		return err
	}
	h.Close()
	secs := duration.Seconds()
	stats := fmt.Sprintf("over %.0f s: %d GCs, %.0f allocs/s, %.0f alloc bytes/s\n"+
		"at end: HeapInuse %d, HeapIdle %d, HeapReleased %d, HeapSys %d, StackSys %d, Sys %d, NextGC %d, GOGC=%s GOMEMLIMIT=%s\n",
		secs, m1.NumGC-m0.NumGC, float64(m1.Mallocs-m0.Mallocs)/secs, float64(m1.TotalAlloc-m0.TotalAlloc)/secs,
		m1.HeapInuse, m1.HeapIdle, m1.HeapReleased, m1.HeapSys, m1.StackSys, m1.Sys, m1.NextGC,
		os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"))
	stats += memoryClasses()
	if err := os.WriteFile(filepath.Join(out, "memstats.txt"), []byte(stats), 0o644); err != nil {
		return err
	}
	fmt.Print(stats)
	cancel()
	<-done
	return nil
}

// memoryClasses lists runtime/metrics' /memory/classes/ breakdown of the memory the Go runtime
// has mapped (what RssAnon is made of), largest first.
func memoryClasses() string {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") && d.Kind == metrics.KindUint64 {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	sort.Slice(samples, func(i, j int) bool { return samples[i].Value.Uint64() > samples[j].Value.Uint64() })
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "%10d %s\n", s.Value.Uint64(), s.Name)
	}
	return b.String()
}
