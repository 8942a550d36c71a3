package collect

import "fmt"

// loadSamples parses /proc/loadavg ("0.52 0.58 0.59 1/467 12345").
func loadSamples(out []Sample, b []byte) ([]Sample, error) {
	var v [3]float64
	rest := b
	for i := range v {
		var tok []byte
		tok, rest = nextField(rest)
		var ok bool
		if v[i], ok = atof(trimSpace(tok)); !ok {
			return out, fmt.Errorf("parse proc/loadavg field %d: %q is not a number", i+1, tok)
		}
	}
	return append(out,
		Sample{"load.1", "", v[0]},
		Sample{"load.5", "", v[1]},
		Sample{"load.15", "", v[2]},
	), nil
}

// uptimeSamples parses /proc/uptime ("3600.55 7000.00": seconds up, idle seconds), reported in
// whole seconds.
func uptimeSamples(out []Sample, b []byte) ([]Sample, error) {
	tok, _ := nextField(trimSpace(b))
	up, ok := atof(tok)
	if !ok || up < 0 {
		return out, fmt.Errorf("parse proc/uptime: %q is not a duration", tok)
	}
	return append(out, Sample{"system.uptime_s", "", float64(int64(up))}), nil
}

// procSamples reports the process counts: procs_running and procs_blocked from /proc/stat
// (already parsed into c.cpu.stat), and the number of processes, counted by countPIDs.
func (c *Collector) procSamples(out []Sample) ([]Sample, error) {
	st := &c.cpu.stat
	n, err := c.countPIDs()
	if err != nil {
		err = fmt.Errorf("count processes in %s: %w", c.paths.proc, err)
	} else {
		out = append(out, Sample{"system.procs", "", float64(n)})
	}
	if st.hasRunning {
		out = append(out, Sample{"system.procs_running", "", float64(st.running)})
	}
	if st.hasBlocked {
		out = append(out, Sample{"system.procs_blocked", "", float64(st.blocked)})
	}
	return out, err
}

// isPID reports whether a /proc entry name is a process: all digits.
func isPID(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, ch := range name {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}
