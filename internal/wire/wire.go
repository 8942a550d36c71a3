// Package wire defines the binary protocol between vigil-agent and the hub: message types, their
// encoding, and the limits a decoder enforces. It is imported by both sides and imports nothing of
// this module, so the agent binary stays small. The specification is docs/protocol.md; golden
// frames live in testdata/.
//
// A frame is one WebSocket binary message: a type byte, a flags byte, then the body. Bodies longer
// than compressThreshold are zstd-compressed (flag bit 0). Snapshot values travel as deltas against
// the previous live snapshot of the same connection, so a steady-state snapshot of ~150 values
// costs well under 250 bytes without relying on compression of tiny frames.
package wire

import (
	"errors"
	"fmt"
)

// Version is the protocol version this package speaks. MinVersion is the oldest a hub accepts.
const (
	Version    = 3
	MinVersion = 1
)

// Limits a decoder enforces. They bound the memory one connection can make the hub spend.
const (
	MaxFrameBytes     = 1 << 20 // compressed frame on the wire
	MaxDecodedBytes   = 4 << 20 // body after decompression
	MaxSeries         = 10000   // dictionary entries per connection
	MaxBatchSnapshots = 1000    // snapshots in one batch frame
	MaxStringBytes    = 256     // series names, labels, units, versions
	MaxFactsBytes     = 16 << 10
	MaxMessageBytes   = 1024 // error messages
	MaxScale          = 9    // decimal digits kept per series
	MaxAckRanges      = 1024
	compressThreshold = 512
)

// Type identifies a message. The values are part of the protocol; never renumber.
type Type byte

// Message types, in the direction noted.
const (
	TypeHello   Type = 1 // agent → hub, first frame
	TypeWelcome Type = 2 // hub → agent, answer to hello
	TypeBatch   Type = 3 // agent → hub, snapshots
	TypeAck     Type = 4 // hub → agent, durable sequence ranges
	TypeCommand Type = 5 // hub → agent
	TypeError   Type = 6 // either way, then the sender closes
	TypeDict    Type = 7 // agent → hub, new series after hello

	// Version 2 (best effort, never acknowledged; see extra.go).
	TypeProcs      Type = 8  // agent → hub, process sample
	TypeProcEvents Type = 9  // agent → hub, process start/exit events
	TypeServices   Type = 10 // agent → hub, services and containers

	// Version 3 (best effort; see probes.go).
	TypeProbeChecks  Type = 11 // hub → agent, the checks the agent runs
	TypeProbeResults Type = 12 // agent → hub, probe results
)

const flagZstd = 1 << 0

// Message is one decoded frame: *Hello, *Welcome, *Batch, *Ack, *Command, *Error, *Dict, or
// (version 2) *Procs, *ProcEvents or *Services, or (version 3) *ProbeChecks or *ProbeResults.
type Message interface{ Type() Type }

// Series is one dictionary entry: the agent assigns IDs densely from 0 and never reuses them
// within a connection. Scale is the number of decimal digits the agent kept, which lets values
// travel as exact integers.
type Series struct {
	ID    uint32
	Name  string
	Label string
	Unit  string
	Scale uint8
}

// Hello opens a connection. Facts is the host facts document as JSON. Probes (version 3 and
// later only) says the agent's operator enabled remote probes.
type Hello struct {
	Version      uint32
	AgentVersion string
	Facts        []byte
	IntervalMs   uint32
	Series       []Series
	Probes       bool
}

// Welcome answers a hello that the hub accepted.
type Welcome struct {
	Version    uint32
	HostID     uint64
	IntervalMs uint32 // interval the hub asks for; 0 keeps the agent's own
	Live       bool   // someone is watching: collect every second
}

// Dict extends the connection's dictionary with series that appeared after hello.
type Dict struct{ Series []Series }

// Value is one sample of a series at a snapshot's time.
type Value struct {
	ID uint32
	V  float64
}

// Snapshot is every value the agent collected at one instant. Values are sorted by ID.
type Snapshot struct {
	Seq    uint64
	TimeMs int64
	Values []Value
}

// Batch carries snapshots. A live batch continues the connection's delta context; a backlog
// batch (spooled snapshots resent after an outage) is self-contained so that it can interleave
// with live data without disturbing it.
type Batch struct {
	Backlog   bool
	Snapshots []Snapshot
}

// SeqRange is an inclusive range of snapshot sequence numbers.
type SeqRange struct{ From, To uint64 }

// Ack tells the agent which snapshots are durable on the hub and may leave its spool.
type Ack struct{ Ranges []SeqRange }

// CommandKind is what the hub asks an agent to do.
type CommandKind uint8

// Commands. Arg is the interval in milliseconds for CommandSetInterval and unused otherwise.
const (
	CommandSetInterval CommandKind = 1
	CommandLiveOn      CommandKind = 2
	CommandLiveOff     CommandKind = 3
)

// Command is sent by the hub at any time after welcome.
type Command struct {
	Kind CommandKind
	Arg  uint64
}

// ErrorCode classifies an Error message.
type ErrorCode uint16

// Error codes.
const (
	CodeProtocol     ErrorCode = 1 // malformed or oversized frame
	CodeVersion      ErrorCode = 2 // unsupported protocol version
	CodeUnauthorized ErrorCode = 3
	CodeLimit        ErrorCode = 4 // a limit was exceeded
	CodeInternal     ErrorCode = 5 // the hub could not store data; retry later
)

// Error is sent before the sender closes the connection.
type Error struct {
	Code    ErrorCode
	Message string
}

func (*Hello) Type() Type   { return TypeHello }
func (*Welcome) Type() Type { return TypeWelcome }
func (*Dict) Type() Type    { return TypeDict }
func (*Batch) Type() Type   { return TypeBatch }
func (*Ack) Type() Type     { return TypeAck }
func (*Command) Type() Type { return TypeCommand }
func (*Error) Type() Type   { return TypeError }

// ErrMalformed wraps every decoding failure, so callers can tell protocol errors from I/O errors.
var ErrMalformed = errors.New("malformed frame")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
