package wire

import "fmt"

// Encoder turns messages into frames for one connection. It remembers the dictionary and the
// live delta context, so it must see every frame of its connection in order and is not safe for
// concurrent use. Start a new Encoder for every new connection.
type Encoder struct {
	c      *Compressor
	scales []uint8
	live   deltaContext
	procs  map[ProcID]procStrings // processes of the previous procs frame (see ProcID)
}

// NewEncoder returns an Encoder for a fresh connection.
func NewEncoder(c *Compressor) *Encoder { return &Encoder{c: c} }

func (e *Encoder) addSeries(w *writer, series []Series) error {
	if len(e.scales)+len(series) > MaxSeries {
		return fmt.Errorf("dictionary would hold %d series, limit %d", len(e.scales)+len(series), MaxSeries)
	}
	w.uvarint(uint64(len(series)))
	for _, s := range series {
		if int(s.ID) != len(e.scales) {
			return fmt.Errorf("series %q: id %d, want next id %d", s.Name, s.ID, len(e.scales))
		}
		if s.Scale > MaxScale {
			return fmt.Errorf("series %q: scale %d above %d", s.Name, s.Scale, MaxScale)
		}
		for _, str := range []string{s.Name, s.Label, s.Unit} {
			if len(str) > MaxStringBytes {
				return fmt.Errorf("series %q: string of %d bytes above %d", s.Name, len(str), MaxStringBytes)
			}
		}
		w.str(s.Name)
		w.str(s.Label)
		w.str(s.Unit)
		w.byte1(s.Scale)
		e.scales = append(e.scales, s.Scale)
	}
	return nil
}

// Hello encodes the opening frame and starts the dictionary with h.Series.
func (e *Encoder) Hello(h *Hello) ([]byte, error) {
	if len(h.Facts) > MaxFactsBytes || len(h.AgentVersion) > MaxStringBytes {
		return nil, fmt.Errorf("hello: facts (%d bytes) or version (%d bytes) too long", len(h.Facts), len(h.AgentVersion))
	}
	var w writer
	w.uvarint(uint64(h.Version))
	w.str(h.AgentVersion)
	w.bytes(h.Facts)
	w.uvarint(uint64(h.IntervalMs))
	if err := e.addSeries(&w, h.Series); err != nil {
		return nil, fmt.Errorf("hello: %w", err)
	}
	if h.Version >= 3 { // versions 1 and 2 end here: their hellos stay byte for byte the same
		var flags byte
		if h.Probes {
			flags |= HelloProbes
		}
		w.byte1(flags)
	} else if h.Probes {
		return nil, fmt.Errorf("hello: probes need protocol version 3, hello says %d", h.Version)
	}
	return e.c.frame(TypeHello, w.b), nil
}

// Dict encodes new series; their IDs must continue the dictionary.
func (e *Encoder) Dict(d *Dict) ([]byte, error) {
	var w writer
	if err := e.addSeries(&w, d.Series); err != nil {
		return nil, fmt.Errorf("dict: %w", err)
	}
	return e.c.frame(TypeDict, w.b), nil
}

// Batch encodes snapshots. Live batches advance the connection's delta context; backlog
// batches use a fresh context of their own.
func (e *Encoder) Batch(b *Batch) ([]byte, error) {
	if len(b.Snapshots) > MaxBatchSnapshots {
		return nil, fmt.Errorf("batch of %d snapshots above limit %d", len(b.Snapshots), MaxBatchSnapshots)
	}
	var w writer
	ctx := &e.live
	if b.Backlog {
		w.byte1(1)
		ctx = &deltaContext{}
	} else {
		w.byte1(0)
	}
	w.uvarint(uint64(len(b.Snapshots)))
	saved := e.live.clone()
	for i := range b.Snapshots {
		if err := appendSnapshot(&w, ctx, e.scales, &b.Snapshots[i]); err != nil {
			e.live = saved // a failed batch is not sent, so the peer's context never saw it
			return nil, fmt.Errorf("batch: %w", err)
		}
	}
	return e.c.frame(TypeBatch, w.b), nil
}

func (c *deltaContext) clone() deltaContext {
	return deltaContext{
		seq: c.seq, timeMs: c.timeMs,
		present:  append([]bool(nil), c.present...),
		prevBits: append([]uint64(nil), c.prevBits...),
		prevInt:  append([]int64(nil), c.prevInt...),
	}
}

// Welcome encodes the hub's answer to hello.
func (e *Encoder) Welcome(m *Welcome) []byte {
	var w writer
	w.uvarint(uint64(m.Version))
	w.uvarint(m.HostID)
	w.uvarint(uint64(m.IntervalMs))
	if m.Live {
		w.byte1(1)
	} else {
		w.byte1(0)
	}
	return e.c.frame(TypeWelcome, w.b)
}

// Ack encodes durable ranges; each range after the first is sent relative to the previous end.
func (e *Encoder) Ack(a *Ack) []byte {
	var w writer
	w.uvarint(uint64(len(a.Ranges)))
	var prev uint64
	for _, r := range a.Ranges {
		w.varint(int64(r.From - prev))
		w.uvarint(r.To - r.From)
		prev = r.To
	}
	return e.c.frame(TypeAck, w.b)
}

// Command encodes a hub command.
func (e *Encoder) Command(m *Command) []byte {
	var w writer
	w.byte1(byte(m.Kind))
	w.uvarint(m.Arg)
	return e.c.frame(TypeCommand, w.b)
}

// Error encodes an error message, truncating the text to the limit.
func (e *Encoder) Error(m *Error) []byte {
	var w writer
	w.uvarint(uint64(m.Code))
	msg := m.Message
	if len(msg) > MaxMessageBytes {
		msg = msg[:MaxMessageBytes]
	}
	w.str(msg)
	return e.c.frame(TypeError, w.b)
}
