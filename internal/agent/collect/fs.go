package collect

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// pseudoFS reports whether a filesystem type has no storage a person watches: kernel
// interfaces (proc, sysfs, cgroup*, ...), memory (tmpfs, ramfs), read-only images that are
// always full (squashfs: snap packages), and overlay, whose numbers are those of the
// filesystem beneath it, which is reported itself. These are always left out;
// Config.ExcludeFSTypes adds more.
func pseudoFS(t []byte) bool {
	if len(t) >= 6 && string(t[:6]) == "cgroup" {
		return true
	}
	switch string(t) {
	case "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "securityfs", "debugfs", "tracefs",
		"pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "autofs", "rpc_pipefs",
		"binfmt_misc", "nsfs", "efivarfs", "selinuxfs", "squashfs", "overlay", "ramfs",
		"fuse.lxcfs", "fuse.portal", "fuse.gvfsd-fuse", "fuse.snapfuse", "nfsd", "rootfs":
		return true
	}
	return false
}

// mount is one line of /proc/self/mounts; the fields point into the read buffer.
type mount struct{ device, point, fstype []byte }

// parseMounts appends the mounts in b to dst. Octal escapes (\040 for a space in a path) are
// decoded in place, which is safe because the decoded form is never longer.
func parseMounts(b []byte, dst []mount) []mount {
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		dev, rest := nextField(line)
		point, rest := nextField(rest)
		fstype, _ := nextField(rest)
		if len(fstype) == 0 {
			continue
		}
		dst = append(dst, mount{device: unescape(dev), point: unescape(point), fstype: fstype})
	}
	return dst
}

// unescape decodes the kernel's \ooo escapes in place.
func unescape(s []byte) []byte {
	j := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			s[j] = (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			i += 3
		} else {
			s[j] = s[i]
		}
		j++
	}
	return s[:j]
}

func isOctal(b byte) bool { return b >= '0' && b <= '7' }

// mountState keeps mount point labels, and which devices this collection has reported.
type mountState struct {
	list     []mount // reused between calls
	byPoint  map[string]*mountEntry
	byDevice map[string]*uint64 // collection in which the device was last reported
}

// mountEntry is a mount point's label and whether the configuration leaves it out.
type mountEntry struct {
	label    string
	excluded bool
	gen      uint64
}

// fsSamples appends size and inode samples for each real filesystem in /proc/self/mounts.
//
// A device mounted several times (bind mounts, btrfs subvolumes, the same NFS export twice)
// is reported once, at its first mount point in mount order, which is the original mount.
// Sources that name no device ("none", or the fs type itself, as with many virtual
// filesystems) are not merged. Filesystems reporting a size of 0 are left out.
func (c *Collector) fsSamples(out []Sample, b []byte) ([]Sample, error) {
	s := &c.mounts
	s.list = parseMounts(b, s.list[:0])
	var failed []string
	for _, m := range s.list {
		if pseudoFS(m.fstype) || c.excludedType(m.fstype) {
			continue
		}
		e := s.byPoint[string(m.point)]
		if e == nil {
			label := string(m.point)
			e = &mountEntry{label: label, excluded: c.excludedMount(label)}
			s.byPoint[label] = e
		}
		e.gen = c.gen
		if e.excluded {
			continue
		}
		merge := len(m.device) > 0 && string(m.device) != "none" && string(m.device) != string(m.fstype)
		var seen *uint64
		if merge {
			if seen = s.byDevice[string(m.device)]; seen == nil {
				seen = new(uint64)
				s.byDevice[string(m.device)] = seen
			} else if *seen == c.gen {
				continue
			}
		}
		st, err := c.cfg.Statfs(e.label)
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		if seen != nil {
			*seen = c.gen
		}
		if st.Total == 0 {
			continue
		}
		used := float64(st.Total - min(st.Free, st.Total))
		out = append(out,
			Sample{"fs.total_bytes", e.label, float64(st.Total)},
			Sample{"fs.used_bytes", e.label, used},
			Sample{"fs.avail_bytes", e.label, float64(st.Avail)},
			Sample{"fs.used_pct", e.label, pct(used, used+float64(st.Avail))},
		)
		if st.Files > 0 { // btrfs, vfat and some network filesystems have no inode table
			inodesUsed := float64(st.Files - min(st.FilesFree, st.Files))
			out = append(out,
				Sample{"fs.inodes_total", e.label, float64(st.Files)},
				Sample{"fs.inodes_used", e.label, inodesUsed},
				Sample{"fs.inodes_used_pct", e.label, pct(inodesUsed, float64(st.Files))},
			)
		}
	}
	for k, e := range s.byPoint { // unmounted
		if e.gen != c.gen {
			delete(s.byPoint, k)
		}
	}
	if len(s.byDevice) > 4*len(s.list)+64 { // devices forgotten by unmounting
		clear(s.byDevice)
	}
	if len(failed) > 3 { // hundreds of stale mounts must not make a kilobyte-long log line
		failed = append(failed[:3], fmt.Sprintf("and %d more", len(failed)-3))
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("measure filesystems: %s", strings.Join(failed, "; "))
	}
	return out, nil
}

func (c *Collector) excludedType(t []byte) bool {
	for _, x := range c.cfg.ExcludeFSTypes {
		if x == string(t) {
			return true
		}
	}
	return false
}

// containerFiles are the files Docker and Podman bind-mount into a container. They sit on
// the host's container storage, which the host's own agent reports; inside the container they
// would show up as three "filesystems" with the names of files.
var containerFiles = [...]string{"/etc/resolv.conf", "/etc/hostname", "/etc/hosts"}

// containerStorage are directories whose submounts are containers' and pods' private views
// of filesystems reported elsewhere; the directories themselves are reported when mounted.
var containerStorage = [...]string{"/var/lib/docker/", "/var/lib/containers/storage/", "/var/lib/kubelet/pods/", "/run/containerd/", "/run/k3s/"}

// excludedMount reports whether a mount point is left out: a container's injected files, a
// submount of container storage, or a match of a Config.ExcludeMounts pattern. A pattern
// matching a directory also leaves out everything mounted below it, so "/snap/*" covers
// /snap/core/123 although filepath.Match's * does not cross a slash.
func (c *Collector) excludedMount(point string) bool {
	if slices.Contains(containerFiles[:], point) {
		return true
	}
	for _, dir := range containerStorage {
		if strings.HasPrefix(point, dir) {
			return true
		}
	}
	for p := point; ; p = filepath.Dir(p) {
		for _, pat := range c.cfg.ExcludeMounts {
			if ok, _ := filepath.Match(pat, p); ok {
				return true
			}
		}
		if p == "/" || p == "." || p == "" {
			return false
		}
	}
}
