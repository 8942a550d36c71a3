// Command vigil-agent collects this machine's metrics and streams them to a Vigil hub.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vigil-mon/vigil/internal/agent"
	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/agent/procs"
	"github.com/vigil-mon/vigil/internal/agent/services"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const help = `vigil-agent — collects this machine's metrics and streams them to a Vigil hub.

Usage: vigil-agent --hub URL --token TOKEN [options]

Each option can also be set in the environment (VIGIL_HUB, VIGIL_TOKEN, …, shown below) or in a
config file (--config FILE, lines of "key = value" using the option names, # for comments).
Precedence: flags, then environment, then config file, then defaults.

Options:
`

type option struct {
	name, env, def, usage string
}

// switches may be given alone ("--probes" means true). Older true/false options keep needing a
// value, so that "--spool-sync true" keeps working.
var switches = map[string]bool{"probes": true}

var options = []option{
	{"hub", "VIGIL_HUB", "", "hub URL(s), comma-separated; the agent fails over between them"},
	{"token", "VIGIL_TOKEN", "", "agent token (vgh_…) from 'Add server' or 'vigil host add'"},
	{"token-file", "VIGIL_TOKEN_FILE", "", "file holding the agent token (keeps it out of the process list); with --enroll-key, where the token it gets is saved"},
	{"enroll-key", "VIGIL_ENROLL_KEY", "", "enrollment key (vge_…): without a token, register this host once and save its own token"},
	{"name", "VIGIL_NAME", "", "host name to enroll as (default: the hostname)"},
	{"interval", "VIGIL_INTERVAL", "10s", "collection interval, 1s … 10m (1s while someone watches live)"},
	{"spool-dir", "VIGIL_SPOOL_DIR", "", "directory keeping snapshots until the hub acknowledges them (default /var/lib/vigil-agent, or ~/.local/state/vigil-agent when that is not writable; \"-\" = memory only)"},
	{"spool-max-bytes", "VIGIL_SPOOL_MAX_BYTES", "67108864", "spool size limit in bytes; the oldest snapshots are dropped beyond it"},
	{"spool-max-age", "VIGIL_SPOOL_MAX_AGE", "168h", "snapshots older than this are dropped from the spool"},
	{"spool-sync", "VIGIL_SPOOL_SYNC", "false", "fsync every spooled snapshot (survives power loss; costs a disk flush per snapshot)"},
	{"max-pending", "VIGIL_MAX_PENDING", "8640", "snapshots kept in memory without a spool (--spool-dir -) or while the spool fails; oldest dropped first"},
	{"listen", "VIGIL_LISTEN", "", "serve the agent's own counters at http://ADDR/metrics (e.g. 127.0.0.1:9101); off by default"},
	{"root", "VIGIL_ROOT", "/", "filesystem root to read /proc and /sys under (e.g. /host in a container)"},
	{"exclude-fs-types", "VIGIL_EXCLUDE_FS_TYPES", "", "comma-separated filesystem types to leave out, besides pseudo filesystems (e.g. nfs,cifs)"},
	{"exclude-mounts", "VIGIL_EXCLUDE_MOUNTS", "", "comma-separated glob patterns of mount points to leave out (e.g. /snap/*,/var/lib/docker/*)"},
	{"include-virtual-net", "VIGIL_INCLUDE_VIRTUAL_NET", "false", "also report interfaces without a device (lo, veth, bridges, bonds)"},
	{"procs", "VIGIL_PROCS", "true", "report top processes, process start/exit events and (while watched live) the whole process table"},
	{"proc-interval", "VIGIL_PROC_INTERVAL", "10s", "how often processes are walked, 1s … 10m (every second while watched live)"},
	{"proc-top", "VIGIL_PROC_TOP", "10", "processes reported by CPU and, separately, by memory (1 … 100)"},
	{"services", "VIGIL_SERVICES", "", "services to watch, comma-separated kind:name (systemd:nginx.service, process:postgres, tcp:127.0.0.1:5432, http:http://127.0.0.1:8080/health); a bare name is a systemd unit"},
	{"service-interval", "VIGIL_SERVICE_INTERVAL", "30s", "how often services and containers are checked, 1s … 10m"},
	{"system-bus", "VIGIL_SYSTEM_BUS", "unix:path=/run/dbus/system_bus_socket", "D-Bus address of the system bus, for systemd units"},
	{"docker-socket", "VIGIL_DOCKER_SOCKET", "/var/run/docker.sock", "Docker Engine API socket for containers (\"-\" = none); nothing is reported while it does not exist"},
	{"probes", "VIGIL_PROBES", "false", "run uptime checks the hub assigns to this agent (remote probes); off by default because a check can reach anything this machine can (see docs/security.md)"},
	{"ca-file", "VIGIL_CA_FILE", "", "PEM file of extra CA certificates to trust for the hub"},
	{"hub-fingerprint", "VIGIL_HUB_FINGERPRINT", "", "pin the hub's certificate: SHA-256 of its leaf certificate, hex"},
	{"memory-trim", "VIGIL_MEMORY_TRIM", "true", "keep resident memory small: return the free Go heap to the system every minute, and drop the unused pages of the agent's own binary from memory 10 s after start and every 10 min (Linux)"},
	{"log-level", "VIGIL_LOG_LEVEL", "info", "debug, info, warn or error"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vigil-agent:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	vals, err := resolve(args, os.LookupEnv, stderr)
	if err != nil || vals == nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(vals["log-level"])); err != nil {
		return fmt.Errorf("--log-level %q: %w", vals["log-level"], err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := configFrom(vals)
	if err != nil {
		return err
	}
	a, err := agent.New(cfg, log)
	if err != nil {
		return err
	}
	trimOn, err := boolean("memory-trim", vals)
	if err != nil {
		return err
	}
	if trimOn {
		go trimLoop(ctx, log.With("component", "trim"))
	}
	err = a.Run(ctx)
	log.Info("agent stopped")
	return err
}

// resolve applies the precedence flags > environment > config file > defaults. It returns nil
// values after printing --help or --version.
func resolve(args []string, env func(string) (string, bool), stderr io.Writer) (map[string]string, error) {
	fs := flag.NewFlagSet("vigil-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := map[string]*string{}
	for _, o := range options {
		usage := o.usage + " [" + o.env + "]"
		if o.def != "" {
			usage += " (default " + o.def + ")"
		}
		if switches[o.name] {
			v := &switchValue{}
			fs.Var(v, o.name, usage)
			flags[o.name] = &v.s
			continue
		}
		flags[o.name] = fs.String(o.name, "", usage)
	}
	configFile := fs.String("config", "", "config file of key = value lines [VIGIL_CONFIG]")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil
		}
		return nil, err
	}
	if *showVersion {
		fmt.Fprintln(stderr, "vigil-agent", version)
		return nil, nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	file := map[string]string{}
	if *configFile == "" {
		*configFile, _ = env("VIGIL_CONFIG")
	}
	if *configFile != "" {
		var err error
		if file, err = readConfig(*configFile); err != nil {
			return nil, err
		}
	}
	vals := map[string]string{}
	for _, o := range options {
		vals[o.name] = o.def
		if v, ok := file[o.name]; ok {
			vals[o.name] = v
		}
		if v, ok := env(o.env); ok && v != "" {
			vals[o.name] = v
		}
		if set[o.name] {
			vals[o.name] = *flags[o.name]
		}
		delete(file, o.name)
	}
	for k := range file {
		return nil, fmt.Errorf("config file %s: unknown option %q", *configFile, k)
	}
	return vals, nil
}

func readConfig(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config file: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want key = value", path, n)
		}
		out[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return out, sc.Err()
}

func configFrom(vals map[string]string) (agent.Config, error) {
	cfg := agent.Config{Root: vals["root"], CAFile: vals["ca-file"], Fingerprint: vals["hub-fingerprint"], SpoolDir: vals["spool-dir"], Version: version}
	switch cfg.SpoolDir {
	case "":
		cfg.SpoolDir = defaultSpoolDir()
	case "-":
		cfg.SpoolDir = ""
	}
	if _, err := fmt.Sscan(vals["spool-max-bytes"], &cfg.SpoolMaxBytes); err != nil || cfg.SpoolMaxBytes < 1<<20 {
		return cfg, fmt.Errorf("--spool-max-bytes %q: want a number of bytes, at least 1048576", vals["spool-max-bytes"])
	}
	age, err := time.ParseDuration(vals["spool-max-age"])
	if err != nil || age < time.Minute {
		return cfg, fmt.Errorf("--spool-max-age %q: want a duration of at least 1m", vals["spool-max-age"])
	}
	cfg.SpoolMaxAge = age
	for _, h := range strings.Split(vals["hub"], ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.Hubs = append(cfg.Hubs, h)
		}
	}
	cfg.Collect = collect.Config{Root: cfg.Root, ExcludeFSTypes: list(vals["exclude-fs-types"]), ExcludeMounts: list(vals["exclude-mounts"])}
	if cfg.Collect.IncludeVirtualNet, err = boolean("include-virtual-net", vals); err != nil {
		return cfg, err
	}
	if cfg.SpoolSync, err = boolean("spool-sync", vals); err != nil {
		return cfg, err
	}
	if cfg.Probes, err = boolean("probes", vals); err != nil {
		return cfg, err
	}
	cfg.Listen = vals["listen"]
	cfg.Token, cfg.EnrollKey, cfg.Name = vals["token"], vals["enroll-key"], vals["name"]
	if p := vals["token-file"]; p != "" && cfg.Token == "" {
		b, err := os.ReadFile(p)
		switch {
		case err == nil:
			cfg.Token = strings.TrimSpace(string(b))
		case cfg.EnrollKey != "" && errors.Is(err, os.ErrNotExist):
			cfg.TokenFile = p // enrollment will create it
		default:
			return cfg, fmt.Errorf("read token file: %w", err)
		}
	}
	d, err := time.ParseDuration(vals["interval"])
	if err != nil {
		return cfg, fmt.Errorf("--interval %q: %w", vals["interval"], err)
	}
	cfg.Interval = d
	if _, err := fmt.Sscan(vals["max-pending"], &cfg.MaxPending); err != nil {
		return cfg, fmt.Errorf("--max-pending %q: want a number", vals["max-pending"])
	}
	if err := procConfig(&cfg, vals); err != nil {
		return cfg, err
	}
	if err := serviceConfig(&cfg, vals); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// serviceConfig sets up the service and container checks from --services, --service-interval,
// --system-bus and --docker-socket.
func serviceConfig(cfg *agent.Config, vals map[string]string) error {
	specs, err := services.ParseSpecs(vals["services"])
	if err != nil {
		return fmt.Errorf("--services: %w", err)
	}
	iv, err := time.ParseDuration(vals["service-interval"])
	if err != nil || iv < agent.MinInterval || iv > agent.MaxInterval {
		return fmt.Errorf("--service-interval %q: want a duration from 1s to 10m", vals["service-interval"])
	}
	sock := vals["docker-socket"]
	if sock == "-" {
		sock = ""
	}
	if len(specs) == 0 && sock == "" {
		return nil
	}
	root := cfg.Root
	if sock != "" && root != "" && root != "/" {
		sock = filepath.Join(root, sock) // the host's socket, as mounted in the agent's container
	}
	cfg.ServiceInterval = iv
	cfg.Services = services.New(services.Config{Specs: specs, Root: root, SystemBus: vals["system-bus"], DockerSocket: sock})
	return nil
}

// procConfig sets up the process walker from --procs, --proc-interval and --proc-top.
func procConfig(cfg *agent.Config, vals map[string]string) error {
	on, err := boolean("procs", vals)
	if err != nil || !on {
		return err
	}
	iv, err := time.ParseDuration(vals["proc-interval"])
	if err != nil || iv < agent.MinInterval || iv > agent.MaxInterval {
		return fmt.Errorf("--proc-interval %q: want a duration from 1s to 10m", vals["proc-interval"])
	}
	var top int
	if _, err := fmt.Sscan(vals["proc-top"], &top); err != nil || top < 1 || top > 100 {
		return fmt.Errorf("--proc-top %q: want a number from 1 to 100", vals["proc-top"])
	}
	cfg.ProcInterval = iv
	cfg.Procs = procs.New(procs.Config{Root: cfg.Root, Top: top})
	return nil
}

func boolean(name string, vals map[string]string) (bool, error) {
	switch vals[name] {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("--%s %q: want true or false", name, vals[name])
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// defaultSpoolDir prefers the system location the systemd unit grants; an agent run by hand as an
// ordinary user falls back to its own state directory.
func defaultSpoolDir() string {
	if dir := os.Getenv("STATE_DIRECTORY"); dir != "" { // set by systemd's StateDirectory=
		return dir
	}
	const system = "/var/lib/vigil-agent"
	if err := os.MkdirAll(system, 0o700); err == nil {
		if f, err := os.CreateTemp(system, ".probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return system
		}
	}
	if state := os.Getenv("XDG_STATE_HOME"); state != "" {
		return state + "/vigil-agent"
	}
	home, _ := os.UserHomeDir()
	return home + "/.local/state/vigil-agent"
}

// switchValue is a flag that may be given alone ("--probes") or with a value ("--probes=false").
type switchValue struct{ s string }

func (v *switchValue) String() string     { return v.s }
func (v *switchValue) Set(s string) error { v.s = s; return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }
