// Package services judges the state of the services an operator asked the agent to watch —
// systemd units (over D-Bus), processes by name, TCP ports and HTTP URLs — and reads Docker
// containers through the Engine API on its Unix socket. Each service is reported as healthy,
// degraded, down or unknown, always with the reason, so the hub can show and alert on it
// without knowing how it was checked.
package services

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// Service kinds, as they appear in --services specs and on the wire.
const (
	KindSystemd = "systemd"
	KindProcess = "process"
	KindTCP     = "tcp"
	KindHTTP    = "http"
)

// Spec is one watched service.
type Spec struct{ Kind, Name string }

// ParseSpecs reads a --services value: comma-separated kind:name items, such as
// "systemd:nginx.service,process:postgres,tcp:127.0.0.1:5432,http:http://127.0.0.1:8080/health".
// A name without a kind is a systemd unit (".service" is added when it has no unit suffix).
func ParseSpecs(s string) ([]Spec, error) {
	var out []Spec
	seen := map[Spec]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, name, ok := strings.Cut(item, ":")
		if !ok || !validKind(kind) {
			kind, name = KindSystemd, item
		}
		if name == "" || len(name) > wire.MaxStringBytes {
			return nil, fmt.Errorf("service %q: want kind:name with a name of 1 to %d bytes", item, wire.MaxStringBytes)
		}
		switch kind {
		case KindSystemd:
			if !strings.Contains(name, ".") {
				name += ".service"
			}
		case KindHTTP:
			if !strings.HasPrefix(name, "http://") && !strings.HasPrefix(name, "https://") {
				return nil, fmt.Errorf("service %q: an http service needs a URL starting with http:// or https://", item)
			}
		case KindTCP:
			if !strings.Contains(name, ":") {
				return nil, fmt.Errorf("service %q: a tcp service needs host:port", item)
			}
		}
		sp := Spec{kind, name}
		if !seen[sp] {
			seen[sp] = true
			out = append(out, sp)
		}
	}
	if len(out) > wire.MaxServices {
		return nil, fmt.Errorf("%d services, at most %d", len(out), wire.MaxServices)
	}
	return out, nil
}

func validKind(k string) bool {
	return k == KindSystemd || k == KindProcess || k == KindTCP || k == KindHTTP
}

// Config says what to watch and where.
type Config struct {
	Specs []Spec
	// Root is the filesystem root under which /proc is read for process services.
	Root string
	// SystemBus is the D-Bus address of the system bus; "" means the standard
	// unix:path=/run/dbus/system_bus_socket.
	SystemBus string
	// DockerSocket is the Docker Engine API socket; "" means no containers are read.
	DockerSocket string
	// Timeout bounds each TCP or HTTP check and each D-Bus or Docker call (default 5 s).
	Timeout time.Duration
	// SlowAfter marks a TCP or HTTP check that answered but took longer as degraded
	// (default 2 s).
	SlowAfter time.Duration
	Logger    *slog.Logger
}

// Checker runs the checks. Check is called from one goroutine at a time.
type Checker struct {
	cfg     Config
	log     *slog.Logger
	http    *http.Client
	systemd *systemd
	docker  *docker
	errAt   map[string]time.Time // last logged failure per source, to throttle logs
}

// New builds a Checker; nothing is connected until the first Check.
func New(cfg Config) *Checker {
	if cfg.Root == "" {
		cfg.Root = "/"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.SlowAfter <= 0 {
		cfg.SlowAfter = 2 * time.Second
	}
	if cfg.SystemBus == "" {
		cfg.SystemBus = "unix:path=/run/dbus/system_bus_socket"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Checker{cfg: cfg, log: cfg.Logger.With("component", "services"), errAt: map[string]time.Time{},
		http: &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	for _, s := range cfg.Specs {
		if s.Kind == KindSystemd {
			c.systemd = &systemd{address: cfg.SystemBus, timeout: cfg.Timeout}
			break
		}
	}
	if cfg.DockerSocket != "" {
		c.docker = newDocker(cfg.DockerSocket, cfg.Timeout)
	}
	return c
}

// Check judges every service and reads the containers.
func (c *Checker) Check(ctx context.Context, now time.Time) wire.Services {
	out := wire.Services{TimeMs: now.UnixMilli(), Services: make([]wire.Service, len(c.cfg.Specs))}
	var procNames map[string]int
	var wg sync.WaitGroup
	for i, s := range c.cfg.Specs {
		out.Services[i] = wire.Service{Kind: s.Kind, Name: s.Name}
		switch s.Kind {
		case KindTCP, KindHTTP: // network checks wait on the network: run them side by side
			wg.Go(func() { out.Services[i].State, out.Services[i].Reason = c.network(ctx, s) })
		case KindProcess:
			if procNames == nil {
				var err error
				if procNames, err = processNames(filepath.Join(c.cfg.Root, "proc")); err != nil {
					c.logErr(now, "proc", "reading process names failed", err)
				}
			}
			if procNames == nil {
				out.Services[i].Reason = "cannot read processes"
				continue
			}
			out.Services[i].State, out.Services[i].Reason = processState(procNames, s.Name)
		}
	}
	if c.systemd != nil {
		var units []string
		for _, s := range c.cfg.Specs {
			if s.Kind == KindSystemd {
				units = append(units, s.Name)
			}
		}
		states, err := c.systemd.states(ctx, units)
		if err != nil {
			c.logErr(now, "systemd", "asking systemd over D-Bus failed", err)
		}
		for i, s := range c.cfg.Specs {
			if s.Kind != KindSystemd {
				continue
			}
			if st, ok := states[s.Name]; ok {
				out.Services[i].State, out.Services[i].Reason = st.judge()
			} else {
				out.Services[i].Reason = "systemd not reachable over D-Bus"
			}
		}
	}
	if c.docker != nil {
		cs, err := c.docker.containers(ctx, now)
		if err != nil && !errors.Is(err, errNoDocker) {
			c.logErr(now, "docker", "reading Docker containers failed", err)
		}
		out.Containers = cs
	}
	wg.Wait()
	for i := range out.Services {
		out.Services[i].Reason = cut(out.Services[i].Reason, wire.MaxStringBytes)
	}
	return out
}

// logErr logs a failure of one source at most every 10 minutes.
func (c *Checker) logErr(now time.Time, source, msg string, err error) {
	if now.Sub(c.errAt[source]) < 10*time.Minute {
		return
	}
	c.errAt[source] = now
	c.log.Warn(msg, "err", err)
}

// cut shortens s to at most max bytes without splitting a UTF-8 sequence.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i]
}
