package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/vigil-mon/vigil/internal/wire"
)

// seriesLayout is what one simulated host reports, named as in docs/metrics.md. The defaults
// (6 cores, 4 mounts, 2 disks, 2 NICs, 10 sensors) give 148 series, close to the ~150 values per
// snapshot that DESIGN.md §8 budgets for.
type seriesLayout struct {
	cores, mounts, disks, nics, temps int
}

var cpuModes = []string{"used", "user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"}

var (
	mountNames = []string{"/", "/boot", "/home", "/var", "/srv", "/data", "/opt", "/tmp"}
	diskNames  = []string{"nvme0n1", "sda", "sdb", "sdc", "nvme1n1", "vda"}
	nicNames   = []string{"eth0", "docker0", "eth1", "wg0", "bond0", "br0"}
)

func pick(names []string, i int, prefix string) string {
	if i < len(names) {
		return names[i]
	}
	return prefix + strconv.Itoa(i)
}

// kind says how a series' value evolves between snapshots.
type kind uint8

const (
	kConst   kind = iota // never changes (totals)
	kWalk                // bounded random walk, changing with probability p per snapshot
	kCounter             // grows by step every snapshot (uptime)
	kDerived             // computed from other series after the walks
)

type spec struct {
	wire.Series
	kind          kind
	lo, hi, step  float64
	p             float64 // probability that the value changes in a snapshot
	initLo, initH float64
}

// dictionary builds the series list and the rules that drive each value.
func (l seriesLayout) dictionary(interval float64) []spec {
	var out []spec
	add := func(name, label, unit string, scale uint8, k kind, lo, hi, step, p float64) {
		out = append(out, spec{Series: wire.Series{ID: uint32(len(out)), Name: name, Label: label, Unit: unit, Scale: scale},
			kind: k, lo: lo, hi: hi, step: step, p: p, initLo: lo, initH: hi})
	}
	const GiB = 1 << 30
	cpuLabels := []string{""}
	for c := 0; c < l.cores; c++ {
		cpuLabels = append(cpuLabels, strconv.Itoa(c))
	}
	for _, lab := range cpuLabels {
		for _, m := range cpuModes {
			switch m {
			case "used", "idle":
				add("cpu."+m+"_pct", lab, "%", 2, kDerived, 0, 100, 0, 1)
			case "user":
				add("cpu.user_pct", lab, "%", 2, kWalk, 0, 70, 4, 0.97)
			case "system":
				add("cpu.system_pct", lab, "%", 2, kWalk, 0, 20, 1.5, 0.95)
			case "iowait":
				add("cpu.iowait_pct", lab, "%", 2, kWalk, 0, 8, 0.5, 0.6)
			case "nice":
				add("cpu.nice_pct", lab, "%", 2, kWalk, 0, 2, 0.1, 0.05)
			case "irq":
				add("cpu.irq_pct", lab, "%", 2, kWalk, 0, 1, 0.05, 0.3)
			case "softirq":
				add("cpu.softirq_pct", lab, "%", 2, kWalk, 0, 3, 0.2, 0.7)
			case "steal":
				add("cpu.steal_pct", lab, "%", 2, kWalk, 0, 1, 0.05, 0.05)
			}
		}
	}
	add("load.1", "", "", 2, kWalk, 0, 8, 0.3, 0.95)
	add("load.5", "", "", 2, kDerived, 0, 8, 0, 1)
	add("load.15", "", "", 2, kDerived, 0, 8, 0, 1)
	add("mem.total_bytes", "", "B", 0, kConst, 16*GiB, 16*GiB, 0, 0)
	add("mem.used_bytes", "", "B", 0, kDerived, 0, 0, 0, 1)
	add("mem.available_bytes", "", "B", 0, kWalk, 2*GiB, 14*GiB, 64<<20, 0.9)
	add("mem.cached_bytes", "", "B", 0, kWalk, 1*GiB, 8*GiB, 16<<20, 0.8)
	add("mem.buffers_bytes", "", "B", 0, kWalk, 64<<20, 512<<20, 1<<20, 0.5)
	add("mem.free_bytes", "", "B", 0, kWalk, 256<<20, 4*GiB, 32<<20, 0.9)
	add("mem.used_pct", "", "%", 2, kDerived, 0, 100, 0, 1)
	add("swap.total_bytes", "", "B", 0, kConst, 2*GiB, 2*GiB, 0, 0)
	add("swap.used_bytes", "", "B", 0, kWalk, 0, 256<<20, 4096*16, 0.05)
	add("swap.used_pct", "", "%", 2, kDerived, 0, 100, 0, 1)
	for m := 0; m < l.mounts; m++ {
		lab := pick(mountNames, m, "/mnt/m")
		size := float64((m%3 + 1) * 100 * GiB)
		add("fs.total_bytes", lab, "B", 0, kConst, size, size, 0, 0)
		add("fs.used_bytes", lab, "B", 0, kWalk, size*0.1, size*0.9, 1<<20, 0.6)
		add("fs.avail_bytes", lab, "B", 0, kDerived, 0, 0, 0, 1)
		add("fs.used_pct", lab, "%", 2, kDerived, 0, 100, 0, 1)
		add("fs.inodes_total", lab, "", 0, kConst, 6553600, 6553600, 0, 0)
		add("fs.inodes_used", lab, "", 0, kWalk, 100000, 600000, 40, 0.4)
		add("fs.inodes_used_pct", lab, "%", 2, kDerived, 0, 100, 0, 1)
	}
	for d := 0; d < l.disks; d++ {
		lab := pick(diskNames, d, "disk")
		add("disk.read_bps", lab, "B/s", 0, kWalk, 0, 50<<20, 1<<20, 0.5)
		add("disk.write_bps", lab, "B/s", 0, kWalk, 0, 50<<20, 1<<20, 0.8)
		add("disk.reads_ps", lab, "1/s", 2, kWalk, 0, 500, 10, 0.5)
		add("disk.writes_ps", lab, "1/s", 2, kWalk, 0, 800, 15, 0.8)
		add("disk.read_await_ms", lab, "ms", 2, kWalk, 0, 20, 0.5, 0.4)
		add("disk.write_await_ms", lab, "ms", 2, kWalk, 0, 30, 0.8, 0.7)
		add("disk.util_pct", lab, "%", 2, kWalk, 0, 100, 2, 0.8)
	}
	for n := 0; n < l.nics; n++ {
		lab := pick(nicNames, n, "eth")
		add("net.rx_bps", lab, "B/s", 0, kWalk, 0, 100<<20, 512<<10, 0.95)
		add("net.tx_bps", lab, "B/s", 0, kWalk, 0, 100<<20, 512<<10, 0.95)
		add("net.rx_pps", lab, "1/s", 2, kWalk, 0, 50000, 500, 0.95)
		add("net.tx_pps", lab, "1/s", 2, kWalk, 0, 50000, 500, 0.95)
		add("net.rx_errors_ps", lab, "1/s", 2, kWalk, 0, 1, 0.1, 0.01)
		add("net.tx_errors_ps", lab, "1/s", 2, kWalk, 0, 1, 0.1, 0.01)
		add("net.rx_drops_ps", lab, "1/s", 2, kWalk, 0, 5, 0.1, 0.05)
		add("net.tx_drops_ps", lab, "1/s", 2, kWalk, 0, 1, 0.1, 0.01)
	}
	for t := 0; t < l.temps; t++ {
		lab := "coretemp_package"
		switch {
		case t == 1:
			lab = "nvme_composite"
		case t == 2:
			lab = "acpitz"
		case t > 2:
			lab = fmt.Sprintf("coretemp_core%d", t-3)
		}
		add("temp.celsius", lab, "°C", 1, kWalk, 30, 85, 0.5, 0.6)
	}
	add("system.uptime_s", "", "s", 0, kCounter, 86400, 86400*200, interval, 1)
	add("system.procs", "", "", 0, kWalk, 120, 400, 3, 0.7)
	add("system.procs_running", "", "", 0, kWalk, 1, 8, 1, 0.6)
	add("system.procs_blocked", "", "", 0, kWalk, 0, 2, 1, 0.1)
	return out
}

// host holds one simulated host's current values.
type host struct {
	specs []spec
	v     []float64
	idx   map[string]int // name+"\x00"+label → index, only used when building derive rules
	rules []func(v []float64)
	rnd   *rand.Rand
}

func key(name, label string) string { return name + "\x00" + label }

func newHost(specs []spec, seed uint64) *host {
	h := &host{specs: specs, v: make([]float64, len(specs)), idx: map[string]int{}, rnd: rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))}
	for i, s := range specs {
		h.idx[key(s.Name, s.Label)] = i
		switch s.kind {
		case kConst:
			h.v[i] = s.lo
		case kWalk, kCounter:
			// Start anywhere in the lower half: hosts differ, and walks have room to move.
			h.v[i] = s.lo + h.rnd.Float64()*(s.hi-s.lo)*0.5
		}
	}
	h.buildRules()
	h.idx = nil
	h.step(true)
	return h
}

func (h *host) buildRules() {
	get := func(n, l string) int {
		i, ok := h.idx[key(n, l)]
		if !ok {
			panic("series missing: " + n + " " + l)
		}
		return i
	}
	labels := map[string]bool{}
	for _, s := range h.specs {
		if s.Name == "cpu.used_pct" {
			labels[s.Label] = true
		}
	}
	for lab := range labels {
		used, idle := get("cpu.used_pct", lab), get("cpu.idle_pct", lab)
		var busy []int
		for _, m := range []string{"user", "nice", "system", "irq", "softirq", "steal"} {
			busy = append(busy, get("cpu."+m+"_pct", lab))
		}
		iow := get("cpu.iowait_pct", lab)
		h.rules = append(h.rules, func(v []float64) {
			u := 0.0
			for _, b := range busy {
				u += v[b]
			}
			u = math.Min(u, 100-v[iow])
			v[used] = u
			v[idle] = math.Max(0, 100-u-v[iow])
		})
	}
	l1, l5, l15 := get("load.1", ""), get("load.5", ""), get("load.15", "")
	h.v[l5], h.v[l15] = h.v[l1], h.v[l1]
	h.rules = append(h.rules, func(v []float64) {
		v[l5] += (v[l1] - v[l5]) * 0.08
		v[l15] += (v[l1] - v[l15]) * 0.03
	})
	mt, mu, ma, mp := get("mem.total_bytes", ""), get("mem.used_bytes", ""), get("mem.available_bytes", ""), get("mem.used_pct", "")
	h.rules = append(h.rules, func(v []float64) {
		v[mu] = v[mt] - v[ma]
		v[mp] = 100 * v[mu] / v[mt]
	})
	st, su, sp := get("swap.total_bytes", ""), get("swap.used_bytes", ""), get("swap.used_pct", "")
	h.rules = append(h.rules, func(v []float64) { v[sp] = 100 * v[su] / v[st] })
	for _, s := range h.specs {
		if s.Name != "fs.total_bytes" {
			continue
		}
		lab := s.Label
		t, u, a, p := get("fs.total_bytes", lab), get("fs.used_bytes", lab), get("fs.avail_bytes", lab), get("fs.used_pct", lab)
		it, iu, ip := get("fs.inodes_total", lab), get("fs.inodes_used", lab), get("fs.inodes_used_pct", lab)
		h.rules = append(h.rules, func(v []float64) {
			v[a] = math.Round(v[t]*0.95 - v[u]) // 5 % reserved for root, as ext4 does
			v[p] = 100 * v[u] / (v[u] + v[a])
			v[ip] = 100 * v[iu] / v[it]
		})
	}
}

// step advances every value by one interval and rounds each to its series' scale, so that the
// encoder sends exact integers like a real agent does.
func (h *host) step(first bool) {
	for i := range h.specs {
		s := &h.specs[i]
		switch s.kind {
		case kWalk:
			if first || h.rnd.Float64() < s.p {
				v := h.v[i] + (h.rnd.Float64()*2-1)*s.step
				h.v[i] = math.Min(s.hi, math.Max(s.lo, v))
			}
		case kCounter:
			if !first {
				h.v[i] += s.step
			}
		}
	}
	for _, r := range h.rules {
		r(h.v)
	}
	for i := range h.specs {
		p := math.Pow10(int(h.specs[i].Scale))
		h.v[i] = math.Round(h.v[i]*p) / p
	}
}

// values returns the current snapshot's values, all series present, sorted by ID.
func (h *host) values(dst []wire.Value) []wire.Value {
	dst = dst[:0]
	for i, v := range h.v {
		dst = append(dst, wire.Value{ID: uint32(i), V: v})
	}
	return dst
}

func wireSeries(specs []spec) []wire.Series {
	out := make([]wire.Series, len(specs))
	for i, s := range specs {
		out[i] = s.Series
	}
	return out
}
