package collect

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Facts describe the machine; they are read once, because some (OS release) are slow to get.
type Facts struct {
	Hostname       string    `json:"hostname"`
	OS             string    `json:"os"`
	Kernel         string    `json:"kernel"`
	Arch           string    `json:"arch"`
	CPUModel       string    `json:"cpu_model"`
	Cores          int       `json:"cores"`
	MemoryBytes    uint64    `json:"memory_bytes"`
	BootTime       time.Time `json:"boot_time"`
	Virtualization string    `json:"virtualization"`
}

// Facts reads the host facts on first use and caches them.
func (c *Collector) Facts() Facts {
	if c.facts != nil {
		return *c.facts
	}
	f := Facts{Arch: runtime.GOARCH}
	if b, err := c.read("proc", "sys", "kernel", "hostname"); err == nil {
		f.Hostname = strings.TrimSpace(string(b))
	}
	if f.Hostname == "" {
		f.Hostname, _ = os.Hostname()
	}
	if b, err := c.read("proc", "sys", "kernel", "osrelease"); err == nil {
		f.Kernel = strings.TrimSpace(string(b))
	}
	for _, p := range [][]string{{"etc", "os-release"}, {"usr", "lib", "os-release"}} {
		if b, err := c.read(p...); err == nil {
			f.OS = osRelease(b)
			break
		}
	}
	if b, err := c.read("proc", "cpuinfo"); err == nil {
		for _, line := range bytes.Split(b, []byte{'\n'}) {
			k, v, ok := strings.Cut(string(line), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "model name", "Model", "cpu model":
				if f.CPUModel == "" {
					f.CPUModel = strings.TrimSpace(v)
				}
			case "processor":
				f.Cores++
			}
		}
	}
	if f.Cores == 0 {
		f.Cores = runtime.NumCPU()
	}
	if b, err := c.read("proc", "meminfo"); err == nil {
		if m, err := parseMeminfo(b); err == nil {
			f.MemoryBytes = uint64(m["MemTotal"])
		}
	}
	if b, err := c.read("proc", "stat"); err == nil {
		if _, counters, err := parseStat(b); err == nil && counters["btime"] > 0 {
			f.BootTime = time.Unix(int64(counters["btime"]), 0).UTC()
		}
	}
	f.Virtualization = c.virtualization()
	c.facts = &f
	return f
}

func osRelease(b []byte) string {
	vals := map[string]string{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if k, v, ok := strings.Cut(string(line), "="); ok {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			vals[k] = v
		}
	}
	if v := vals["PRETTY_NAME"]; v != "" {
		return v
	}
	return strings.TrimSpace(vals["NAME"] + " " + vals["VERSION"])
}

// virtualization guesses the hypervisor or container from DMI strings and cgroup hints.
func (c *Collector) virtualization() string {
	if _, err := os.Stat(c.path(".dockerenv")); err == nil {
		return "docker"
	}
	if b, err := c.read("proc", "1", "environ"); err == nil && bytes.Contains(b, []byte("container=")) {
		return "container"
	}
	for _, f := range []string{"product_name", "sys_vendor"} {
		b, err := c.read("sys", "class", "dmi", "id", f)
		if err != nil {
			continue
		}
		s := strings.ToLower(string(b))
		for _, hv := range []string{"kvm", "qemu", "vmware", "virtualbox", "xen", "firecracker", "hyper-v", "microsoft", "amazon ec2", "google"} {
			if strings.Contains(s, hv) {
				return hv
			}
		}
	}
	if b, err := c.read("proc", "cpuinfo"); err == nil && bytes.Contains(b, []byte(" hypervisor")) {
		return "vm"
	}
	return "none"
}
