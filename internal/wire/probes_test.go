package wire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// goldenV3 is a version 3 conversation with remote probes: a hello that accepts probes, the
// hub's welcome and list of checks, and the agent's results.
func goldenV3(t testing.TB, c *Compressor) map[string][]byte {
	enc := NewEncoder(c)
	frames := map[string][]byte{}
	var err error
	if frames["v3_hello"], err = enc.Hello(&Hello{Version: 3, AgentVersion: "0.3.0", Facts: []byte(`{"hostname":"probe-1"}`),
		IntervalMs: 10000, Series: testSeries(), Probes: true}); err != nil {
		t.Fatal(err)
	}
	frames["v3_welcome"] = enc.Welcome(&Welcome{Version: 3, HostID: 7, IntervalMs: 10000})
	if frames["v3_probe_checks"], err = enc.ProbeChecks(testProbeChecks()); err != nil {
		t.Fatal(err)
	}
	if frames["v3_probe_results"], err = enc.ProbeResults(testProbeResults()); err != nil {
		t.Fatal(err)
	}
	return frames
}

var goldenV3Order = []string{"v3_hello", "v3_welcome", "v3_probe_checks", "v3_probe_results"}

func testProbeChecks() *ProbeChecks {
	return &ProbeChecks{Checks: []ProbeCheck{
		{ID: 12, Spec: []byte(`{"name":"site","type":"http","interval_s":30,"timeout_ms":5000,"url":"https://example.com/","method":"GET","accept_status":["200-399"]}`)},
		{ID: 40, Spec: []byte(`{"name":"db","type":"tcp","interval_s":60,"timeout_ms":3000,"host":"10.0.0.5","port":5432}`)},
	}}
}

func testProbeResults() *ProbeResults {
	return &ProbeResults{Results: []ProbeResult{
		{CheckID: 12, TimeMs: 1763850000000, Status: ProbeUp, DurationUs: 48210, Message: "200 OK"},
		{CheckID: 40, TimeMs: 1763850001000, Status: ProbeDown, DurationUs: 3000000, Message: "connect to 10.0.0.5:5432: i/o timeout"},
		{CheckID: 12, TimeMs: 1763850030000, Status: ProbeDegraded, DurationUs: 2500000, Message: "slow: 2500 ms (degraded above 2000 ms)"},
	}}
}

// TestGoldenFramesV3 pins the version 3 frames; the hub decodes the agent's, the agent (whose
// decoder learns the version from the welcome) the hub's.
func TestGoldenFramesV3(t *testing.T) {
	c := newCompressor(t)
	frames := goldenV3(t, c)
	hub, agent := NewDecoder(c), NewDecoder(c)
	want := map[string]Message{"v3_probe_checks": testProbeChecks(), "v3_probe_results": testProbeResults()}
	for _, name := range goldenV3Order {
		path := filepath.Join("testdata", name+".bin")
		if *update {
			if err := os.WriteFile(path, frames[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden frame (run go test -update): %v", err)
		}
		if !bytes.Equal(frames[name], golden) {
			t.Errorf("%s: encoding changed: got % x, want % x", name, frames[name], golden)
		}
		dec := hub
		if name == "v3_welcome" || name == "v3_probe_checks" {
			dec = agent
		}
		m, err := dec.Decode(golden)
		if err != nil {
			t.Fatalf("%s: decode golden frame: %v", name, err)
		}
		if h, ok := m.(*Hello); ok && !h.Probes {
			t.Errorf("%s: got probes false, want true", name)
		}
		if w, ok := want[name]; ok {
			if diff := cmp.Diff(w, m); diff != "" {
				t.Errorf("%s: decoded differs (-want +got):\n%s", name, diff)
			}
		}
	}
}

// TestV3NeedsV3 checks that probe frames are refused on connections of version 1 or 2 (either
// side), and that a hello below version 3 cannot claim probes.
func TestV3NeedsV3(t *testing.T) {
	c := newCompressor(t)
	enc := NewEncoder(c)
	checks, err := enc.ProbeChecks(testProbeChecks())
	if err != nil {
		t.Fatal(err)
	}
	results, err := enc.ProbeResults(testProbeResults())
	if err != nil {
		t.Fatal(err)
	}
	h2, err := enc.Hello(&Hello{Version: 2, Series: testSeries()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		first []byte
		frame []byte
	}{
		{"results on a v2 hello", h2, results},
		{"results without hello", nil, results},
		{"checks after a v2 welcome", enc.Welcome(&Welcome{Version: 2, HostID: 1}), checks},
		{"checks without welcome", nil, checks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(c)
			if tc.first != nil {
				if _, err := dec.Decode(tc.first); err != nil {
					t.Fatal(err)
				}
			}
			_, err := dec.Decode(tc.frame)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "version 3") {
				t.Errorf("got %v, want a malformed-frame error naming version 3", err)
			}
		})
	}
	if _, err := NewEncoder(c).Hello(&Hello{Version: 2, Probes: true}); err == nil {
		t.Error("version 2 hello with probes: got nil error")
	}
}

// TestV3Malformed checks that bad version 3 bodies are refused with the field named.
func TestV3Malformed(t *testing.T) {
	c := newCompressor(t)
	frame := func(typ Type, body ...byte) []byte { return append([]byte{byte(typ), 0}, body...) }
	// A version 3 hello with no series: version, agent version, facts, interval, 0 series, flags.
	hello := func(flags byte) []byte { return frame(TypeHello, 3, 0, 0, 0, 0, flags) }
	welcome := NewEncoder(c).Welcome(&Welcome{Version: 3, HostID: 1})
	for _, tc := range []struct {
		name, want string
		first      []byte
		frame      []byte
	}{
		{"hello flags", "hello flags", nil, hello(2)},
		{"hello without flags", "hello flags", nil, frame(TypeHello, 3, 0, 0, 0, 0)},
		{"result status", "unknown status", hello(1), frame(TypeProbeResults, 1, 5, 0, 3, 0, 0)},
		{"too many results", "probe result count", hello(1), frame(TypeProbeResults, 0xff, 0xff, 0x7f)},
		{"truncated message", "truncated probe result message", hello(1), frame(TypeProbeResults, 1, 5, 0, 1, 0, 9)},
		{"check listed twice", "listed twice", welcome, frame(TypeProbeChecks, 2, 4, 0, 4, 0)},
		{"spec too long", "probe check spec", welcome, frame(TypeProbeChecks, 1, 4, 0xff, 0xff, 0x7f)},
		{"trailing", "trailing", welcome, frame(TypeProbeChecks, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(c)
			if tc.first != nil {
				if _, err := dec.Decode(tc.first); err != nil {
					t.Fatal(err)
				}
			}
			_, err := dec.Decode(tc.frame)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a malformed-frame error containing %q", err, tc.want)
			}
		})
	}
}

// TestProbeEncodeLimits checks the encoder refuses what the decoder would, and cuts messages.
func TestProbeEncodeLimits(t *testing.T) {
	c := newCompressor(t)
	enc := NewEncoder(c)
	if _, err := enc.ProbeResults(&ProbeResults{Results: []ProbeResult{{Status: 3}}}); err == nil {
		t.Error("result of unknown status: got nil error")
	}
	if _, err := enc.ProbeChecks(&ProbeChecks{Checks: []ProbeCheck{{Spec: make([]byte, MaxProbeSpecBytes+1)}}}); err == nil {
		t.Error("over-long spec: got nil error")
	}
	f, err := enc.ProbeResults(&ProbeResults{Results: []ProbeResult{{Message: strings.Repeat("x", 5000)}}})
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder(c)
	if _, err := dec.Decode(frameOf(t, enc, &Hello{Version: 3})); err != nil {
		t.Fatal(err)
	}
	m, err := dec.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.(*ProbeResults).Results[0].Message); got != MaxMessageBytes {
		t.Errorf("got a message of %d bytes, want it cut to %d", got, MaxMessageBytes)
	}
}

func frameOf(t *testing.T, enc *Encoder, h *Hello) []byte {
	t.Helper()
	f, err := enc.Hello(h)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
