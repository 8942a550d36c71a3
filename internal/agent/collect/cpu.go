package collect

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// cpuModes are the columns of a cpu line in /proc/stat, in order.
var cpuModes = [...]string{"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"}

type cpuTimes [len(cpuModes)]float64

// parseStat reads per-CPU times ("" = total, "0".. = cores) and the process counters from
// /proc/stat. guest time is already included in user, so it is not added again.
func parseStat(b []byte) (map[string]cpuTimes, map[string]float64, error) {
	cpus := map[string]cpuTimes{}
	counters := map[string]float64{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		f := strings.Fields(string(line))
		if len(f) < 2 {
			continue
		}
		switch {
		case strings.HasPrefix(f[0], "cpu"):
			var t cpuTimes
			for i := range t {
				if i+1 < len(f) {
					v, err := strconv.ParseFloat(f[i+1], 64)
					if err != nil {
						return nil, nil, fmt.Errorf("proc/stat %s: %w", f[0], err)
					}
					t[i] = v
				}
			}
			cpus[strings.TrimPrefix(f[0], "cpu")] = t
		case f[0] == "procs_running" || f[0] == "procs_blocked" || f[0] == "btime":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return nil, nil, fmt.Errorf("proc/stat %s: %w", f[0], err)
			}
			counters[f[0]] = v
		}
	}
	if _, ok := cpus[""]; !ok {
		return nil, nil, fmt.Errorf("proc/stat: no total cpu line")
	}
	return cpus, counters, nil
}

func (c *Collector) cpu(out []Sample, _ float64) ([]Sample, error) {
	b, err := c.read("proc", "stat")
	if err != nil {
		return out, fmt.Errorf("cpu: %w", err)
	}
	cpus, _, err := parseStat(b)
	if err != nil {
		return out, fmt.Errorf("cpu: %w", err)
	}
	if c.prevCPU != nil {
		for _, label := range sortedCPULabels(cpus) {
			cur, prev := cpus[label], c.prevCPU[label]
			var d cpuTimes
			total := 0.0
			for i := range cur {
				d[i] = cur[i] - prev[i]
				if d[i] < 0 { // counters of a CPU that went offline and back restart
					d[i] = 0
				}
				total += d[i]
			}
			if total <= 0 {
				continue
			}
			out = append(out, Sample{"cpu.used_pct", label, pct(total-d[3]-d[4], total)})
			for i, mode := range cpuModes {
				out = append(out, Sample{"cpu." + mode + "_pct", label, pct(d[i], total)})
			}
		}
	}
	c.prevCPU = cpus
	return out, nil
}

// sortedCPULabels returns "" then cores in numeric order, so samples come in a stable order.
func sortedCPULabels(m map[string]cpuTimes) []string {
	labels := []string{""}
	for i := 0; len(labels) < len(m); i++ {
		l := strconv.Itoa(i)
		if _, ok := m[l]; ok {
			labels = append(labels, l)
		}
		if i > 100000 {
			break
		}
	}
	return labels
}

func (c *Collector) load(out []Sample, _ float64) ([]Sample, error) {
	b, err := c.read("proc", "loadavg")
	if err != nil {
		return out, fmt.Errorf("load: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return out, fmt.Errorf("load: proc/loadavg has %d fields", len(f))
	}
	for i, name := range []string{"load.1", "load.5", "load.15"} {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return out, fmt.Errorf("load: %w", err)
		}
		out = append(out, Sample{name, "", v})
	}
	return out, nil
}
