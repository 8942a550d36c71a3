package collect

import (
	"fmt"
	"syscall"
)

// statfs measures the filesystem mounted at path. Sizes are in fragments (Frsize), which
// equals Bsize on every common filesystem and is what POSIX statvfs counts in.
func statfs(path string) (StatfsResult, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(path, &s); err != nil {
		return StatfsResult{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(s.Frsize)
	if bs == 0 {
		bs = uint64(s.Bsize)
	}
	return StatfsResult{Total: s.Blocks * bs, Free: s.Bfree * bs, Avail: s.Bavail * bs, Files: s.Files, FilesFree: s.Ffree}, nil
}
