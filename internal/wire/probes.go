package wire

import "fmt"

// Protocol version 3 adds remote probes (uptime checks an agent runs for the hub). The hello
// of a version 3 agent ends with a flags byte whose bit 0 says the operator started the agent
// with probes enabled; the hub sends such an agent the complete list of checks it should run
// (probe_checks), and the agent answers with results (probe_results). Both are best effort
// like the version 2 messages: a lost list is replaced by the next, a lost result by the next
// probe. An agent without probes enabled never gets a list and refuses one if sent.

// Limits of the version 3 messages.
const (
	MaxProbeChecks    = 1000      // checks one agent runs
	MaxProbeSpecBytes = 256 << 10 // one check's spec (JSON); bodies and headers make it large
	MaxProbeResults   = 1000      // results in one frame
)

// HelloProbes is bit 0 of a version 3 hello's flags: the agent accepts probes.
const HelloProbes = 1 << 0

// ProbeCheck is one check an agent is asked to run: its id on the hub and its spec as the
// hub's JSON check spec (the agent validates it as strictly as the hub's API does).
type ProbeCheck struct {
	ID   uint64
	Spec []byte
}

// ProbeChecks is the complete list of checks an agent runs; a check missing from it is stopped.
type ProbeChecks struct{ Checks []ProbeCheck }

// ProbeStatus is a probe's outcome. The values are part of the protocol.
type ProbeStatus uint8

// Probe outcomes.
const (
	ProbeDown     ProbeStatus = 0
	ProbeUp       ProbeStatus = 1
	ProbeDegraded ProbeStatus = 2 // answered correctly, but slower than the check allows
)

// ProbeResult is one probe an agent ran.
type ProbeResult struct {
	CheckID    uint64
	TimeMs     int64 // when the probe started, by the agent's clock
	Status     ProbeStatus
	DurationUs uint64
	Message    string
}

// ProbeResults carries probe results, oldest first.
type ProbeResults struct{ Results []ProbeResult }

func (*ProbeChecks) Type() Type  { return TypeProbeChecks }
func (*ProbeResults) Type() Type { return TypeProbeResults }

// ProbeChecks encodes an agent's list of checks.
func (e *Encoder) ProbeChecks(m *ProbeChecks) ([]byte, error) {
	if len(m.Checks) > MaxProbeChecks {
		return nil, fmt.Errorf("probe checks: %d checks above limit %d", len(m.Checks), MaxProbeChecks)
	}
	var w writer
	w.uvarint(uint64(len(m.Checks)))
	for _, c := range m.Checks {
		if len(c.Spec) > MaxProbeSpecBytes {
			return nil, fmt.Errorf("probe checks: check %d spec of %d bytes above %d", c.ID, len(c.Spec), MaxProbeSpecBytes)
		}
		w.uvarint(c.ID)
		w.bytes(c.Spec)
	}
	return e.c.frame(TypeProbeChecks, w.b), nil
}

// ProbeResults encodes probe results.
func (e *Encoder) ProbeResults(m *ProbeResults) ([]byte, error) {
	if len(m.Results) > MaxProbeResults {
		return nil, fmt.Errorf("probe results: %d results above limit %d", len(m.Results), MaxProbeResults)
	}
	var w writer
	w.uvarint(uint64(len(m.Results)))
	for _, r := range m.Results {
		if r.Status > ProbeDegraded {
			return nil, fmt.Errorf("probe results: check %d has unknown status %d", r.CheckID, r.Status)
		}
		msg := r.Message
		if len(msg) > MaxMessageBytes {
			msg = msg[:MaxMessageBytes] // a message is for people; its end is the least useful part
		}
		w.uvarint(r.CheckID)
		w.varint(r.TimeMs)
		w.byte1(byte(r.Status))
		w.uvarint(r.DurationUs)
		w.str(msg)
	}
	return e.c.frame(TypeProbeResults, w.b), nil
}

func readProbeChecks(r *reader) *ProbeChecks {
	n := int(r.bounded("probe check count", MaxProbeChecks))
	m := &ProbeChecks{}
	if r.err != nil {
		return m
	}
	m.Checks = make([]ProbeCheck, 0, min(n, len(r.b)/2+1))
	seen := make(map[uint64]bool, min(n, len(r.b)/2+1))
	for i := 0; i < n && r.err == nil; i++ {
		c := ProbeCheck{ID: r.uvarint("probe check id")}
		if spec := r.bytes("probe check spec", MaxProbeSpecBytes); r.err == nil {
			c.Spec = append([]byte(nil), spec...)
		}
		if r.err == nil && seen[c.ID] {
			r.fail("probe check %d listed twice", c.ID)
		}
		seen[c.ID] = true
		m.Checks = append(m.Checks, c)
	}
	return m
}

func readProbeResults(r *reader) *ProbeResults {
	n := int(r.bounded("probe result count", MaxProbeResults))
	m := &ProbeResults{}
	if r.err != nil {
		return m
	}
	m.Results = make([]ProbeResult, 0, min(n, len(r.b)/5+1))
	for i := 0; i < n && r.err == nil; i++ {
		p := ProbeResult{CheckID: r.uvarint("probe result check id"), TimeMs: r.varint("probe result time")}
		p.Status = ProbeStatus(r.byte1("probe result status"))
		if r.err == nil && p.Status > ProbeDegraded {
			r.fail("probe result of check %d: unknown status %d", p.CheckID, p.Status)
		}
		p.DurationUs = r.uvarint("probe result duration")
		p.Message = r.str("probe result message", MaxMessageBytes)
		m.Results = append(m.Results, p)
	}
	return m
}
