package wire

import (
	"fmt"
	"math"
)

// Protocol version 2 adds three best-effort message types that sit beside the snapshot stream:
// process samples, process start/exit events, and service and container states. They are not
// spooled or acknowledged (a missed process sample is replaced by the next one), they carry
// strings instead of dictionary series (process names come and go far too often for the
// dictionary), and only connections whose hello said version 2 or later may send them.

// Limits of the version 2 messages.
const (
	MaxProcs        = 10000 // processes in one sample (the full table while watched live)
	MaxProcEvents   = 1000  // events in one frame, and the agent's buffer while disconnected
	MaxServices     = 1000
	MaxContainers   = 1000
	MaxCmdlineBytes = 1024 // a command line is cut to this many bytes by the agent
)

// Process is one process in a sample. PID and StartMs together are its identity: PIDs are
// reused, start times are not.
type Process struct {
	PID     uint32
	StartMs int64 // start time, unix milliseconds
	Name    string
	User    string
	Cmdline string
	CPU     float64 // percent of one core over the sampling interval, 0.01 resolution
	RSS     uint64  // resident memory, bytes
	// ReadBps and WriteBps are storage I/O rates in bytes/s, -1 when not readable (another
	// user's process) or not yet known (first sample of the process).
	ReadBps, WriteBps int64
}

// Procs is a process sample: the top processes by CPU and by memory, or every process while
// someone watches the host live (Full).
type Procs struct {
	TimeMs int64
	Full   bool
	Total  uint32 // processes on the host, including those not in the sample
	Procs  []Process
}

// ProcEventKind says whether a process started or exited.
type ProcEventKind uint8

// Process event kinds.
const (
	ProcStart ProcEventKind = 1
	ProcExit  ProcEventKind = 2
)

// ProcEvent is a process the agent saw appear or disappear between two process walks.
type ProcEvent struct {
	Kind    ProcEventKind
	TimeMs  int64 // the walk that noticed it
	PID     uint32
	StartMs int64
	Name    string
	User    string
	Cmdline string
}

// ProcEvents carries process start and exit events, oldest first.
type ProcEvents struct{ Events []ProcEvent }

// ServiceState is a service's health as the agent judged it.
type ServiceState uint8

// Service states. The values are part of the protocol.
const (
	ServiceUnknown  ServiceState = 0
	ServiceHealthy  ServiceState = 1
	ServiceDegraded ServiceState = 2
	ServiceDown     ServiceState = 3
)

// String is the state's name in the API.
func (s ServiceState) String() string {
	switch s {
	case ServiceHealthy:
		return "healthy"
	case ServiceDegraded:
		return "degraded"
	case ServiceDown:
		return "down"
	}
	return "unknown"
}

// Service is one watched service: Kind is systemd, process, tcp or http; Reason says why the
// state is what it is ("active (running)", "connection refused", "HTTP 503").
type Service struct {
	Kind   string
	Name   string
	State  ServiceState
	Reason string
}

// Container is one Docker container.
type Container struct {
	ID, Name, Image string
	State           string // Docker's state: running, exited, restarting, …
	Health          string // healthy, unhealthy, starting, or "" without a health check
	Restarts        uint32
	CPU             float64 // percent of one core, 0.01 resolution
	MemBytes        uint64
	MemLimit        uint64
	RxBps, TxBps    uint64 // network bytes/s
}

// Services reports every watched service and container at one instant.
type Services struct {
	TimeMs     int64
	Services   []Service
	Containers []Container
}

// ProcID is a process identity. Both ends of a connection remember the identities (and their
// strings) of the previous process sample, so that a process already listed there is sent
// without its name, user and command line: a steady-state sample of the top processes then
// costs about a dozen bytes per process instead of a hundred or more.
type ProcID struct {
	PID     uint32
	StartMs int64
}

type procStrings struct{ name, user, cmdline string }

func (*Procs) Type() Type      { return TypeProcs }
func (*ProcEvents) Type() Type { return TypeProcEvents }
func (*Services) Type() Type   { return TypeServices }

func checkStrings(what string, max int, ss ...string) error {
	for _, s := range ss {
		if len(s) > max {
			return fmt.Errorf("%s: string of %d bytes above %d", what, len(s), max)
		}
	}
	return nil
}

// centi turns a percentage into hundredths for the wire, clamping nonsense to 0.
func centi(v float64) uint64 {
	if !(v > 0) || v > 1e9 {
		return 0
	}
	return uint64(math.Round(v * 100))
}

// unknownable encodes -1 (unknown) as 0 and n ≥ 0 as n+1.
func unknownable(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v) + 1
}

// Procs encodes a process sample.
func (e *Encoder) Procs(p *Procs) ([]byte, error) {
	if len(p.Procs) > MaxProcs {
		return nil, fmt.Errorf("procs: %d processes above limit %d", len(p.Procs), MaxProcs)
	}
	var w writer
	w.varint(p.TimeMs)
	if p.Full {
		w.byte1(1)
	} else {
		w.byte1(0)
	}
	w.uvarint(uint64(p.Total))
	w.uvarint(uint64(len(p.Procs)))
	next := make(map[ProcID]procStrings, len(p.Procs))
	for _, q := range p.Procs {
		if err := checkStrings("procs", MaxStringBytes, q.Name, q.User); err != nil {
			return nil, err
		}
		if err := checkStrings("procs", MaxCmdlineBytes, q.Cmdline); err != nil {
			return nil, err
		}
		id, strs := ProcID{q.PID, q.StartMs}, procStrings{q.Name, q.User, q.Cmdline}
		if _, dup := next[id]; dup {
			return nil, fmt.Errorf("procs: process %d started at %d listed twice", q.PID, q.StartMs)
		}
		next[id] = strs
		w.uvarint(uint64(q.PID))
		w.varint(q.StartMs)
		if prev, ok := e.procs[id]; ok && prev == strs {
			w.byte1(0) // same strings as in the previous sample
		} else {
			w.byte1(1)
			w.str(q.Name)
			w.str(q.User)
			w.str(q.Cmdline)
		}
		w.uvarint(centi(q.CPU))
		w.uvarint(q.RSS)
		w.uvarint(unknownable(q.ReadBps))
		w.uvarint(unknownable(q.WriteBps))
	}
	e.procs = next
	return e.c.frame(TypeProcs, w.b), nil
}

// ProcEvents encodes process events.
func (e *Encoder) ProcEvents(m *ProcEvents) ([]byte, error) {
	if len(m.Events) > MaxProcEvents {
		return nil, fmt.Errorf("proc events: %d events above limit %d", len(m.Events), MaxProcEvents)
	}
	var w writer
	w.uvarint(uint64(len(m.Events)))
	for _, ev := range m.Events {
		if ev.Kind != ProcStart && ev.Kind != ProcExit {
			return nil, fmt.Errorf("proc events: unknown kind %d", ev.Kind)
		}
		if err := checkStrings("proc events", MaxStringBytes, ev.Name, ev.User); err != nil {
			return nil, err
		}
		if err := checkStrings("proc events", MaxCmdlineBytes, ev.Cmdline); err != nil {
			return nil, err
		}
		w.byte1(byte(ev.Kind))
		w.varint(ev.TimeMs)
		w.uvarint(uint64(ev.PID))
		w.varint(ev.StartMs)
		w.str(ev.Name)
		w.str(ev.User)
		w.str(ev.Cmdline)
	}
	return e.c.frame(TypeProcEvents, w.b), nil
}

// Services encodes service and container states.
func (e *Encoder) Services(s *Services) ([]byte, error) {
	if len(s.Services) > MaxServices || len(s.Containers) > MaxContainers {
		return nil, fmt.Errorf("services: %d services, %d containers above limits %d, %d", len(s.Services), len(s.Containers), MaxServices, MaxContainers)
	}
	var w writer
	w.varint(s.TimeMs)
	w.uvarint(uint64(len(s.Services)))
	for _, v := range s.Services {
		if v.State > ServiceDown {
			return nil, fmt.Errorf("services: %q has unknown state %d", v.Name, v.State)
		}
		if err := checkStrings("services", MaxStringBytes, v.Kind, v.Name, v.Reason); err != nil {
			return nil, err
		}
		w.str(v.Kind)
		w.str(v.Name)
		w.byte1(byte(v.State))
		w.str(v.Reason)
	}
	w.uvarint(uint64(len(s.Containers)))
	for _, c := range s.Containers {
		if err := checkStrings("containers", MaxStringBytes, c.ID, c.Name, c.Image, c.State, c.Health); err != nil {
			return nil, err
		}
		w.str(c.ID)
		w.str(c.Name)
		w.str(c.Image)
		w.str(c.State)
		w.str(c.Health)
		w.uvarint(uint64(c.Restarts))
		w.uvarint(centi(c.CPU))
		w.uvarint(c.MemBytes)
		w.uvarint(c.MemLimit)
		w.uvarint(c.RxBps)
		w.uvarint(c.TxBps)
	}
	return e.c.frame(TypeServices, w.b), nil
}

func (d *Decoder) readProcs(r *reader) *Procs {
	p := &Procs{TimeMs: r.varint("procs time")}
	switch f := r.byte1("procs flags"); {
	case r.err != nil:
	case f > 1:
		r.fail("unknown procs flags %#x", f)
	default:
		p.Full = f == 1
	}
	p.Total = uint32(r.bounded("process total", math.MaxUint32))
	n := int(r.bounded("process count", MaxProcs))
	if r.err != nil {
		return p
	}
	p.Procs = make([]Process, 0, min(n, len(r.b)/8+1))
	next := make(map[ProcID]procStrings, min(n, len(r.b)/8+1))
	for i := 0; i < n && r.err == nil; i++ {
		q := Process{PID: uint32(r.bounded("pid", math.MaxUint32)), StartMs: r.varint("process start")}
		id := ProcID{q.PID, q.StartMs}
		switch f := r.byte1("process flags"); {
		case r.err != nil:
		case f == 1:
			q.Name = r.str("process name", MaxStringBytes)
			q.User = r.str("process user", MaxStringBytes)
			q.Cmdline = r.str("process command line", MaxCmdlineBytes)
		case f == 0:
			prev, ok := d.procs[id]
			if !ok {
				r.fail("process %d started at %d has no strings and was not in the previous sample", q.PID, q.StartMs)
			}
			q.Name, q.User, q.Cmdline = prev.name, prev.user, prev.cmdline
		default:
			r.fail("unknown process flags %#x", f)
		}
		if _, dup := next[id]; dup && r.err == nil {
			r.fail("process %d started at %d listed twice", q.PID, q.StartMs)
		}
		next[id] = procStrings{q.Name, q.User, q.Cmdline}
		q.CPU = float64(r.bounded("process cpu", 1<<40)) / 100
		q.RSS = r.uvarint("process rss")
		q.ReadBps = int64(r.bounded("process read rate", math.MaxInt64)) - 1
		q.WriteBps = int64(r.bounded("process write rate", math.MaxInt64)) - 1
		p.Procs = append(p.Procs, q)
	}
	if r.err == nil {
		d.procs = next
	}
	return p
}

func readProcEvents(r *reader) *ProcEvents {
	n := int(r.bounded("process event count", MaxProcEvents))
	m := &ProcEvents{}
	if r.err != nil {
		return m
	}
	m.Events = make([]ProcEvent, 0, min(n, len(r.b)/6+1))
	for i := 0; i < n && r.err == nil; i++ {
		ev := ProcEvent{Kind: ProcEventKind(r.byte1("process event kind"))}
		if r.err == nil && ev.Kind != ProcStart && ev.Kind != ProcExit {
			r.fail("unknown process event kind %d", ev.Kind)
		}
		ev.TimeMs = r.varint("process event time")
		ev.PID = uint32(r.bounded("pid", math.MaxUint32))
		ev.StartMs = r.varint("process start")
		ev.Name = r.str("process name", MaxStringBytes)
		ev.User = r.str("process user", MaxStringBytes)
		ev.Cmdline = r.str("process command line", MaxCmdlineBytes)
		m.Events = append(m.Events, ev)
	}
	return m
}

func readServices(r *reader) *Services {
	s := &Services{TimeMs: r.varint("services time")}
	n := int(r.bounded("service count", MaxServices))
	if r.err != nil {
		return s
	}
	s.Services = make([]Service, 0, min(n, len(r.b)/4+1))
	for i := 0; i < n && r.err == nil; i++ {
		v := Service{Kind: r.str("service kind", MaxStringBytes), Name: r.str("service name", MaxStringBytes)}
		v.State = ServiceState(r.byte1("service state"))
		if r.err == nil && v.State > ServiceDown {
			r.fail("service %q: unknown state %d", v.Name, v.State)
		}
		v.Reason = r.str("service reason", MaxStringBytes)
		s.Services = append(s.Services, v)
	}
	m := int(r.bounded("container count", MaxContainers))
	if r.err != nil {
		return s
	}
	s.Containers = make([]Container, 0, min(m, len(r.b)/11+1))
	for i := 0; i < m && r.err == nil; i++ {
		c := Container{
			ID: r.str("container id", MaxStringBytes), Name: r.str("container name", MaxStringBytes),
			Image: r.str("container image", MaxStringBytes), State: r.str("container state", MaxStringBytes),
			Health: r.str("container health", MaxStringBytes),
		}
		c.Restarts = uint32(r.bounded("container restarts", math.MaxUint32))
		c.CPU = float64(r.bounded("container cpu", 1<<40)) / 100
		c.MemBytes = r.uvarint("container memory")
		c.MemLimit = r.uvarint("container memory limit")
		c.RxBps = r.uvarint("container receive rate")
		c.TxBps = r.uvarint("container transmit rate")
		s.Containers = append(s.Containers, c)
	}
	return s
}
