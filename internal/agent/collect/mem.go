package collect

import "fmt"

// meminfo holds the /proc/meminfo fields Vigil uses, in bytes.
type meminfo struct {
	total, free, avail, buffers, cached, sreclaimable, swapTotal, swapFree uint64
	hasTotal, hasAvail                                                     bool
}

// parseMeminfo reads /proc/meminfo. Values are in kB in every kernel; a line without a unit is
// taken as it stands. Unknown and malformed lines are skipped; only MemTotal is required.
func parseMeminfo(b []byte) (meminfo, error) {
	var m meminfo
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := -1
		for i, ch := range line {
			if ch == ':' {
				colon = i
				break
			}
		}
		if colon < 0 {
			continue
		}
		tok, rest := nextField(line[colon+1:])
		v, ok := atou(tok)
		if !ok {
			continue
		}
		if unit, _ := nextField(rest); string(unit) == "kB" {
			v *= 1024
		}
		switch string(line[:colon]) {
		case "MemTotal":
			m.total, m.hasTotal = v, true
		case "MemFree":
			m.free = v
		case "MemAvailable":
			m.avail, m.hasAvail = v, true
		case "Buffers":
			m.buffers = v
		case "Cached":
			m.cached = v
		case "SReclaimable":
			m.sreclaimable = v
		case "SwapTotal":
			m.swapTotal = v
		case "SwapFree":
			m.swapFree = v
		}
	}
	if !m.hasTotal {
		return m, fmt.Errorf("parse proc/meminfo: no MemTotal")
	}
	return m, nil
}

// memSamples turns meminfo into samples. Used is total − available as the catalogue defines
// it. Kernels before 3.14 have no MemAvailable; free + buffers + cached approximates it. Cached
// is Cached + SReclaimable, the "cache" column of free(1), because reclaimable slab is given
// back under pressure just like the page cache.
func memSamples(out []Sample, m meminfo) []Sample {
	total := float64(m.total)
	avail := float64(m.avail)
	if !m.hasAvail {
		avail = float64(m.free + m.buffers + m.cached)
	}
	avail = min(avail, total)
	used := total - avail
	swapTotal := float64(m.swapTotal)
	swapUsed := float64(m.swapTotal) - float64(min(m.swapFree, m.swapTotal))
	return append(out,
		Sample{"mem.total_bytes", "", total},
		Sample{"mem.used_bytes", "", used},
		Sample{"mem.available_bytes", "", avail},
		Sample{"mem.cached_bytes", "", float64(m.cached + m.sreclaimable)},
		Sample{"mem.buffers_bytes", "", float64(m.buffers)},
		Sample{"mem.free_bytes", "", float64(m.free)},
		Sample{"mem.used_pct", "", pct(used, total)},
		Sample{"swap.total_bytes", "", swapTotal},
		Sample{"swap.used_bytes", "", swapUsed},
		Sample{"swap.used_pct", "", pct(swapUsed, swapTotal)},
	)
}
