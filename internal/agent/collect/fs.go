package collect

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// pseudoFS are filesystem types with no disk behind them; they are never reported.
var pseudoFS = []string{"proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs",
	"debugfs", "tracefs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "rpc_pipefs",
	"binfmt_misc", "nsfs", "efivarfs", "selinuxfs", "squashfs", "overlay", "ramfs", "fuse.lxcfs", "fuse.portal", "nfsd"}

type mount struct{ device, point, fstype string }

// parseMounts reads /proc/self/mounts, unescaping octal escapes (\040 is a space in a path).
func parseMounts(b []byte) []mount {
	var out []mount
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		f := strings.Fields(string(line))
		if len(f) < 3 {
			continue
		}
		out = append(out, mount{device: unescape(f[0]), point: unescape(f[1]), fstype: f[2]})
	}
	return out
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (c *Collector) filesystems(out []Sample, _ float64) ([]Sample, error) {
	b, err := c.read("proc", "self", "mounts")
	if err != nil {
		return out, fmt.Errorf("filesystems: %w", err)
	}
	seen := map[string]bool{} // a device mounted twice (bind mounts) is counted once
	var errs []string
	for _, m := range parseMounts(b) {
		if slices.Contains(pseudoFS, m.fstype) || slices.Contains(c.cfg.ExcludeFSTypes, m.fstype) || seen[m.device] || c.excludedMount(m.point) {
			continue
		}
		st, err := c.cfg.Statfs(m.point)
		if err != nil {
			errs = append(errs, m.point+": "+err.Error())
			continue
		}
		if st.Total == 0 {
			continue
		}
		seen[m.device] = true
		used := float64(st.Total - st.Free)
		inodesUsed := float64(st.Files - st.FilesFree)
		out = append(out,
			Sample{"fs.total_bytes", m.point, float64(st.Total)},
			Sample{"fs.used_bytes", m.point, used},
			Sample{"fs.avail_bytes", m.point, float64(st.Avail)},
			Sample{"fs.used_pct", m.point, pct(used, used+float64(st.Avail))},
			Sample{"fs.inodes_total", m.point, float64(st.Files)},
			Sample{"fs.inodes_used", m.point, inodesUsed},
			Sample{"fs.inodes_used_pct", m.point, pct(inodesUsed, float64(st.Files))},
		)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("filesystems: statfs %s", strings.Join(errs, "; "))
	}
	return out, nil
}

func (c *Collector) excludedMount(point string) bool {
	for _, p := range c.cfg.ExcludeMounts {
		if ok, _ := filepath.Match(p, point); ok {
			return true
		}
	}
	return false
}
