package collect

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// diskCounters are the /proc/diskstats fields Vigil uses.
type diskCounters struct {
	reads, readSectors, readMs, writes, writeSectors, writeMs, ioMs float64
}

// parseDiskstats returns counters per device name.
func parseDiskstats(b []byte) (map[string]diskCounters, error) {
	out := map[string]diskCounters{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		f := strings.Fields(string(line))
		if len(f) < 14 {
			continue
		}
		var v [11]float64
		for i := range v {
			n, err := strconv.ParseFloat(f[3+i], 64)
			if err != nil {
				return nil, fmt.Errorf("diskstats %s: %w", f[2], err)
			}
			v[i] = n
		}
		out[f[2]] = diskCounters{reads: v[0], readSectors: v[2], readMs: v[3], writes: v[4], writeSectors: v[6], writeMs: v[7], ioMs: v[9]}
	}
	return out, nil
}

// wholeDisk reports whether a device is a whole disk rather than a partition: /sys/block lists
// only whole disks (including md and dm devices). Loop and ram devices are left out.
func (c *Collector) wholeDisk(name string) bool {
	if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "zram") {
		return false
	}
	_, err := os.Stat(c.path("sys", "block", name))
	return err == nil
}

func (c *Collector) disks(out []Sample, dt float64) ([]Sample, error) {
	b, err := c.read("proc", "diskstats")
	if err != nil {
		return out, fmt.Errorf("disks: %w", err)
	}
	cur, err := parseDiskstats(b)
	if err != nil {
		return out, fmt.Errorf("disks: %w", err)
	}
	for _, name := range sortedKeys(cur) {
		prev, ok := c.prevDisk[name]
		if !ok || dt <= 0 || !c.wholeDisk(name) {
			continue
		}
		d := cur[name]
		reads, writes := nonNeg(d.reads-prev.reads), nonNeg(d.writes-prev.writes)
		out = append(out,
			Sample{"disk.read_bps", name, nonNeg(d.readSectors-prev.readSectors) * 512 / dt},
			Sample{"disk.write_bps", name, nonNeg(d.writeSectors-prev.writeSectors) * 512 / dt},
			Sample{"disk.reads_ps", name, reads / dt},
			Sample{"disk.writes_ps", name, writes / dt},
			Sample{"disk.read_await_ms", name, ratio(nonNeg(d.readMs-prev.readMs), reads)},
			Sample{"disk.write_await_ms", name, ratio(nonNeg(d.writeMs-prev.writeMs), writes)},
			Sample{"disk.util_pct", name, min(100, pct(nonNeg(d.ioMs-prev.ioMs), dt*1000))},
		)
	}
	c.prevDisk = cur
	return out, nil
}

// nonNeg treats a counter that went backwards (wrap, device reset) as no activity.
func nonNeg(v float64) float64 { return max(v, 0) }

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
