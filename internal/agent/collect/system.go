package collect

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// temperatures reads hwmon sensors; a machine without sensors reports none and no error.
func (c *Collector) temperatures(out []Sample, _ float64) ([]Sample, error) {
	inputs, _ := filepath.Glob(c.path("sys", "class", "hwmon", "hwmon*", "temp*_input"))
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			continue
		}
		milli, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		if err != nil {
			continue
		}
		dir := filepath.Dir(in)
		chip, _ := os.ReadFile(filepath.Join(dir, "name"))
		label, err := os.ReadFile(strings.TrimSuffix(in, "_input") + "_label")
		if err != nil {
			label = []byte(strings.TrimSuffix(filepath.Base(in), "_input"))
		}
		name := strings.TrimSpace(string(chip)) + "/" + strings.TrimSpace(string(label))
		out = append(out, Sample{"temp.celsius", name, milli / 1000})
	}
	return out, nil
}

func (c *Collector) system(out []Sample, _ float64) ([]Sample, error) {
	b, err := c.read("proc", "uptime")
	if err != nil {
		return out, fmt.Errorf("uptime: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return out, fmt.Errorf("uptime: empty proc/uptime")
	}
	up, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return out, fmt.Errorf("uptime: %w", err)
	}
	out = append(out, Sample{"system.uptime_s", "", float64(int64(up))})

	if b, err := c.read("proc", "stat"); err == nil {
		if _, counters, err := parseStat(b); err == nil {
			out = append(out, Sample{"system.procs_running", "", counters["procs_running"]}, Sample{"system.procs_blocked", "", counters["procs_blocked"]})
		}
	}
	// Counting /proc's numeric entries is a readdir of names only, far cheaper than walking
	// processes, which is left to live mode.
	d, err := os.Open(c.path("proc"))
	if err != nil {
		return out, fmt.Errorf("process count: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return out, fmt.Errorf("process count: %w", err)
	}
	n := 0
	for _, name := range names {
		if name != "" && name[0] >= '0' && name[0] <= '9' {
			n++
		}
	}
	return append(out, Sample{"system.procs", "", float64(n)}), nil
}
