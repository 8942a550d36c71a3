package trim

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// span is one read-only mapping of the executable.
type span struct{ lo, hi uintptr }

func code() (Result, error) {
	var res Result
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return res, fmt.Errorf("find own executable: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return res, fmt.Errorf("read /proc/self/maps: %w", err)
	}
	var spans []span
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		if lo, hi, ok := readOnlyMapping(sc.Text(), exe); ok {
			spans = append(spans, span{lo, hi})
			res.Bytes += int64(hi - lo)
		}
	}
	if len(spans) == 0 {
		return res, fmt.Errorf("no read-only mapping of %s in /proc/self/maps", exe)
	}
	res.Mappings = len(spans)
	f, err := os.Open(exe)
	if err != nil {
		return res, fmt.Errorf("open own executable: %w", err)
	}
	defer f.Close()
	// Dirty pages cannot be dropped, and a binary installed moments ago may still have some:
	// write them out first (fsync works on a read-only descriptor; a clean file costs nothing).
	// On a read-only filesystem it may fail, and there is nothing dirty to write anyway.
	_ = f.Sync()
	res.RSSBefore = rssFile()
	// MADV_RANDOM turns off read-around on later faults, so that a fault reads one page and
	// not 128 KB of neighbours. It stays set; setting it again costs nothing.
	for _, s := range spans {
		if _, _, e := unix.RawSyscall(unix.SYS_MADVISE, s.lo, s.hi-s.lo, unix.MADV_RANDOM); e != 0 {
			return res, fmt.Errorf("madvise(MADV_RANDOM) %x-%x: %w", s.lo, s.hi, e)
		}
	}
	// MADV_DONTNEED on a private file mapping that was never written only removes this
	// process's page table entries (writable mappings, .data and .bss, are not touched: their
	// contents would be lost). Fault-around would still map any neighbour left in the page
	// cache, 64 KB at a time, so the cached pages are dropped too (the kernel keeps those
	// still mapped anywhere). Other goroutines keep running and fault pages back in between
	// the two calls, mapping their cached neighbours with them; a second round drops those.
	for range 2 {
		for _, s := range spans {
			if _, _, e := unix.RawSyscall(unix.SYS_MADVISE, s.lo, s.hi-s.lo, unix.MADV_DONTNEED); e != 0 {
				return res, fmt.Errorf("madvise(MADV_DONTNEED) %x-%x: %w", s.lo, s.hi, e)
			}
		}
		if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
			return res, fmt.Errorf("fadvise(DONTNEED) %s: %w", exe, err)
		}
	}
	res.RSSAfter = rssFile()
	return res, nil
}

// readOnlyMapping parses one /proc/self/maps line ("lo-hi perms offset dev inode path") and
// reports the range of a mapping of path without write permission.
func readOnlyMapping(line, path string) (lo, hi uintptr, ok bool) {
	f := strings.Fields(line)
	if len(f) < 6 || strings.Join(f[5:], " ") != path || strings.Contains(f[1], "w") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(f[0], "-")
	if !found {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil || h <= l {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}

// rssFile is RssFile of /proc/self/status in bytes (0 when unreadable).
func rssFile() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
