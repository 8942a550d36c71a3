// Package collect reads a host's metrics from /proc and /sys under a configurable root, so that
// tests can point it at fixture trees. Rates (CPU %, bytes/s) are computed here from kernel
// counters between two calls: what leaves the agent is what a person reads.
//
// The agent may collect every second while someone watches a host, and its whole budget is
// 0.25 % of one core and 8 MB, so one Collect is written to cost tens of microseconds: files
// are read into one reused buffer and parsed in place, labels (cores, devices, interfaces,
// mounts) are turned into strings once and kept, and facts that never change are read once.
//
// The parsers are portable (they read bytes); which subsystems run is decided per OS by file
// suffix: collect_linux.go reads them all, collect_other.go reports nothing.
package collect

import (
	"path/filepath"
	"time"
)

// Sample is one value as a person reads it (rates already computed).
type Sample struct {
	Name, Label string
	Value       float64
}

// Metric describes one metric name: its unit and the decimal digits kept on the wire.
type Metric struct {
	Name, Unit string
	Scale      int
	Help       string
}

// Config says where to read and what to leave out.
type Config struct {
	// Root is the filesystem root; /proc and /sys are read under it. "" means "/".
	Root string
	// ExcludeFSTypes are filesystem types left out besides the pseudo filesystems that are
	// always left out (see pseudoFS in fs.go and docs/metrics.md).
	ExcludeFSTypes []string
	// ExcludeMounts are filepath.Match patterns of mount points to leave out.
	ExcludeMounts []string
	// IncludeVirtualNet also reports interfaces without a device behind them (lo, veth,
	// bridges, bond masters, tunnels), which are otherwise left out because their traffic
	// is already counted on a physical interface.
	IncludeVirtualNet bool
	// Statfs measures a mounted filesystem, given its mount point as the host sees it; nil
	// uses the statfs system call on Root+mountpoint. Tests inject one reading a fixture.
	Statfs func(path string) (StatfsResult, error)
}

// StatfsResult is a filesystem's size in bytes and inodes.
type StatfsResult struct{ Total, Free, Avail, Files, FilesFree uint64 }

// Collector keeps the previous counters to compute rates, and caches labels and facts. It is
// not safe for concurrent use: the agent's scheduler is its only caller.
type Collector struct {
	cfg   Config
	paths paths
	facts *Facts

	// buf holds the file read last; every parser's input points into it, so a parse must be
	// finished before the next read. dirbuf is the same for directory entries.
	buf    []byte
	dirbuf []byte

	gen      uint64 // collection number; state not seen in this one is dropped
	prevTime time.Time
	lastLen  int // samples in the previous collection, to size the next slice once

	cpu     cpuState
	disks   map[string]*diskState
	nets    map[string]*netState
	mounts  mountState
	sensors sensorState
}

// paths are the files read on every collection, joined once.
type paths struct {
	stat, loadavg, meminfo, mounts, diskstats, netdev, uptime, proc, sysBlock, sysNet, hwmon string
}

// New returns a Collector reading under cfg.Root.
func New(cfg Config) *Collector {
	if cfg.Root == "" {
		cfg.Root = "/"
	}
	if cfg.Statfs == nil {
		root := cfg.Root
		cfg.Statfs = func(p string) (StatfsResult, error) {
			if root != "/" {
				p = filepath.Join(root, p)
			}
			return statfs(p)
		}
	}
	j := func(p ...string) string { return filepath.Join(append([]string{cfg.Root}, p...)...) }
	return &Collector{
		cfg: cfg,
		paths: paths{
			stat:      j("proc", "stat"),
			loadavg:   j("proc", "loadavg"),
			meminfo:   j("proc", "meminfo"),
			mounts:    j("proc", "self", "mounts"),
			diskstats: j("proc", "diskstats"),
			netdev:    j("proc", "net", "dev"),
			uptime:    j("proc", "uptime"),
			proc:      j("proc"),
			sysBlock:  j("sys", "block"),
			sysNet:    j("sys", "class", "net"),
			hwmon:     j("sys", "class", "hwmon"),
		},
		buf:    make([]byte, 0, 16<<10),
		disks:  map[string]*diskState{},
		nets:   map[string]*netState{},
		mounts: mountState{byPoint: map[string]*mountEntry{}, byDevice: map[string]*uint64{}},
	}
}

// Collect reads every subsystem and returns its samples, which the caller owns. A failing
// subsystem adds to the returned error (errors.Join) while the others still report. Rates are
// over now minus the previous call's now; the first call reports no rates.
func (c *Collector) Collect(now time.Time) ([]Sample, error) {
	out := make([]Sample, 0, max(c.lastLen, 64))
	dt := 0.0
	if !c.prevTime.IsZero() {
		dt = now.Sub(c.prevTime).Seconds()
	}
	if dt < 0 { // the wall clock went back: no rate is better than a wrong one
		dt = 0
	}
	c.gen++
	out, err := c.collectOS(out, now, dt)
	c.prevTime = now
	c.lastLen = len(out)
	return out, err
}

// pct is part as a percentage of total, 0 when total is not positive.
func pct(part, total float64) float64 {
	if total <= 0 {
		return 0
	}
	return 100 * part / total
}

// ratio is a/b, 0 when b is not positive.
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// delta is cur-prev for a kernel counter. A counter that went backwards (a 32-bit wrap, a
// device reset, or iowait, which proc(5) says may decrease) counts as no activity.
func delta(cur, prev uint64) float64 {
	if cur < prev {
		return 0
	}
	return float64(cur - prev)
}
