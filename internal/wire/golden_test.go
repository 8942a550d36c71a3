package wire

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden frames in testdata/")

// goldenConversation is a fixed exchange whose frames are kept in testdata/ so that any change to
// the encoding shows up as a diff, and so that other implementations can test against them.
func goldenConversation(t testing.TB, c *Compressor) map[string][]byte {
	enc := NewEncoder(c)
	frames := map[string][]byte{}
	var err error
	// Version 1 exactly as version 1 agents send it: these frames must never change.
	if frames["hello"], err = enc.Hello(&Hello{Version: 1, AgentVersion: "0.1.0",
		Facts: []byte(`{"hostname":"web-1","os":"Debian GNU/Linux 12","cores":2}`), IntervalMs: 10000, Series: testSeries()}); err != nil {
		t.Fatal(err)
	}
	if frames["batch_live_1"], err = enc.Batch(&Batch{Snapshots: []Snapshot{{Seq: 1, TimeMs: 1763850000000, Values: []Value{{0, 12.5}, {1, 1 << 30}, {2, 1234}, {3, 0.42}}}}}); err != nil {
		t.Fatal(err)
	}
	if frames["batch_live_2"], err = enc.Batch(&Batch{Snapshots: []Snapshot{{Seq: 2, TimeMs: 1763850010000, Values: []Value{{0, 13.75}, {1, 1 << 30}, {2, 1300}, {3, 0.42}}}}}); err != nil {
		t.Fatal(err)
	}
	if frames["batch_backlog"], err = enc.Batch(&Batch{Backlog: true, Snapshots: []Snapshot{
		{Seq: 1, TimeMs: 1763840000000, Values: []Value{{0, 1}, {2, math.Pi}}},
		{Seq: 2, TimeMs: 1763840010000, Values: []Value{{0, 1}, {1, 7}, {2, math.Pi}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if frames["dict"], err = enc.Dict(&Dict{Series: []Series{{ID: 4, Name: "fs.used_pct", Label: "/", Unit: "%", Scale: 2}}}); err != nil {
		t.Fatal(err)
	}
	frames["welcome"] = enc.Welcome(&Welcome{Version: 1, HostID: 7, IntervalMs: 10000})
	frames["ack"] = enc.Ack(&Ack{Ranges: []SeqRange{{1, 2}}})
	frames["command_live_on"] = enc.Command(&Command{Kind: CommandLiveOn})
	frames["error"] = enc.Error(&Error{Code: CodeUnauthorized, Message: "agent token revoked"})
	return frames
}

var goldenOrder = []string{"hello", "batch_live_1", "batch_live_2", "batch_backlog", "dict", "welcome", "ack", "command_live_on", "error"}

func TestGoldenFrames(t *testing.T) {
	c := newCompressor(t)
	frames := goldenConversation(t, c)
	dec := NewDecoder(c)
	for _, name := range goldenOrder {
		path := filepath.Join("testdata", name+".bin")
		if *update {
			if err := os.WriteFile(path, frames[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden frame (run go test -update): %v", err)
		}
		if !bytes.Equal(frames[name], want) {
			t.Errorf("%s: encoding changed: got % x, want % x", name, frames[name], want)
		}
		if _, err := dec.Decode(want); err != nil {
			t.Errorf("%s: decode golden frame: %v", name, err)
		}
	}
}

// hostSeries is a realistic dictionary: a 2-core machine with a few mounts, disks and NICs.
func hostSeries() []Series {
	var out []Series
	add := func(name, label, unit string, scale uint8) {
		out = append(out, Series{ID: uint32(len(out)), Name: name, Label: label, Unit: unit, Scale: scale})
	}
	for _, core := range []string{"", "0", "1"} {
		for _, m := range []string{"used", "user", "nice", "system", "iowait", "irq", "softirq", "steal", "idle"} {
			add("cpu."+m+"_pct", core, "%", 2)
		}
	}
	for _, m := range []string{"load.1", "load.5", "load.15"} {
		add(m, "", "", 2)
	}
	for _, m := range []string{"total", "used", "available", "cached", "buffers", "free"} {
		add("mem."+m+"_bytes", "", "B", 0)
	}
	add("mem.used_pct", "", "%", 2)
	add("swap.total_bytes", "", "B", 0)
	add("swap.used_bytes", "", "B", 0)
	add("swap.used_pct", "", "%", 2)
	for _, mnt := range []string{"/", "/boot", "/home", "/var"} {
		for _, m := range []string{"total_bytes", "used_bytes", "avail_bytes", "inodes_total", "inodes_used"} {
			add("fs."+m, mnt, "B", 0)
		}
		add("fs.used_pct", mnt, "%", 2)
		add("fs.inodes_used_pct", mnt, "%", 2)
	}
	for _, dev := range []string{"sda", "sdb"} {
		for _, m := range []string{"read_bps", "write_bps"} {
			add("disk."+m, dev, "B/s", 0)
		}
		for _, m := range []string{"reads_ps", "writes_ps", "read_await_ms", "write_await_ms", "util_pct"} {
			add("disk."+m, dev, "", 2)
		}
	}
	for _, nic := range []string{"eth0", "eth1"} {
		add("net.rx_bps", nic, "B/s", 0)
		add("net.tx_bps", nic, "B/s", 0)
		for _, m := range []string{"rx_pps", "tx_pps", "rx_errors_ps", "tx_errors_ps", "rx_drops_ps", "tx_drops_ps"} {
			add("net."+m, nic, "1/s", 2)
		}
	}
	add("temp.celsius", "cpu", "°C", 1)
	add("system.uptime_s", "", "s", 0)
	add("system.procs", "", "", 0)
	add("system.procs_running", "", "", 0)
	add("system.procs_blocked", "", "", 0)
	return out
}

// hostSnapshots simulates a lightly loaded server: CPU and traffic wander, sizes creep, error
// counters stay at zero, and every value is rounded to its series' scale as the agent does.
func hostSnapshots(series []Series, n int) []Snapshot {
	rng := rand.New(rand.NewPCG(1, 2))
	cur := make([]float64, len(series))
	for i := range cur {
		cur[i] = rng.Float64() * 100
	}
	out := make([]Snapshot, n)
	for k := range out {
		s := Snapshot{Seq: uint64(k + 1), TimeMs: 1763850000000 + int64(k)*10000}
		for i, ser := range series {
			name := ser.Name
			switch {
			case name == "system.uptime_s":
				cur[i] += 10
			case bytes.Contains([]byte(name), []byte("errors")) || bytes.Contains([]byte(name), []byte("drops")) ||
				bytes.HasPrefix([]byte(name), []byte("swap.")) || bytes.HasSuffix([]byte(name), []byte("total_bytes")) ||
				bytes.Contains([]byte(name), []byte("inodes_total")) || name == "cpu.steal_pct" || name == "system.procs_blocked":
				// constant
			case rng.IntN(3) == 0:
				// a third of the rest happen not to change between two readings
			default:
				cur[i] = math.Abs(cur[i] + rng.NormFloat64()*cur[i]*0.05)
			}
			p := math.Pow(10, float64(ser.Scale))
			s.Values = append(s.Values, Value{ID: ser.ID, V: math.Round(cur[i]*p) / p})
		}
		out[k] = s
	}
	return out
}

// TestSteadyStateSize pins the budget of DESIGN.md §8: ≤ 250 bytes per snapshot on the wire in
// steady state. Sizes are deterministic for a given input, so this is a test, not a timing.
func TestSteadyStateSize(t *testing.T) {
	c := newCompressor(t)
	series := hostSeries()
	enc := NewEncoder(c)
	if _, err := enc.Hello(&Hello{Version: Version, Series: series}); err != nil {
		t.Fatal(err)
	}
	snaps := hostSnapshots(series, 200)
	total := 0
	for i := range snaps {
		f, err := enc.Batch(&Batch{Snapshots: snaps[i : i+1]})
		if err != nil {
			t.Fatal(err)
		}
		if i >= 10 {
			total += len(f)
		}
	}
	avg := float64(total) / float64(len(snaps)-10)
	t.Logf("%d series, %.1f bytes per snapshot frame", len(series), avg)
	if avg > 250 {
		t.Errorf("got %.1f bytes per snapshot, want ≤ 250", avg)
	}
}

func BenchmarkEncodeSnapshot(b *testing.B) {
	c := newCompressor(b)
	series := hostSeries()
	snaps := hostSnapshots(series, 1000)
	enc := NewEncoder(c)
	if _, err := enc.Hello(&Hello{Version: Version, Series: series}); err != nil {
		b.Fatal(err)
	}
	total := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f, err := enc.Batch(&Batch{Snapshots: snaps[i%len(snaps) : i%len(snaps)+1]})
		if err != nil {
			b.Fatal(err)
		}
		total += len(f)
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/snapshot")
}

func BenchmarkDecodeSnapshot(b *testing.B) {
	c := newCompressor(b)
	series := hostSeries()
	snaps := hostSnapshots(series, 1000)
	enc := NewEncoder(c)
	hello, _ := enc.Hello(&Hello{Version: Version, Series: series})
	frames := make([][]byte, len(snaps))
	for i := range snaps {
		frames[i], _ = enc.Batch(&Batch{Snapshots: snaps[i : i+1]})
	}
	b.ReportAllocs()
	for b.Loop() {
		dec := NewDecoder(c)
		if _, err := dec.Decode(hello); err != nil {
			b.Fatal(err)
		}
		for _, f := range frames {
			if _, err := dec.Decode(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(frames)*len(series))*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}
