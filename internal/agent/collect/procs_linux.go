package collect

import (
	"encoding/binary"
	"syscall"
)

// countPIDs counts the numeric entries of /proc with getdents into a reused buffer. Reading
// names with os.File.Readdirnames would allocate a string per process on every collection,
// which at a few hundred processes and 1 s intervals is most of the collector's garbage.
func (c *Collector) countPIDs() (int, error) {
	fd, err := syscall.Open(c.paths.proc, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer syscall.Close(fd)
	if c.dirbuf == nil {
		c.dirbuf = make([]byte, 16<<10)
	}
	n := 0
	for {
		got, err := syscall.ReadDirent(fd, c.dirbuf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if got <= 0 {
			return n, nil
		}
		n += countDirents(c.dirbuf[:got])
	}
}

// countDirents counts the process entries in a buffer of linux_dirent64 records: inode (8
// bytes), offset (8), record length (2), type (1), then the NUL-terminated name.
func countDirents(b []byte) int {
	n := 0
	for len(b) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < 19 || reclen > len(b) {
			break
		}
		name := b[19:reclen]
		for i, ch := range name {
			if ch == 0 {
				name = name[:i]
				break
			}
		}
		if typ := b[18]; (typ == syscall.DT_DIR || typ == syscall.DT_UNKNOWN) && isPID(name) {
			n++
		}
		b = b[reclen:]
	}
	return n
}
