package collect

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Facts describe the machine. They are read once, on the first call to Facts, and cached,
// because some (the OS release, the CPU model) are slow to get and none changes while the
// agent runs, short of a reboot, which restarts it.
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

// Facts returns the host facts, reading them under Root on first use. Facts that cannot be
// read are left empty, falling back to what the Go runtime knows (hostname, arch, CPU count).
func (c *Collector) Facts() Facts {
	if c.facts != nil {
		return *c.facts
	}
	read := func(p ...string) []byte {
		b, err := os.ReadFile(filepath.Join(append([]string{c.cfg.Root}, p...)...))
		if err != nil {
			return nil
		}
		return append(b, []byte{}...) // nil only when unreadable: an empty marker file counts

	}
	f := Facts{Arch: runtime.GOARCH}
	if f.Hostname = string(bytes.TrimSpace(read("proc", "sys", "kernel", "hostname"))); f.Hostname == "" {
		f.Hostname, _ = os.Hostname()
	}
	f.Kernel = string(bytes.TrimSpace(read("proc", "sys", "kernel", "osrelease")))
	if b := read("etc", "os-release"); b != nil {
		f.OS = osRelease(b)
	} else if b := read("usr", "lib", "os-release"); b != nil {
		f.OS = osRelease(b)
	}
	if f.OS == "" {
		f.OS = runtime.GOOS
	}
	cpuinfo := read("proc", "cpuinfo")
	f.CPUModel = cpuModel(cpuinfo)
	var st procStat
	if err := parseStat(read("proc", "stat"), &st); err == nil {
		f.Cores = len(st.cores) // online cores, as the per-core samples show them
		if st.hasBtime {
			f.BootTime = time.Unix(int64(st.btime), 0).UTC()
		}
	}
	if f.Cores == 0 {
		f.Cores = runtime.NumCPU()
	}
	if m, err := parseMeminfo(read("proc", "meminfo")); err == nil {
		f.MemoryBytes = m.total
	}
	f.Virtualization = virtualization(read, f.Kernel, cpuinfo)
	c.facts = &f
	return f
}

// osRelease returns PRETTY_NAME from os-release(5), or NAME and VERSION.
func osRelease(b []byte) string {
	vals := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = strings.Trim(v, `'"`)
			}
			vals[k] = v
		}
	}
	if v := vals["PRETTY_NAME"]; v != "" {
		return v
	}
	return strings.TrimSpace(vals["NAME"] + " " + vals["VERSION"])
}

// cpuModel returns the first model line of /proc/cpuinfo. Its key differs by architecture:
// "model name" (x86, newer arm64), "Model" (Raspberry Pi), "cpu model" (MIPS), "cpu" (POWER),
// "Hardware" (older ARM), "uarch" (RISC-V).
func cpuModel(cpuinfo []byte) string {
	found := map[string]string{}
	for _, line := range strings.Split(string(cpuinfo), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, dup := found[k]; !dup && v != "" {
			found[k] = v
		}
	}
	for _, k := range []string{"model name", "Model", "cpu model", "cpu", "Hardware", "uarch"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	return ""
}

// virtualization names the container or hypervisor the host runs in, "none" on bare metal.
// Containers are checked first, since a container in a VM is best described as a container:
// marker files left by Docker and Podman, then the cgroup path of process 1 (cgroup v1 names
// the runtime; under cgroup v2 in a private namespace it is just "0::/", which says nothing).
// Hypervisors are named from DMI strings; WSL from the kernel release; any other machine
// whose CPU has the hypervisor flag is "vm".
func virtualization(read func(p ...string) []byte, kernel string, cpuinfo []byte) string {
	if read(".dockerenv") != nil {
		return "docker"
	}
	if read("run", ".containerenv") != nil {
		return "podman"
	}
	cgroup := string(read("proc", "1", "cgroup"))
	for _, h := range [][2]string{{"kubepods", "kubernetes"}, {"docker", "docker"}, {"libpod", "podman"}, {"lxc", "lxc"}, {"containerd", "containerd"}} {
		if strings.Contains(cgroup, h[0]) {
			return h[1]
		}
	}
	if strings.Contains(strings.ToLower(kernel), "microsoft") {
		return "wsl"
	}
	dmi := strings.ToLower(string(read("sys", "class", "dmi", "id", "product_name")) + " " + string(read("sys", "class", "dmi", "id", "sys_vendor")))
	for _, h := range [][2]string{{"kvm", "kvm"}, {"qemu", "qemu"}, {"vmware", "vmware"}, {"virtualbox", "virtualbox"}, {"xen", "xen"}, {"microsoft", "hyper-v"}, {"amazon ec2", "aws"}, {"google compute", "gce"}, {"openstack", "openstack"}, {"bochs", "bochs"}, {"parallels", "parallels"}, {"oxide", "oxide"}} {
		if strings.Contains(dmi, h[0]) {
			return h[1]
		}
	}
	if bytes.Contains(cpuinfo, []byte(" hypervisor")) {
		return "vm"
	}
	return "none"
}
