package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-mon/vigil/internal/hub"
)

// runDemo starts a hub with this machine and simulated servers, and a read-only login, so that
// anyone can try everything in a minute. Its data lives in a temporary directory unless --data
// is given.
func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hosts := fs.Int("hosts", 12, "simulated servers besides this machine (1–2000)")
	data := fs.String("data", "", "data directory (default: a new temporary directory)")
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	interval := fs.Duration("interval", 10*time.Second, "how often each simulated server reports (1s–10m)")
	history := fs.Duration("history", 24*time.Hour, "history to backfill, e.g. 720h for 30 days (0–90 days; 0 = none)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *hosts < 1 || *hosts > 2000 {
		return fmt.Errorf("--hosts %d: want 1 to 2000", *hosts)
	}
	if *interval < time.Second || *interval > 10*time.Minute {
		return fmt.Errorf("--interval %s: want 1s to 10m", *interval)
	}
	if *history < 0 || *history > 90*24*time.Hour {
		return fmt.Errorf("--history %s: want 0 to 2160h (90 days)", *history)
	}
	if *history == 0 {
		*history = -1 // DemoConfig: zero means the default, negative means none
	}
	if *data == "" {
		dir, err := os.MkdirTemp("", "vigil-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*data = filepath.Join(dir, "data")
	}
	return hub.Run(ctx, hub.Config{
		DataDir: *data, Listen: *listen, LocalAgent: true, Version: version,
		RawRetention: 14 * 24 * time.Hour, MinuteRetention: 90 * 24 * time.Hour, HourRetention: 2 * 365 * 24 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Stdout: stdout,
		Demo: &hub.DemoConfig{Hosts: *hosts, Interval: *interval, History: *history},
	})
}
