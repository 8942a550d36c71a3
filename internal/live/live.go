// Package live fans the newest snapshot of every host out to browsers, keeps the fleet's latest
// values in memory for the overview, and counts viewers per host so that an agent collects every
// second exactly while someone watches it.
package live

import (
	"context"
	"log/slog"
	"math"
	"sync"

	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// Summary is the handful of values the fleet overview shows per host. Nil means unknown.
type Summary struct {
	Time     int64    `json:"time"`
	CPUPct   *float64 `json:"cpu_pct"`
	MemPct   *float64 `json:"mem_pct"`
	DiskPct  *float64 `json:"disk_pct"`
	NetRxBps *float64 `json:"net_rx_bps"`
	NetTxBps *float64 `json:"net_tx_bps"`
	Load1    *float64 `json:"load1"`
	UptimeS  *float64 `json:"uptime_s"`
}

// Commander switches an agent's live mode; the ingest handler implements it.
type Commander interface{ SetLive(hostID int64, on bool) }

// Config holds the hub's dependencies.
type Config struct {
	Logger *slog.Logger
	// HostOrg returns the organization owning a host, to check watch requests against the
	// viewer's organization.
	HostOrg func(ctx context.Context, hostID int64) (int64, error)
	// Principal returns the organization of the signed-in browser making a request.
	Principal func(ctx context.Context) (orgID int64, ok bool)
}

type hostState struct {
	org     int64
	online  bool
	summary Summary
	have    bool
	viewers int
}

// Hub is the live fan-out. It implements the ingest package's Observer.
type Hub struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	hosts     map[int64]*hostState
	clients   map[*client]struct{}
	commander Commander
}

// New builds an empty Hub.
func New(cfg Config) *Hub {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{cfg: cfg, log: cfg.Logger.With("component", "live"), hosts: map[int64]*hostState{}, clients: map[*client]struct{}{}}
}

// SetCommander connects the hub to the agents. It is a setter rather than a Config field because
// ingest and live refer to each other; the composition root calls it once before serving.
func (h *Hub) SetCommander(c Commander) {
	h.mu.Lock()
	h.commander = c
	h.mu.Unlock()
}

func (h *Hub) state(hostID, orgID int64) *hostState {
	s := h.hosts[hostID]
	if s == nil {
		s = &hostState{org: orgID}
		h.hosts[hostID] = s
	}
	s.org = orgID
	return s
}

// HostOnline records an agent connecting or disconnecting and tells browsers.
func (h *Hub) HostOnline(hostID, orgID int64, online bool) {
	h.mu.Lock()
	h.state(hostID, orgID).online = online
	msg := encode(hostMessage{Type: "host", HostID: hostID, Online: online})
	h.broadcast(orgID, hostID, msg, nil)
	h.mu.Unlock()
}

// HostAlerts tells browsers of the organization that a host's firing alerts changed, so the
// overview's and host page's alert badges follow without a reload. Alerting calls it (through
// the hub) only on a change; a browser that reconnects reloads the list anyway.
func (h *Hub) HostAlerts(hostID, orgID int64, firing int, severity string) {
	msg := encode(alertsMessage{Type: "alerts", HostID: hostID, Firing: firing, Severity: severity})
	h.mu.Lock()
	h.broadcast(orgID, hostID, msg, nil)
	h.mu.Unlock()
}

// HostSnapshot updates the host's summary and sends it to browsers of its organization, with
// every value to those watching the host.
func (h *Hub) HostSnapshot(hostID, orgID int64, timeMs int64, keys []series.Key, values []wire.Value) {
	sum := Summarize(timeMs, keys, values)
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state(hostID, orgID)
	st.summary, st.have = sum, true
	brief := encode(snapshotMessage{Type: "snapshot", HostID: hostID, Time: timeMs, Latest: sum})
	var full []byte
	if st.viewers > 0 {
		vals := make([]namedValue, 0, len(values))
		for _, v := range values {
			if math.IsNaN(v.V) || math.IsInf(v.V, 0) {
				continue // JSON has no NaN; a gap is what the chart would show anyway
			}
			k := keys[v.ID]
			vals = append(vals, namedValue{Name: k.Name, Label: k.Label, Value: v.V})
		}
		full = encode(snapshotMessage{Type: "snapshot", HostID: hostID, Time: timeMs, Latest: sum, Values: vals})
	}
	h.broadcast(orgID, hostID, brief, full)
}

// Watched reports whether any browser watches the host live.
func (h *Hub) Watched(hostID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.hosts[hostID]
	return s != nil && s.viewers > 0
}

// Latest returns the host's newest summary received since the hub started.
func (h *Hub) Latest(hostID int64) (Summary, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.hosts[hostID]
	if s == nil || !s.have {
		return Summary{}, false
	}
	return s.summary, true
}

// Online reports whether the host's agent is connected.
func (h *Hub) Online(hostID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.hosts[hostID]
	return s != nil && s.online
}

// Summarize picks the overview's values out of a snapshot: total CPU, memory, the fullest
// filesystem, traffic summed over interfaces, load and uptime.
func Summarize(timeMs int64, keys []series.Key, values []wire.Value) Summary {
	s := Summary{Time: timeMs}
	set := func(p **float64, v float64) { x := v; *p = &x }
	add := func(p **float64, v float64) {
		if *p == nil {
			set(p, v)
		} else {
			**p += v
		}
	}
	for _, v := range values {
		if math.IsNaN(v.V) || math.IsInf(v.V, 0) {
			continue
		}
		k := keys[v.ID]
		switch {
		case k.Name == "cpu.used_pct" && k.Label == "":
			set(&s.CPUPct, v.V)
		case k.Name == "mem.used_pct":
			set(&s.MemPct, v.V)
		case k.Name == "fs.used_pct":
			if s.DiskPct == nil || v.V > *s.DiskPct {
				set(&s.DiskPct, v.V)
			}
		case k.Name == "net.rx_bps":
			add(&s.NetRxBps, v.V)
		case k.Name == "net.tx_bps":
			add(&s.NetTxBps, v.V)
		case k.Name == "load.1":
			set(&s.Load1, v.V)
		case k.Name == "system.uptime_s":
			set(&s.UptimeS, v.V)
		}
	}
	return s
}
