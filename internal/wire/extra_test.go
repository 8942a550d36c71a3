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

// goldenV2 is a version 2 conversation: hello, then one of each best-effort message.
func goldenV2(t testing.TB, c *Compressor) map[string][]byte {
	enc := NewEncoder(c)
	frames := map[string][]byte{}
	var err error
	if frames["v2_hello"], err = enc.Hello(&Hello{Version: 2, AgentVersion: "0.2.0", Facts: []byte(`{"hostname":"web-1"}`),
		IntervalMs: 10000, Series: testSeries()}); err != nil {
		t.Fatal(err)
	}
	if frames["v2_procs"], err = enc.Procs(testProcs()); err != nil {
		t.Fatal(err)
	}
	// The same processes again: sent without their strings, which the decoder fills in.
	if frames["v2_procs_2"], err = enc.Procs(testProcs2()); err != nil {
		t.Fatal(err)
	}
	if frames["v2_proc_events"], err = enc.ProcEvents(testProcEvents()); err != nil {
		t.Fatal(err)
	}
	if frames["v2_services"], err = enc.Services(testServices()); err != nil {
		t.Fatal(err)
	}
	frames["v2_welcome"] = enc.Welcome(&Welcome{Version: 2, HostID: 7, IntervalMs: 10000})
	return frames
}

var goldenV2Order = []string{"v2_hello", "v2_procs", "v2_procs_2", "v2_proc_events", "v2_services", "v2_welcome"}

// testProcs2 is the sample after testProcs: systemd again, postgres gone, a new process.
func testProcs2() *Procs {
	p := testProcs()
	p.TimeMs += 10000
	p.Procs[0].CPU = 0.2
	p.Procs[1] = Process{PID: 900, StartMs: 1763850005000, Name: "backup.sh", User: "root", Cmdline: "/bin/sh backup.sh", CPU: 12, RSS: 4 << 20, ReadBps: 100, WriteBps: 2000}
	return p
}

func testProcs() *Procs {
	return &Procs{TimeMs: 1763850000000, Total: 93, Procs: []Process{
		{PID: 1, StartMs: 1763800000000, Name: "systemd", User: "root", Cmdline: "/sbin/init", CPU: 0.1, RSS: 12 << 20, ReadBps: 0, WriteBps: 0},
		{PID: 812, StartMs: 1763800004000, Name: "postgres", User: "postgres", Cmdline: "/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main",
			CPU: 37.25, RSS: 412 << 20, ReadBps: -1, WriteBps: -1},
	}}
}

func testProcEvents() *ProcEvents {
	return &ProcEvents{Events: []ProcEvent{
		{Kind: ProcStart, TimeMs: 1763850000000, PID: 4242, StartMs: 1763849995000, Name: "backup.sh", User: "root", Cmdline: "/bin/sh /usr/local/bin/backup.sh"},
		{Kind: ProcExit, TimeMs: 1763850010000, PID: 4242, StartMs: 1763849995000, Name: "backup.sh", User: "root", Cmdline: "/bin/sh /usr/local/bin/backup.sh"},
	}}
}

func testServices() *Services {
	return &Services{TimeMs: 1763850000000,
		Services: []Service{
			{Kind: "systemd", Name: "nginx.service", State: ServiceHealthy, Reason: "active (running)"},
			{Kind: "tcp", Name: "127.0.0.1:5432", State: ServiceDown, Reason: "connection refused"},
		},
		Containers: []Container{{ID: "3f2a9c1d2e4b", Name: "redis", Image: "redis:7", State: "running", Health: "healthy",
			Restarts: 2, CPU: 1.5, MemBytes: 8 << 20, MemLimit: 1 << 30, RxBps: 1200, TxBps: 800}},
	}
}

func TestGoldenFramesV2(t *testing.T) {
	c := newCompressor(t)
	frames := goldenV2(t, c)
	dec := NewDecoder(c)
	want := map[string]Message{"v2_procs": testProcs(), "v2_procs_2": testProcs2(), "v2_proc_events": testProcEvents(), "v2_services": testServices()}
	for _, name := range goldenV2Order {
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
		m, err := dec.Decode(golden)
		if err != nil {
			t.Fatalf("%s: decode golden frame: %v", name, err)
		}
		if w, ok := want[name]; ok {
			if diff := cmp.Diff(w, m); diff != "" {
				t.Errorf("%s: decoded differs (-want +got):\n%s", name, diff)
			}
		}
	}
}

// TestV2NeedsV2Hello checks that a connection opened with a version 1 hello cannot send the
// version 2 types, and that the agent's side (no hello at all) refuses them too.
func TestV2NeedsV2Hello(t *testing.T) {
	c := newCompressor(t)
	enc := NewEncoder(c)
	h1, err := enc.Hello(&Hello{Version: 1, Series: testSeries()})
	if err != nil {
		t.Fatal(err)
	}
	procs, err := enc.Procs(testProcs())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		hello []byte
	}{{"v1 hello", h1}, {"no hello", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(c)
			if tc.hello != nil {
				if _, err := dec.Decode(tc.hello); err != nil {
					t.Fatal(err)
				}
			}
			_, err := dec.Decode(procs)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "version 2") {
				t.Errorf("got %v, want a malformed-frame error naming version 2", err)
			}
		})
	}
}

// TestV2Malformed checks that bad version 2 bodies are refused with the field named.
func TestV2Malformed(t *testing.T) {
	c := newCompressor(t)
	enc := NewEncoder(c)
	hello, err := enc.Hello(&Hello{Version: 2, Series: testSeries()})
	if err != nil {
		t.Fatal(err)
	}
	frame := func(typ Type, body ...byte) []byte { return append([]byte{byte(typ), 0}, body...) }
	for _, tc := range []struct {
		name, want string
		frame      []byte
	}{
		{"procs flags", "procs flags", frame(TypeProcs, 2, 7, 0, 0)},
		{"too many processes", "process count", frame(TypeProcs, 2, 0, 0, 0xff, 0xff, 0x7f)},
		{"truncated process", "truncated process name", frame(TypeProcs, 2, 0, 1, 1, 5, 0, 1, 9)},
		{"process flags", "process flags", frame(TypeProcs, 2, 0, 1, 1, 5, 0, 2)},
		{"no strings for an unknown process", "not in the previous sample", frame(TypeProcs, 2, 0, 1, 1, 5, 0, 0, 0, 0, 0, 0)},
		{"process listed twice", "listed twice", frame(TypeProcs, 2, 0, 2, 2, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0)},
		{"event kind", "process event kind", frame(TypeProcEvents, 1, 3)},
		{"service state", "unknown state", frame(TypeServices, 0, 1, 0, 0, 4)},
		{"trailing", "trailing", frame(TypeServices, 0, 0, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := NewDecoder(c)
			if _, err := dec.Decode(hello); err != nil {
				t.Fatal(err)
			}
			_, err := dec.Decode(tc.frame)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a malformed-frame error containing %q", err, tc.want)
			}
		})
	}
}

// TestProcStringsOmitted checks that a process already in the previous sample costs no strings.
func TestProcStringsOmitted(t *testing.T) {
	enc := NewEncoder(newCompressor(t))
	first, err := enc.Procs(testProcs())
	if err != nil {
		t.Fatal(err)
	}
	again, err := enc.Procs(testProcs())
	if err != nil {
		t.Fatal(err)
	}
	if len(again) >= len(first)/2 {
		t.Errorf("second identical sample: %d bytes, first %d; want the strings left out", len(again), len(first))
	}
}

func TestV2EncodeLimits(t *testing.T) {
	enc := NewEncoder(newCompressor(t))
	long := strings.Repeat("x", MaxCmdlineBytes+1)
	if _, err := enc.Procs(&Procs{Procs: []Process{{Cmdline: long}}}); err == nil {
		t.Error("procs with an over-long command line: got nil error")
	}
	if _, err := enc.ProcEvents(&ProcEvents{Events: []ProcEvent{{Kind: 9}}}); err == nil {
		t.Error("event of unknown kind: got nil error")
	}
	if _, err := enc.Services(&Services{Services: []Service{{Name: "x", State: 7}}}); err == nil {
		t.Error("service of unknown state: got nil error")
	}
}
