package wire

import "unique"

// Decoder turns frames of one connection back into messages, enforcing the limits. Like the
// Encoder it holds the dictionary and live delta context, sees frames in order and is not safe
// for concurrent use. A decoding error leaves the Decoder unusable: close the connection.
type Decoder struct {
	c *Compressor
	// scales holds each series' decimal scale, indexed by series ID: all the decoder needs of
	// the dictionary. The names are returned in the hello and dict messages and not kept
	// here: a hub holds thousands of decoders, and the caller keeps the names it needs.
	scales []uint8
	live   deltaContext
	// version is what the connection speaks: the hello's on the hub's side, the welcome's on
	// the agent's. Message types of version N are refused before version N is known.
	version uint32
	procs   map[ProcID]procStrings // processes of the previous procs frame (see ProcID)
}

// NewDecoder returns a Decoder for a fresh connection.
func NewDecoder(c *Compressor) *Decoder { return &Decoder{c: c} }

// Decode parses one frame. Every failure wraps ErrMalformed and names what was wrong.
func (d *Decoder) Decode(frame []byte) (Message, error) {
	t, body, err := d.c.open(frame)
	if err != nil {
		return nil, err
	}
	r := &reader{b: body}
	var m Message
	switch t {
	case TypeHello:
		m = d.hello(r)
	case TypeWelcome:
		w := &Welcome{}
		w.Version = uint32(r.bounded("version", 1<<16))
		w.HostID = r.uvarint("host id")
		w.IntervalMs = uint32(r.bounded("interval", 1<<31))
		switch live := r.byte1("live flag"); {
		case r.err != nil:
		case live > 1:
			r.fail("live flag %d", live)
		default:
			w.Live = live == 1
		}
		if r.err == nil {
			d.version = w.Version // the agent's side learns the connection's version here
		}
		m = w
	case TypeDict:
		m = &Dict{Series: d.readSeries(r)}
	case TypeBatch:
		m = d.batch(r)
	case TypeAck:
		m = readAck(r)
	case TypeCommand:
		c := &Command{Kind: CommandKind(r.byte1("command kind")), Arg: r.uvarint("command arg")}
		if r.err == nil && (c.Kind < CommandSetInterval || c.Kind > CommandLiveOff) {
			r.fail("unknown command %d", c.Kind)
		}
		m = c
	case TypeError:
		m = &Error{Code: ErrorCode(r.bounded("error code", 1<<16-1)), Message: r.str("error message", MaxMessageBytes)}
	case TypeProcs, TypeProcEvents, TypeServices:
		if d.version < 2 {
			return nil, malformed("%s frame needs protocol version 2, connection speaks %d", t, d.version)
		}
		switch t {
		case TypeProcs:
			m = d.readProcs(r)
		case TypeProcEvents:
			m = readProcEvents(r)
		default:
			m = readServices(r)
		}
	case TypeProbeChecks, TypeProbeResults:
		if d.version < 3 {
			return nil, malformed("%s frame needs protocol version 3, connection speaks %d", t, d.version)
		}
		if t == TypeProbeChecks {
			m = readProbeChecks(r)
		} else {
			m = readProbeResults(r)
		}
	}
	r.done(m.Type().String())
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

func (d *Decoder) hello(r *reader) *Hello {
	h := &Hello{}
	h.Version = uint32(r.bounded("version", 1<<16))
	h.AgentVersion = r.str("agent version", MaxStringBytes)
	if f := r.bytes("facts", MaxFactsBytes); len(f) > 0 {
		h.Facts = append([]byte(nil), f...)
	}
	h.IntervalMs = uint32(r.bounded("interval", 1<<31))
	if len(d.scales) != 0 && r.err == nil {
		r.fail("second hello on one connection")
	}
	h.Series = d.readSeries(r)
	if h.Version >= 3 && r.err == nil {
		switch f := r.byte1("hello flags"); {
		case r.err != nil:
		case f&^HelloProbes != 0:
			r.fail("unknown hello flags %#x", f)
		default:
			h.Probes = f&HelloProbes != 0
		}
	}
	if r.err == nil {
		d.version = h.Version
	}
	return h
}

func (d *Decoder) readSeries(r *reader) []Series {
	n := int(r.bounded("series count", MaxSeries))
	if r.err == nil && len(d.scales)+n > MaxSeries {
		r.fail("dictionary would hold %d series, limit %d", len(d.scales)+n, MaxSeries)
	}
	if r.err != nil {
		return nil
	}
	out := make([]Series, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		s := Series{ID: uint32(len(d.scales) + i)}
		// Interned: a hub holds the dictionaries of thousands of hosts, and most of their
		// names, labels and units are the same strings.
		s.Name = intern(r.str("series name", MaxStringBytes))
		s.Label = intern(r.str("series label", MaxStringBytes))
		s.Unit = intern(r.str("series unit", MaxStringBytes))
		s.Scale = r.byte1("series scale")
		if r.err == nil && s.Scale > MaxScale {
			r.fail("series %q: scale %d above %d", s.Name, s.Scale, MaxScale)
		}
		if r.err == nil && s.Name == "" {
			r.fail("series %d has an empty name", s.ID)
		}
		out = append(out, s)
	}
	if r.err == nil {
		for _, s := range out {
			d.scales = append(d.scales, s.Scale)
		}
	}
	return out
}

func (d *Decoder) batch(r *reader) *Batch {
	b := &Batch{}
	ctx := &d.live
	switch f := r.byte1("batch flags"); {
	case r.err != nil:
		return b
	case f == 1:
		b.Backlog = true
		ctx = &deltaContext{}
	case f != 0:
		r.fail("unknown batch flags %#x", f)
		return b
	}
	if len(d.scales) == 0 && r.err == nil {
		r.fail("batch before hello")
	}
	n := int(r.bounded("snapshot count", MaxBatchSnapshots))
	if r.err != nil {
		return b
	}
	b.Snapshots = make([]Snapshot, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		b.Snapshots = append(b.Snapshots, readSnapshot(r, ctx, d.scales))
	}
	return b
}

func readAck(r *reader) *Ack {
	n := int(r.bounded("ack range count", MaxAckRanges))
	a := &Ack{Ranges: make([]SeqRange, 0, n)}
	var prev uint64
	for i := 0; i < n && r.err == nil; i++ {
		from := prev + uint64(r.varint("ack from"))
		to := from + r.uvarint("ack length")
		if r.err == nil && to < from {
			r.fail("ack range %d..%d overflows", from, to)
		}
		a.Ranges = append(a.Ranges, SeqRange{From: from, To: to})
		prev = to
	}
	return a
}

// String names a message type for logs and errors.
func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeWelcome:
		return "welcome"
	case TypeBatch:
		return "batch"
	case TypeAck:
		return "ack"
	case TypeCommand:
		return "command"
	case TypeError:
		return "error"
	case TypeDict:
		return "dict"
	case TypeProcs:
		return "procs"
	case TypeProcEvents:
		return "proc_events"
	case TypeServices:
		return "services"
	case TypeProbeChecks:
		return "probe_checks"
	case TypeProbeResults:
		return "probe_results"
	}
	return "unknown"
}

// intern returns the process-wide copy of s (see unique.Make), so equal strings share memory.
func intern(s string) string { return unique.Make(s).Value() }
