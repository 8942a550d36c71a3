package collect

import (
	"fmt"
	"syscall"
)

// maxFileSize bounds a file read into the buffer; no /proc or /sys file Vigil reads comes
// near it, and it stops a broken file (or a fixture) from growing the buffer without end.
const maxFileSize = 64 << 20

// readFile reads a whole file into c.buf and returns it; the result is valid until the next
// readFile. It is on the hot path (about ten files per collection): the buffer is reused
// because files in /proc report size 0, so os.ReadFile would allocate and grow a new one
// each time, and plain open/read/close system calls are used because os.Open registers every
// file with the runtime's poller (an epoll_ctl that fails for regular files) and allocates
// an *os.File, which together cost a sixth of a collection.
func (c *Collector) readFile(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer syscall.Close(fd)
	b := c.buf[:0]
	for {
		if len(b) == cap(b) {
			if len(b) >= maxFileSize {
				return nil, fmt.Errorf("read %s: larger than %d bytes", path, maxFileSize)
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if n <= 0 {
			break
		}
		b = b[:len(b)+n]
	}
	c.buf = b
	return b, nil
}
