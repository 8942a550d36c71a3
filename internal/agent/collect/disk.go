package collect

import (
	"os"
	"path/filepath"
	"strings"
)

// diskCounters are the /proc/diskstats columns Vigil uses (Documentation/admin-guide/iostats).
type diskCounters struct {
	reads, readSectors, readMs, writes, writeSectors, writeMs, ioMs uint64
}

// parseDiskstats calls fn for every device line of /proc/diskstats. name points into b. Lines
// with fewer than the 11 counters every kernel since 2.6 prints (or with a malformed one) are
// skipped: old kernels printed partitions with 4 counters only.
func parseDiskstats(b []byte, fn func(name []byte, d diskCounters)) {
	var v [11]uint64
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		_, rest := nextField(line) // major
		_, rest = nextField(rest)  // minor
		name, rest := nextField(rest)
		ok := len(name) > 0
		for i := range v {
			var tok []byte
			tok, rest = nextField(rest)
			if v[i], ok = atou(tok); !ok {
				break
			}
		}
		if ok {
			fn(name, diskCounters{reads: v[0], readSectors: v[2], readMs: v[3], writes: v[4], writeSectors: v[6], writeMs: v[7], ioMs: v[9]})
		}
	}
}

// diskState is one device's label, whether it is reported, and its previous counters.
type diskState struct {
	label  string
	report bool
	prev   diskCounters
	gen    uint64
}

// reportDisk decides once per device whether it is reported: whole disks only, which are the
// entries of /sys/block (sda, nvme0n1, vda, md0, dm-0), not partitions, whose I/O is already in
// their disk's. Loop, ram, zram, floppy and optical devices are left out: they are memory or
// images, not storage a person watches. Names with '/' (cciss/c0d0) appear with '!' in sysfs.
func (c *Collector) reportDisk(name string) bool {
	for _, p := range []string{"loop", "ram", "zram", "fd", "sr"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	_, err := os.Stat(filepath.Join(c.paths.sysBlock, strings.ReplaceAll(name, "/", "!")))
	return err == nil
}

// diskSamples parses /proc/diskstats and appends rates for whole disks seen in the previous
// collection too. Sectors in diskstats are always 512 bytes, whatever the device's sector size.
func (c *Collector) diskSamples(out []Sample, b []byte, dt float64) []Sample {
	parseDiskstats(b, func(name []byte, d diskCounters) {
		st := c.disks[string(name)]
		if st == nil {
			label := string(name)
			st = &diskState{label: label, report: c.reportDisk(label)}
			c.disks[label] = st
		} else if st.gen == c.gen-1 && st.report && dt > 0 {
			p := &st.prev
			reads, writes := delta(d.reads, p.reads), delta(d.writes, p.writes)
			out = append(out,
				Sample{"disk.read_bps", st.label, delta(d.readSectors, p.readSectors) * 512 / dt},
				Sample{"disk.write_bps", st.label, delta(d.writeSectors, p.writeSectors) * 512 / dt},
				Sample{"disk.reads_ps", st.label, reads / dt},
				Sample{"disk.writes_ps", st.label, writes / dt},
				Sample{"disk.read_await_ms", st.label, ratio(delta(d.readMs, p.readMs), reads)},
				Sample{"disk.write_await_ms", st.label, ratio(delta(d.writeMs, p.writeMs), writes)},
				Sample{"disk.util_pct", st.label, min(100, pct(delta(d.ioMs, p.ioMs), dt*1000))},
			)
		}
		st.prev, st.gen = d, c.gen
	})
	for name, st := range c.disks { // devices that went away (a USB disk) are forgotten
		if st.gen != c.gen {
			delete(c.disks, name)
		}
	}
	return out
}
