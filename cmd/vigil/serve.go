package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/vigil-mon/vigil/internal/hub"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := hub.Config{Version: version}
	fs.StringVar(&cfg.DataDir, "data", envOr("VIGIL_DATA", "./data"), "data directory (SQLite database, local agent spool) [VIGIL_DATA]")
	fs.StringVar(&cfg.Listen, "listen", envOr("VIGIL_LISTEN", "127.0.0.1:8080"), "address to serve HTTP(S) on [VIGIL_LISTEN]")
	fs.StringVar(&cfg.PublicURL, "public-url", os.Getenv("VIGIL_PUBLIC_URL"), "URL agents and browsers use to reach the hub (default derived from --listen) [VIGIL_PUBLIC_URL]")
	fs.StringVar(&cfg.TLSCert, "tls-cert", os.Getenv("VIGIL_TLS_CERT"), "TLS certificate file; serve HTTPS when set with --tls-key [VIGIL_TLS_CERT]")
	fs.StringVar(&cfg.TLSKey, "tls-key", os.Getenv("VIGIL_TLS_KEY"), "TLS key file [VIGIL_TLS_KEY]")
	fs.BoolVar(&cfg.LocalAgent, "local-agent", envOr("VIGIL_LOCAL_AGENT", "") == "true", "also monitor this machine with an agent inside the hub process [VIGIL_LOCAL_AGENT=true]")
	fs.DurationVar(&cfg.RawRetention, "retention-raw", 14*24*time.Hour, "how long raw samples are kept")
	fs.DurationVar(&cfg.MinuteRetention, "retention-1m", 90*24*time.Hour, "how long 1-minute rollups are kept")
	fs.DurationVar(&cfg.HourRetention, "retention-1h", 2*365*24*time.Hour, "how long 1-hour rollups are kept")
	fs.DurationVar(&cfg.AlertTick, "alert-tick", 5*time.Second, "how often alerting checks for hosts down, repeats and escalations")
	fs.DurationVar(&cfg.AlertGroupWait, "alert-group-wait", 30*time.Second, "how long a notification waits for others to share its message (0s sends at once)")
	fs.StringVar(&cfg.AlertSummary, "alert-summary", os.Getenv("VIGIL_ALERT_SUMMARY"), "local time HH:MM of a daily alert summary to the default route; empty = none [VIGIL_ALERT_SUMMARY]")
	level := fs.String("log-level", envOr("VIGIL_LOG_LEVEL", "info"), "debug, info, warn or error [VIGIL_LOG_LEVEL]")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if cfg.AlertSummary != "" {
		if _, err := time.Parse("15:04", cfg.AlertSummary); err != nil {
			return fmt.Errorf("--alert-summary %q: want a time of day as HH:MM", cfg.AlertSummary)
		}
	}
	if cfg.AlertTick < 100*time.Millisecond || cfg.AlertGroupWait < 0 {
		return fmt.Errorf("--alert-tick must be at least 100ms and --alert-group-wait not negative")
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level %q: %w", *level, err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg.Stdout = stdout
	return hub.Run(ctx, cfg)
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
