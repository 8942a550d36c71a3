// Package procs watches a host's processes through /proc under a configurable root: the top
// processes by CPU and by memory on every walk (the whole table while someone watches the host
// live), and start and exit events between walks, so that the hub can draw a timeline.
//
// A walk reads one file per process (/proc/PID/stat) into a reused buffer. What costs more is
// read once per process identity (PID plus start time, since PIDs are reused): its user from
// /proc/PID/status and its command line. I/O counters (/proc/PID/io) are read only for the
// processes reported, and only the agent's own user's processes (or all of them, when the agent
// runs as root) are readable: others report their I/O rates as unknown.
//
// Processes that start and exit between two walks are not seen; the walk interval (10 s by
// default, 1 s while watched live) bounds what the timeline misses.
package procs

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// Config says where to read and how much to report.
type Config struct {
	Root string // filesystem root; /proc and /etc/passwd are read under it. "" = "/"
	Top  int    // processes reported by CPU and, separately, by memory (default 10)
	// PageSize is the kernel page size in bytes (RSS in /proc/PID/stat counts pages); 0 means
	// this machine's. ClockTick is USER_HZ, the unit of CPU times in /proc (0 means 100, which
	// is what Linux exposes to user space on every architecture Go supports).
	PageSize  int
	ClockTick int
}

// key is a process identity: a PID is reused, a (PID, start time) pair is not.
type key struct {
	pid   uint32
	start uint64 // clock ticks after boot
}

// proc is what the Walker remembers about one process between walks.
type proc struct {
	name, user, cmdline string
	ticks               uint64 // utime + stime
	cpu                 float64
	rss                 uint64
	seen                uint64 // walk number that last saw it
	ioRead, ioWrite     uint64
	ioSeen              uint64 // walk number of the last readable /proc/PID/io, 0 = never
	readBps, writeBps   int64
}

// Walker keeps the previous walk to compute CPU and I/O rates and to find starts and exits.
// It is not safe for concurrent use.
type Walker struct {
	cfg       Config
	proc      string // Root/proc
	passwd    string // Root/etc/passwd
	buf       []byte // the file read last; parsers point into it
	dirbuf    []byte
	bootMs    int64 // boot time, unix ms, read once from /proc/stat
	procs     map[key]*proc
	walks     uint64
	prevTime  time.Time
	users     map[uint32]string
	usersRead time.Time
	statFDs   map[uint32]*statFD // open /proc/PID/stat files (Linux; see readStat)
	keepFDs   bool               // the root's /proc is a real procfs
}

// New returns a Walker reading under cfg.Root.
func New(cfg Config) *Walker {
	if cfg.Root == "" {
		cfg.Root = "/"
	}
	if cfg.Top <= 0 {
		cfg.Top = 10
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = os.Getpagesize()
	}
	if cfg.ClockTick <= 0 {
		cfg.ClockTick = 100
	}
	return &Walker{
		cfg:    cfg,
		proc:   filepath.Join(cfg.Root, "proc"),
		passwd: filepath.Join(cfg.Root, "etc", "passwd"),
		buf:    make([]byte, 0, 4<<10),
		procs:  map[key]*proc{},
		bootMs: -1,
	}
}

// Walk reads every process. It returns the sample to report (the top processes, or all of them
// when full) and the processes that started or exited since the previous walk, oldest first.
// The first walk reports no events and no CPU or I/O rates: there is nothing to compare with.
func (w *Walker) Walk(now time.Time, full bool) (wire.Procs, []wire.ProcEvent, error) {
	dt := 0.0
	if !w.prevTime.IsZero() {
		dt = now.Sub(w.prevTime).Seconds()
	}
	w.walks++
	first := w.walks == 1
	var events []wire.ProcEvent
	total, err := w.walkOS(now, func(k key, p *proc, isNew bool) {
		if isNew && !first {
			events = append(events, w.event(wire.ProcStart, now, k, p))
		}
	}, dt)
	if err != nil {
		return wire.Procs{TimeMs: now.UnixMilli()}, nil, err
	}
	for k, p := range w.procs {
		if p.seen != w.walks {
			events = append(events, w.event(wire.ProcExit, now, k, p))
			delete(w.procs, k)
		}
	}
	slices.SortFunc(events, func(a, b wire.ProcEvent) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.PID, b.PID), cmp.Compare(a.StartMs, b.StartMs))
	})
	w.prevTime = now
	out := wire.Procs{TimeMs: now.UnixMilli(), Full: full, Total: uint32(total)}
	for _, k := range w.pick(full) {
		p := w.procs[k]
		w.readIO(k, p, dt)
		out.Procs = append(out.Procs, wire.Process{PID: k.pid, StartMs: w.startMs(k), Name: p.name, User: p.user,
			Cmdline: p.cmdline, CPU: p.cpu, RSS: p.rss, ReadBps: p.readBps, WriteBps: p.writeBps})
	}
	return out, events, nil
}

// pick chooses the processes to report: the top N by CPU and the top N by RSS (in that order,
// without repeats), or every process by PID when full.
func (w *Walker) pick(full bool) []key {
	keys := make([]key, 0, len(w.procs))
	for k := range w.procs {
		keys = append(keys, k)
	}
	byPID := func(a, b key) int { return cmp.Or(cmp.Compare(a.pid, b.pid), cmp.Compare(a.start, b.start)) }
	if full {
		slices.SortFunc(keys, byPID)
		return keys
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(w.procs[b].cpu, w.procs[a].cpu), byPID(a, b)) })
	out := slices.Clone(keys[:min(w.cfg.Top, len(keys))])
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(w.procs[b].rss, w.procs[a].rss), byPID(a, b)) })
	for _, k := range keys[:min(w.cfg.Top, len(keys))] {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func (w *Walker) event(kind wire.ProcEventKind, now time.Time, k key, p *proc) wire.ProcEvent {
	return wire.ProcEvent{Kind: kind, TimeMs: now.UnixMilli(), PID: k.pid, StartMs: w.startMs(k), Name: p.name, User: p.user, Cmdline: p.cmdline}
}

// startMs converts a start time in clock ticks after boot to unix milliseconds.
func (w *Walker) startMs(k key) int64 {
	if w.bootMs < 0 {
		return 0
	}
	return w.bootMs + int64(k.start)*1000/int64(w.cfg.ClockTick)
}

// userName maps a uid to its name from /etc/passwd under the root, re-reading the file at most
// once a minute when a uid is not in it (a user added since), and falling back to the number.
func (w *Walker) userName(uid uint32, now time.Time) string {
	if name, ok := w.users[uid]; ok {
		return name
	}
	if w.users == nil || now.Sub(w.usersRead) > time.Minute {
		w.usersRead = now
		w.users = map[uint32]string{}
		if b, err := os.ReadFile(w.passwd); err == nil {
			parsePasswd(b, w.users)
		}
		if name, ok := w.users[uid]; ok {
			return name
		}
	}
	return strconv.FormatUint(uint64(uid), 10)
}
