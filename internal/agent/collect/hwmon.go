package collect

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sensorRescan is how often the list of hwmon sensors is read again. Listing means reading
// several directories, too much for every collection, and sensors come and go only when a
// driver is loaded or a device is plugged in.
const sensorRescan = 5 * time.Minute

// sensor is one temp*_input file and its label.
type sensor struct{ path, label string }

// sensorState is the cached sensor list.
type sensorState struct {
	list    []sensor
	scanned time.Time
}

// tempSamples appends one temp.celsius sample per hwmon temperature input. A machine without
// sensors (most VMs and containers) reports none and no error; an input that cannot be read
// or parsed (some drivers answer EIO or ENODATA while a device sleeps) is skipped.
func (c *Collector) tempSamples(out []Sample, now time.Time) []Sample {
	s := &c.sensors
	if s.scanned.IsZero() || now.Sub(s.scanned) >= sensorRescan || now.Before(s.scanned) {
		s.list = scanSensors(c.paths.hwmon, s.list[:0])
		s.scanned = now
	}
	for _, sn := range s.list {
		b, err := c.readFile(sn.path)
		if err != nil {
			continue
		}
		milli, ok := atoi(trimSpace(b))
		if !ok {
			continue
		}
		out = append(out, Sample{"temp.celsius", sn.label, float64(milli) / 1000})
	}
	return out
}

// scanSensors lists the temperature inputs under dir (/sys/class/hwmon), labelled
// "chip/sensor": the chip's name file and the input's temp*_label, or "tempN" when there is
// none. Old kernels keep name under device/. When two chips share a name (two NVMe drives),
// the later ones get their device's name, or else their hwmon directory, in brackets, so that
// labels stay unique. The list is sorted by label.
func scanSensors(dir string, dst []sensor) []sensor {
	chips, err := os.ReadDir(dir)
	if err != nil {
		return dst
	}
	names := map[string]bool{}
	for _, chip := range chips {
		cdir := filepath.Join(dir, chip.Name())
		name := readTrim(filepath.Join(cdir, "name"))
		if name == "" {
			name = readTrim(filepath.Join(cdir, "device", "name"))
		}
		if name == "" {
			name = chip.Name()
		}
		inputs, _ := filepath.Glob(filepath.Join(cdir, "temp*_input"))
		if len(inputs) == 0 {
			continue
		}
		if names[name] {
			id := chip.Name()
			if target, err := os.Readlink(filepath.Join(cdir, "device")); err == nil {
				id = filepath.Base(target)
			}
			name += "[" + id + "]"
		}
		names[name] = true
		for _, in := range inputs {
			base := strings.TrimSuffix(in, "_input")
			label := readTrim(base + "_label")
			if label == "" {
				label = filepath.Base(base)
			}
			dst = append(dst, sensor{path: in, label: name + "/" + label})
		}
	}
	slices.SortFunc(dst, func(a, b sensor) int { return strings.Compare(a.label, b.label) })
	return dst
}

// readTrim reads a small sysfs attribute, "" when it cannot be read.
func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
