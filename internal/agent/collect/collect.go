// Package collect reads a host's metrics from /proc and /sys under a configurable root, so that
// tests can point it at fixture trees. Rates (CPU %, bytes/s) are computed here from kernel
// counters between two calls: what leaves the agent is what a person reads.
package collect

import (
	"errors"
	"os"
	"path/filepath"
	"time"
)

// Sample is one value as a person reads it.
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
	// ExcludeFSTypes are filesystem types left out besides the pseudo filesystems.
	ExcludeFSTypes []string
	// ExcludeMounts are glob patterns of mount points to leave out.
	ExcludeMounts []string
	// IncludeVirtualNet keeps interfaces without a device (lo, veth, bridges), which otherwise
	// are left out so traffic is not counted twice.
	IncludeVirtualNet bool
	// Statfs measures a mounted filesystem; nil uses the statfs system call on Root+mount.
	Statfs func(path string) (StatfsResult, error)
}

// StatfsResult is a filesystem's size in bytes and inodes.
type StatfsResult struct{ Total, Free, Avail, Files, FilesFree uint64 }

// Collector keeps the previous counters to compute rates. It is not safe for concurrent use.
type Collector struct {
	cfg   Config
	facts *Facts

	prevTime time.Time
	prevCPU  map[string]cpuTimes
	prevDisk map[string]diskCounters
	prevNet  map[string]netCounters
}

// New returns a Collector.
func New(cfg Config) *Collector {
	if cfg.Root == "" {
		cfg.Root = "/"
	}
	if cfg.Statfs == nil {
		root := cfg.Root
		cfg.Statfs = func(p string) (StatfsResult, error) { return statfs(filepath.Join(root, p)) }
	}
	return &Collector{cfg: cfg}
}

func (c *Collector) path(p ...string) string {
	return filepath.Join(append([]string{c.cfg.Root}, p...)...)
}

func (c *Collector) read(p ...string) ([]byte, error) { return os.ReadFile(c.path(p...)) }

// Collect reads every subsystem. A failing subsystem adds to the returned error while the others
// still report.
func (c *Collector) Collect(now time.Time) ([]Sample, error) {
	out := make([]Sample, 0, 160)
	var errs []error
	dt := now.Sub(c.prevTime).Seconds()
	if c.prevTime.IsZero() || dt <= 0 {
		dt = 0
	}
	for _, step := range []func([]Sample, float64) ([]Sample, error){c.cpu, c.load, c.memory, c.filesystems, c.disks, c.network, c.temperatures, c.system} {
		var err error
		out, err = step(out, dt)
		if err != nil {
			errs = append(errs, err)
		}
	}
	c.prevTime = now
	return out, errors.Join(errs...)
}

func pct(part, total float64) float64 {
	if total <= 0 {
		return 0
	}
	return 100 * part / total
}

// Catalog lists every metric the agent can send; docs/metrics.md is its human form.
func Catalog() []Metric {
	m := []Metric{
		{"cpu.used_pct", "%", 2, "CPU busy time (100 - idle - iowait), total or per core"},
	}
	for _, mode := range cpuModes {
		m = append(m, Metric{"cpu." + mode + "_pct", "%", 2, "CPU time in " + mode})
	}
	m = append(m,
		Metric{"load.1", "", 2, "load average over 1 minute"},
		Metric{"load.5", "", 2, "load average over 5 minutes"},
		Metric{"load.15", "", 2, "load average over 15 minutes"},
		Metric{"mem.total_bytes", "B", 0, "physical memory"},
		Metric{"mem.used_bytes", "B", 0, "used memory (total - available)"},
		Metric{"mem.available_bytes", "B", 0, "memory available to new programs"},
		Metric{"mem.cached_bytes", "B", 0, "page cache"},
		Metric{"mem.buffers_bytes", "B", 0, "buffers"},
		Metric{"mem.free_bytes", "B", 0, "unused memory"},
		Metric{"mem.used_pct", "%", 2, "used / total"},
		Metric{"swap.total_bytes", "B", 0, "swap size"},
		Metric{"swap.used_bytes", "B", 0, "swap in use"},
		Metric{"swap.used_pct", "%", 2, "swap used / total"},
		Metric{"fs.total_bytes", "B", 0, "filesystem size"},
		Metric{"fs.used_bytes", "B", 0, "filesystem bytes used"},
		Metric{"fs.avail_bytes", "B", 0, "bytes available to unprivileged users"},
		Metric{"fs.used_pct", "%", 2, "used / (used + avail), as df shows it"},
		Metric{"fs.inodes_total", "", 0, "inodes"},
		Metric{"fs.inodes_used", "", 0, "inodes used"},
		Metric{"fs.inodes_used_pct", "%", 2, "inodes used / total"},
		Metric{"disk.read_bps", "B/s", 0, "bytes read per second"},
		Metric{"disk.write_bps", "B/s", 0, "bytes written per second"},
		Metric{"disk.reads_ps", "1/s", 2, "read operations per second"},
		Metric{"disk.writes_ps", "1/s", 2, "write operations per second"},
		Metric{"disk.read_await_ms", "ms", 2, "mean time per read"},
		Metric{"disk.write_await_ms", "ms", 2, "mean time per write"},
		Metric{"disk.util_pct", "%", 2, "time the device was busy"},
		Metric{"net.rx_bps", "B/s", 0, "bytes received per second"},
		Metric{"net.tx_bps", "B/s", 0, "bytes sent per second"},
		Metric{"net.rx_pps", "1/s", 2, "packets received per second"},
		Metric{"net.tx_pps", "1/s", 2, "packets sent per second"},
		Metric{"net.rx_errors_ps", "1/s", 2, "receive errors per second"},
		Metric{"net.tx_errors_ps", "1/s", 2, "transmit errors per second"},
		Metric{"net.rx_drops_ps", "1/s", 2, "received packets dropped per second"},
		Metric{"net.tx_drops_ps", "1/s", 2, "sent packets dropped per second"},
		Metric{"temp.celsius", "°C", 1, "temperature of a sensor"},
		Metric{"system.uptime_s", "s", 0, "seconds since boot"},
		Metric{"system.procs", "", 0, "processes"},
		Metric{"system.procs_running", "", 0, "processes running"},
		Metric{"system.procs_blocked", "", 0, "processes blocked on I/O"},
	)
	return m
}
