package procs

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// walkOS reads /proc/PID/stat of every process, updates w.procs (marking each seen in this
// walk) and calls visit for each, with isNew for an identity not known before. It returns the
// number of processes. A process that exits while being read is skipped, not an error.
func (w *Walker) walkOS(now time.Time, visit func(k key, p *proc, isNew bool), dt float64) (int, error) {
	if w.bootMs < 0 {
		if b, err := w.readFile(filepath.Join(w.proc, "stat")); err == nil {
			if bt, ok := parseBtime(b); ok {
				w.bootMs = int64(bt) * 1000
			}
		}
	}
	fd, err := syscall.Open(w.proc, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", w.proc, err)
	}
	defer syscall.Close(fd)
	if w.dirbuf == nil {
		w.dirbuf = make([]byte, 16<<10)
	}
	// The path buffer is reused: "<root>/proc/" + PID + "/stat" for every process.
	path := make([]byte, 0, len(w.proc)+32)
	path = append(append(path, w.proc...), '/')
	base := len(path)
	total := 0
	for {
		n, err := syscall.ReadDirent(fd, w.dirbuf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return total, fmt.Errorf("read %s: %w", w.proc, err)
		}
		if n <= 0 {
			w.closeStale()
			return total, nil
		}
		for b := w.dirbuf[:n]; len(b) >= 19; {
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				break
			}
			name, typ := b[19:reclen], b[18]
			b = b[reclen:]
			for i, ch := range name {
				if ch == 0 {
					name = name[:i]
					break
				}
			}
			pid, ok := atou(name)
			if !ok || pid >= 1<<32 || (typ != syscall.DT_DIR && typ != syscall.DT_UNKNOWN) {
				continue
			}
			path = append(append(path[:base], name...), "/stat"...)
			sb, err := w.readStat(uint32(pid), path)
			if err != nil {
				continue // exited since the directory was read
			}
			st, ok := parseStat(sb)
			if !ok {
				continue
			}
			total++
			k := key{pid: uint32(pid), start: st.start}
			p, known := w.procs[k]
			if !known {
				p = &proc{ticks: st.utime + st.stime}
				w.procs[k] = p
				if w.walks > 1 && dt > 0 {
					// Started since the last walk: all its CPU time fell in this interval.
					p.cpu = 100 * float64(st.utime+st.stime) / float64(w.cfg.ClockTick) / dt
				}
			} else if dt > 0 {
				p.cpu = 100 * float64(st.utime+st.stime-min(p.ticks, st.utime+st.stime)) / float64(w.cfg.ClockTick) / dt
				p.ticks = st.utime + st.stime
			}
			if p.name != string(st.comm) { // no allocation when equal
				p.name = cut(string(st.comm), wire.MaxStringBytes)
			}
			p.rss = st.rssPages * uint64(w.cfg.PageSize)
			if !known { // after the last use of st: identify reads into the same buffer
				w.identify(path[:base+len(name)], p, now)
			}
			p.seen = w.walks
			visit(k, p, !known)
		}
	}
}

// procSuperMagic is procfs's f_type in statfs(2).
const procSuperMagic = 0x9fa0

// maxStatFDs bounds the /proc/PID/stat files kept open between walks (see readStat).
const maxStatFDs = 2048

// statFD is an open /proc/PID/stat, the walk that last read it, and the process's open
// /proc/PID/io (0 = not opened yet, -1 = not readable).
type statFD struct {
	fd   int
	seen uint64
	ioFD int
}

func (f *statFD) close() {
	syscall.Close(f.fd)
	if f.ioFD > 0 {
		syscall.Close(f.ioFD)
	}
}

// readStat reads /proc/PID/stat into the buffer. The file is kept open between walks and
// re-read with pread at offset 0 (procfs regenerates it on every read), which turns three
// system calls per process and walk (open, read, close) into one; on a VM, where a system
// call costs microseconds, that is most of a walk's time. An open file refers to its process,
// not its PID: once the process exits the read fails (ESRCH) and the PID, possibly reused, is
// opened afresh.
//
// Files are kept open only on a real procfs: elsewhere (fixture trees in tests) a file is
// not regenerated on read, and an open one would go on showing old contents.
func (w *Walker) readStat(pid uint32, path []byte) ([]byte, error) {
	if w.statFDs == nil {
		w.statFDs = map[uint32]*statFD{}
		var fs syscall.Statfs_t
		w.keepFDs = syscall.Statfs(w.proc, &fs) == nil && fs.Type == procSuperMagic
	}
	if !w.keepFDs {
		return w.readFile(string(path))
	}
	if f, ok := w.statFDs[pid]; ok {
		b, err := w.pread(f.fd)
		if err == nil {
			f.seen = w.walks
			return b, nil
		}
		f.close()
		delete(w.statFDs, pid)
	}
	fd, err := syscall.Open(string(path), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	b, err := w.pread(fd)
	if err != nil || len(w.statFDs) >= maxStatFDs {
		syscall.Close(fd)
		return b, err
	}
	w.statFDs[pid] = &statFD{fd: fd, seen: w.walks}
	return b, nil
}

// pread reads a whole small file from offset 0 into the buffer.
func (w *Walker) pread(fd int) ([]byte, error) {
	b := w.buf[:cap(w.buf)]
	for {
		n, err := syscall.Pread(fd, b, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n < len(b) {
			w.buf = b
			return b[:n], nil
		}
		if len(b) >= 1<<20 {
			return nil, fmt.Errorf("/proc stat file larger than 1 MiB")
		}
		b = make([]byte, 2*len(b)) // a stat line is ~300 bytes: this almost never happens
	}
}

// closeStale closes the stat files of processes this walk did not see.
func (w *Walker) closeStale() {
	for pid, f := range w.statFDs {
		if f.seen != w.walks {
			f.close()
			delete(w.statFDs, pid)
		}
	}
}

// Close releases the files kept open between walks.
func (w *Walker) Close() error {
	for pid, f := range w.statFDs {
		f.close()
		delete(w.statFDs, pid)
	}
	return nil
}

// identify reads what is read once per process: its user and command line. Kernel threads
// have no command line; like ps, they show their name in brackets.
func (w *Walker) identify(dir []byte, p *proc, now time.Time) {
	if b, err := w.readFile(string(dir) + "/status"); err == nil {
		if uid, ok := parseUID(b); ok {
			p.user = cut(w.userName(uid, now), wire.MaxStringBytes)
		}
	}
	if b, err := w.readFile(string(dir) + "/cmdline"); err == nil {
		p.cmdline = cmdline(b, wire.MaxCmdlineBytes)
	}
	if p.cmdline == "" {
		p.cmdline = "[" + p.name + "]"
	}
}

// readIO reads /proc/PID/io of a reported process and sets its I/O rates: -1 when the file is
// not readable (another user's process) or there is no earlier reading from the walk before.
func (w *Walker) readIO(k key, p *proc, dt float64) {
	p.readBps, p.writeBps = -1, -1
	b, err := w.ioFile(k.pid)
	if err != nil {
		p.ioSeen = 0
		return
	}
	r, wr, ok := parseIO(b)
	if !ok {
		p.ioSeen = 0
		return
	}
	if p.ioSeen == w.walks-1 && p.ioSeen != 0 && dt > 0 {
		p.readBps = int64(float64(r-min(p.ioRead, r)) / dt)
		p.writeBps = int64(float64(wr-min(p.ioWrite, wr)) / dt)
	}
	p.ioRead, p.ioWrite, p.ioSeen = r, wr, w.walks
}

// ioFile reads /proc/PID/io. On a real procfs the file is kept open beside the process's stat
// file (the full table reads it every second for every process), and a process whose file
// cannot be opened (another user's, for an unprivileged agent) is not tried again.
func (w *Walker) ioFile(pid uint32) ([]byte, error) {
	path := filepath.Join(w.proc, strconv.FormatUint(uint64(pid), 10), "io")
	f := w.statFDs[pid]
	if !w.keepFDs || f == nil {
		return w.readFile(path)
	}
	switch {
	case f.ioFD < 0:
		return nil, syscall.EACCES
	case f.ioFD == 0:
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			f.ioFD = -1
			return nil, err
		}
		f.ioFD = fd
	}
	b, err := w.pread(f.ioFD)
	if err != nil {
		syscall.Close(f.ioFD)
		f.ioFD = -1
	}
	return b, err
}

// readFile reads a whole file into the reused buffer; the result is valid until the next call.
// Plain system calls, like the metrics collector's readFile, because os.Open registers every
// file with the runtime poller and allocates, which at hundreds of files per walk shows.
func (w *Walker) readFile(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	b := w.buf[:0]
	for {
		if len(b) == cap(b) {
			if len(b) >= 1<<20 {
				return nil, fmt.Errorf("read %s: larger than 1 MiB", path)
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := syscall.Read(fd, b[len(b):cap(b)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			break
		}
		b = b[:len(b)+n]
	}
	w.buf = b
	return b, nil
}
