package collect

import (
	"fmt"
	"strconv"
)

// The CPU modes in /proc/stat column order. guest and guest_nice follow them but are already
// included in user and nice, so they are not read.
const (
	modeUser = iota
	modeNice
	modeSystem
	modeIdle
	modeIowait
	modeIRQ
	modeSoftIRQ
	modeSteal
	numModes
)

// modeMetrics are the per-mode metric names, in column order, as constants so that no name is
// built on the hot path.
var modeMetrics = [numModes]string{
	"cpu.user_pct", "cpu.nice_pct", "cpu.system_pct", "cpu.idle_pct",
	"cpu.iowait_pct", "cpu.irq_pct", "cpu.softirq_pct", "cpu.steal_pct",
}

// maxCores bounds the core numbers accepted from /proc/stat, so that a corrupt line cannot
// make the collector allocate per-core state for billions of cores.
const maxCores = 8192

// cpuTimes are one cpu line's counters in USER_HZ ticks.
type cpuTimes [numModes]uint64

// coreTimes is one "cpuN" line.
type coreTimes struct {
	id int
	t  cpuTimes
}

// procStat is what Vigil reads from /proc/stat.
type procStat struct {
	total                cpuTimes
	hasTotal             bool
	cores                []coreTimes // in file order; reused between calls
	running, blocked     uint64
	btime                uint64
	hasRunning, hasBtime bool
	hasBlocked           bool
}

// parseStat reads /proc/stat into st, reusing st.cores. Unknown lines are skipped; a cpu line
// with a malformed number is an error, because its percentages would be wrong.
func parseStat(b []byte, st *procStat) error {
	cores := st.cores[:0]
	*st = procStat{}
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		key, rest := nextField(line)
		switch {
		case len(key) >= 3 && string(key[:3]) == "cpu":
			var t cpuTimes
			for i := range t {
				var tok []byte
				tok, rest = nextField(rest)
				if len(tok) == 0 { // older kernels have fewer columns (steal came in 2.6.11)
					break
				}
				v, ok := atou(tok)
				if !ok {
					return fmt.Errorf("parse proc/stat %q column %d: %q is not a counter", key, i+1, tok)
				}
				t[i] = v
			}
			if len(key) == 3 {
				st.total, st.hasTotal = t, true
			} else if id, ok := atou(key[3:]); ok && id < maxCores {
				cores = append(cores, coreTimes{id: int(id), t: t})
			}
		case string(key) == "procs_running":
			tok, _ := nextField(rest)
			st.running, st.hasRunning = atou(tok)
		case string(key) == "procs_blocked":
			tok, _ := nextField(rest)
			st.blocked, st.hasBlocked = atou(tok)
		case string(key) == "btime":
			tok, _ := nextField(rest)
			st.btime, st.hasBtime = atou(tok)
		}
	}
	st.cores = cores
	if !st.hasTotal {
		return fmt.Errorf("parse proc/stat: no total cpu line")
	}
	return nil
}

// cpuState keeps the previous counters: total, and per core indexed by core number.
type cpuState struct {
	stat      procStat
	prevTotal cpuTimes
	hasPrev   bool
	prev      []cpuTimes
	prevGen   []uint64 // collection in which prev[id] was read; 0 = never
	labels    []string // "0", "1", ... made once
}

// cpuSamples appends CPU percentages from the counters just parsed into c.cpu.stat. They need
// no time base: each mode's share of all ticks that passed is its percentage.
func (c *Collector) cpuSamples(out []Sample) []Sample {
	s := &c.cpu
	if s.hasPrev {
		out = appendCPU(out, "", &s.stat.total, &s.prevTotal)
	}
	s.prevTotal, s.hasPrev = s.stat.total, true
	for _, core := range s.stat.cores {
		for len(s.prev) <= core.id {
			s.prev = append(s.prev, cpuTimes{})
			s.prevGen = append(s.prevGen, 0)
			s.labels = append(s.labels, strconv.Itoa(len(s.labels)))
		}
		// A core that was offline in the previous collection restarts from its own counters.
		if s.prevGen[core.id] == c.gen-1 && c.gen > 1 {
			out = appendCPU(out, s.labels[core.id], &core.t, &s.prev[core.id])
		}
		s.prev[core.id], s.prevGen[core.id] = core.t, c.gen
	}
	return out
}

// appendCPU appends used and per-mode percentages for one cpu line; nothing when no tick
// passed (two collections within one 10 ms tick).
func appendCPU(out []Sample, label string, cur, prev *cpuTimes) []Sample {
	var d [numModes]float64
	total := 0.0
	for i := range d {
		d[i] = delta(cur[i], prev[i])
		total += d[i]
	}
	if total <= 0 {
		return out
	}
	out = append(out, Sample{"cpu.used_pct", label, pct(total-d[modeIdle]-d[modeIowait], total)})
	for i, name := range modeMetrics {
		out = append(out, Sample{name, label, pct(d[i], total)})
	}
	return out
}
