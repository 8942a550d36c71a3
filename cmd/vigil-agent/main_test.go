package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrecedence checks flags > environment > config file > defaults, as --help promises.
func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "agent.conf")
	os.WriteFile(file, []byte("# comment\nhub = http://from-file\ninterval = 30s\ntoken = \"vgh_file\"\nexclude-mounts = /snap/*\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string
	}{
		{"defaults", nil, nil, map[string]string{"interval": "10s", "hub": "", "log-level": "info"}},
		{"file", []string{"--config", file}, nil, map[string]string{"hub": "http://from-file", "interval": "30s", "token": "vgh_file"}},
		{"env beats file", []string{"--config", file}, map[string]string{"VIGIL_HUB": "http://from-env"}, map[string]string{"hub": "http://from-env", "interval": "30s"}},
		{"flag beats env", []string{"--config", file, "--hub", "http://from-flag"}, map[string]string{"VIGIL_HUB": "http://from-env"}, map[string]string{"hub": "http://from-flag"}},
		{"config from env", nil, map[string]string{"VIGIL_CONFIG": file}, map[string]string{"interval": "30s"}},
		{"probes off by default", nil, nil, map[string]string{"probes": "false"}},
		{"probes as a bare switch", []string{"--probes"}, nil, map[string]string{"probes": "true"}},
		{"probes switched off", []string{"--probes=false"}, map[string]string{"VIGIL_PROBES": "true"}, map[string]string{"probes": "false"}},
		{"probes from env", nil, map[string]string{"VIGIL_PROBES": "true"}, map[string]string{"probes": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			vals, err := resolve(tt.args, env, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if vals[k] != want {
					t.Errorf("%s: got %q, want %q", k, vals[k], want)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("colour = blue\n"), 0o600)
	noEq := filepath.Join(dir, "noeq.conf")
	os.WriteFile(noEq, []byte("hub http://x\n"), 0o600)
	none := func(string) (string, bool) { return "", false }
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown option in file", []string{"--config", bad}, "unknown option"},
		{"line without =", []string{"--config", noEq}, "key = value"},
		{"unknown flag", []string{"--colour", "blue"}, "not defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolve(tt.args, none, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	vals, _ := resolve([]string{"--interval", "soon", "--hub", "h", "--token", "t"}, none, io.Discard)
	if _, err := configFrom(vals); err == nil {
		t.Error("bad interval: got nil error, want one")
	}
	vals, _ = resolve([]string{"--hub", "a, b", "--token", "t", "--spool-dir", "-", "--exclude-fs-types", "nfs, cifs"}, none, io.Discard)
	cfg, err := configFrom(vals)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Hubs) != 2 || cfg.SpoolDir != "" || cfg.Interval != 10*time.Second || len(cfg.Collect.ExcludeFSTypes) != 2 {
		t.Errorf("got %+v, want two hubs, no spool, 10s, two excluded types", cfg)
	}
	if cfg.Procs == nil || cfg.ProcInterval != 10*time.Second {
		t.Errorf("processes: got walker %v every %s, want one every 10s by default", cfg.Procs, cfg.ProcInterval)
	}
	for _, args := range [][]string{{"--proc-interval", "100ms"}, {"--proc-top", "0"}, {"--proc-top", "x"}, {"--procs", "maybe"},
		{"--services", "tcp:nope"}, {"--service-interval", "1h"}} {
		vals, _ := resolve(append([]string{"--hub", "h", "--token", "t"}, args...), none, io.Discard)
		if _, err := configFrom(vals); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: got %v, want an error naming %s", args, err, args[0])
		}
	}
	vals, _ = resolve([]string{"--hub", "h", "--token", "t", "--services", "nginx,tcp:127.0.0.1:22", "--docker-socket", "-"}, none, io.Discard)
	if cfg, err := configFrom(vals); err != nil || cfg.Services == nil || cfg.ServiceInterval != 30*time.Second {
		t.Errorf("--services: got checker %v every %s, err %v; want one every 30s", cfg.Services, cfg.ServiceInterval, err)
	}
	vals, _ = resolve([]string{"--hub", "h", "--token", "t", "--docker-socket", "-"}, none, io.Discard)
	if cfg, err := configFrom(vals); err != nil || cfg.Services != nil {
		t.Errorf("no services and no Docker: got checker %v, err %v; want none", cfg.Services, err)
	}
	vals, _ = resolve([]string{"--hub", "h", "--token", "t", "--procs", "false"}, none, io.Discard)
	if cfg, err := configFrom(vals); err != nil || cfg.Procs != nil {
		t.Errorf("--procs false: got walker %v, err %v; want none", cfg.Procs, err)
	}
}
