package collect

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// parseMeminfo returns /proc/meminfo's fields in bytes.
func parseMeminfo(b []byte) (map[string]float64, error) {
	m := map[string]float64{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		k, v, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("meminfo %s: %w", k, err)
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		m[k] = n
	}
	if _, ok := m["MemTotal"]; !ok {
		return nil, fmt.Errorf("meminfo: no MemTotal")
	}
	return m, nil
}

func (c *Collector) memory(out []Sample, _ float64) ([]Sample, error) {
	b, err := c.read("proc", "meminfo")
	if err != nil {
		return out, fmt.Errorf("memory: %w", err)
	}
	m, err := parseMeminfo(b)
	if err != nil {
		return out, fmt.Errorf("memory: %w", err)
	}
	total := m["MemTotal"]
	avail, ok := m["MemAvailable"]
	if !ok { // kernels before 3.14
		avail = m["MemFree"] + m["Buffers"] + m["Cached"]
	}
	used := total - avail
	cached := m["Cached"] + m["SReclaimable"] - m["Shmem"]
	if cached < 0 {
		cached = m["Cached"]
	}
	swapTotal, swapUsed := m["SwapTotal"], m["SwapTotal"]-m["SwapFree"]
	return append(out,
		Sample{"mem.total_bytes", "", total},
		Sample{"mem.used_bytes", "", used},
		Sample{"mem.available_bytes", "", avail},
		Sample{"mem.cached_bytes", "", cached},
		Sample{"mem.buffers_bytes", "", m["Buffers"]},
		Sample{"mem.free_bytes", "", m["MemFree"]},
		Sample{"mem.used_pct", "", pct(used, total)},
		Sample{"swap.total_bytes", "", swapTotal},
		Sample{"swap.used_bytes", "", swapUsed},
		Sample{"swap.used_pct", "", pct(swapUsed, swapTotal)},
	), nil
}
