package collect

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCatalogMatchesDocs keeps Catalog and docs/metrics.md, the contract the hub and the UI
// are written against, naming the same metrics with the same units and scales.
func TestCatalogMatchesDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ unit, scale string }
	doc := map[string]row{}
	name := regexp.MustCompile("^[a-z]+\\.[a-z0-9_]+$")
	for _, line := range strings.Split(string(b), "\n") {
		cols := strings.Split(line, "|")
		if len(cols) < 6 {
			continue
		}
		for _, n := range strings.Split(cols[1], ",") {
			if n = strings.TrimSpace(n); name.MatchString(n) {
				doc[n] = row{strings.TrimSpace(cols[3]), strings.TrimSpace(cols[4])}
			}
		}
	}
	cat := map[string]row{}
	for _, m := range Catalog() {
		cat[m.Name] = row{m.Unit, strconv.Itoa(m.Scale)}
	}
	for n, d := range doc {
		if c, ok := cat[n]; !ok {
			t.Errorf("docs/metrics.md lists %s, Catalog does not", n)
		} else if c != d {
			t.Errorf("%s: got unit %q scale %s in Catalog, want %q %s as in docs/metrics.md", n, c.unit, c.scale, d.unit, d.scale)
		}
	}
	for n := range cat {
		if _, ok := doc[n]; !ok {
			t.Errorf("Catalog lists %s, docs/metrics.md does not", n)
		}
	}
}

// TestCatalogFresh checks that callers cannot change the catalogue for each other.
func TestCatalogFresh(t *testing.T) {
	a := Catalog()
	a[0].Name = "changed"
	if got := Catalog()[0].Name; got != "cpu.used_pct" {
		t.Errorf("got %q after a caller changed its copy, want cpu.used_pct", got)
	}
}

// TestServerRatesByHand checks rates on the server4 fixture against numbers worked out by
// hand from its counters (10 s apart), independently of the golden file.
func TestServerRatesByHand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("collectors read /proc only on Linux")
	}
	root := t.TempDir()
	copyTree(t, filepath.Join("testdata", "server4"), root)
	c := New(Config{Root: root, Statfs: fixtureStatfs(root), ExcludeMounts: []string{"/mnt/*"}})
	t0 := time.Unix(1_700_000_000, 0)
	first, err := c.Collect(t0)
	if err == nil || !strings.Contains(err.Error(), "/broken") {
		t.Errorf("got error %v, want one naming the unmeasurable mount /broken", err)
	}
	for _, s := range first {
		if strings.HasPrefix(s.Name, "cpu.") || strings.HasPrefix(s.Name, "disk.") || strings.HasPrefix(s.Name, "net.") {
			t.Errorf("first collection: got %s{%s}, want rates only from the second", s.Name, s.Label)
		}
	}
	copyTree(t, filepath.Join("testdata", "server4.next"), root)
	second, _ := c.Collect(t0.Add(10 * time.Second))
	got := map[string]float64{}
	for _, s := range second {
		got[s.Name+"{"+s.Label+"}"] = s.Value
	}
	tests := []struct {
		series string
		want   float64
	}{
		{"cpu.used_pct{}", 9},               // (4000 ticks - 3600 idle - 40 iowait) / 4000
		{"cpu.iowait_pct{}", 1},             // 40 / 4000
		{"cpu.used_pct{0}", 16},             // core 0: 1000 ticks, 800 idle, 40 iowait
		{"mem.used_bytes{}", 8388608000},    // (16384000 - 8192000) kB
		{"swap.used_pct{}", 25},             // 1 GiB of 4
		{"fs.used_pct{/}", 61.0 / 95 * 100}, // 61 GB used, 34 GB avail
		{"disk.read_bps{sda}", 2048000},     // 40000 sectors * 512 / 10 s
		{"disk.write_await_ms{sda}", 10},    // 10000 ms / 1000 writes
		{"disk.util_pct{sda}", 10},          // 1000 ms busy in 10 s
		{"disk.util_pct{nvme0n1}", 100},     // 10000 ms busy in 10 s
		{"net.rx_bps{eth0}", 1250000},       // 12.5 MB / 10 s
		{"net.tx_drops_ps{eth0}", 1},        // 10 / 10 s
		{"system.uptime_s{}", 864010},
		{"system.procs{}", 4},
		{"system.procs_running{}", 5},
	}
	for _, tt := range tests {
		t.Run(tt.series, func(t *testing.T) {
			if g, ok := got[tt.series]; !ok || g != tt.want {
				t.Errorf("got %v (present: %v), want %v", g, ok, tt.want)
			}
		})
	}
	for _, absent := range []string{"net.rx_bps{lo}", "net.rx_bps{docker0}", "net.rx_bps{veth12ab}", "disk.read_bps{sda1}",
		"disk.read_bps{loop0}", "disk.read_bps{sr0}", "fs.used_bytes{/var/lib/docker}", "fs.used_bytes{/mnt/backup}",
		"fs.used_bytes{/run}", "fs.used_bytes{/var/lib/docker/overlay2/4f1c/merged}", "fs.inodes_total{/home}"} {
		if _, ok := got[absent]; ok {
			t.Errorf("got %s, want it left out", absent)
		}
	}
}

// TestClockBackwards checks that a wall clock stepping back yields no rates rather than
// negative ones, and that rates resume on the next call.
func TestClockBackwards(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("collectors read /proc only on Linux")
	}
	root := t.TempDir()
	copyTree(t, filepath.Join("testdata", "server4"), root)
	c := New(Config{Root: root, Statfs: fixtureStatfs(root)})
	t0 := time.Unix(1_700_000_000, 0)
	c.Collect(t0)
	copyTree(t, filepath.Join("testdata", "server4.next"), root)
	samples, _ := c.Collect(t0.Add(-time.Second))
	for _, s := range samples {
		if strings.HasPrefix(s.Name, "net.") || strings.HasPrefix(s.Name, "disk.") {
			t.Errorf("clock went back: got %s{%s} = %v, want no rate", s.Name, s.Label, s.Value)
		}
	}
}

// TestRealMachine collects from this machine's / and checks that the values are sane.
func TestRealMachine(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil || runtime.GOOS != "linux" {
		t.Skip("no /proc on this system")
	}
	c := New(Config{})
	if _, err := c.Collect(time.Now()); err != nil {
		t.Logf("first collection reported: %v", err) // unreadable mounts are normal in CI
	}
	// The kernel's CPU counters tick every 10 ms; give them a few ticks to move.
	time.Sleep(200 * time.Millisecond)
	samples, _ := c.Collect(time.Now())
	seen := map[string]bool{}
	for _, s := range samples {
		seen[s.Name] = true
		if strings.HasSuffix(s.Name, "_pct") && (s.Value < 0 || s.Value > 100) {
			t.Errorf("got %s{%s} = %v, want 0..100", s.Name, s.Label, s.Value)
		}
		if s.Value < 0 && s.Name != "temp.celsius" {
			t.Errorf("got %s{%s} = %v, want it not negative", s.Name, s.Label, s.Value)
		}
	}
	for _, name := range []string{"cpu.used_pct", "mem.total_bytes", "load.1", "system.uptime_s", "system.procs"} {
		if !seen[name] {
			t.Errorf("got no %s on this machine, want one", name)
		}
	}
	f := c.Facts()
	if f.Cores < 1 || f.MemoryBytes == 0 || f.Kernel == "" || f.BootTime.IsZero() || f.Hostname == "" {
		t.Errorf("got facts %+v, want cores, memory, kernel, boot time and hostname", f)
	}
}

func TestParseHelpers(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"123", 123, true}, {"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false}, {"", 0, false}, {"-1", 0, false}, {"1.5", 0, false},
	}
	for _, tt := range tests {
		t.Run("atou "+tt.in, func(t *testing.T) {
			if got, ok := atou([]byte(tt.in)); got != tt.want || ok != tt.ok {
				t.Errorf("got %d %v, want %d %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	for in, want := range map[string]string{`/a\040b`: "/a b", `/x\134y`: `/x\y`, `/trail\04`: `/trail\04`, `/\0` + "9": `/\09`, "/plain": "/plain"} {
		t.Run("unescape "+in, func(t *testing.T) {
			if got := string(unescape([]byte(in))); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestParseStatErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no total", "cpu0 1 2 3 4\n", "no total cpu line"},
		{"bad counter", "cpu  1 x 3 4\n", "column 2"},
		{"empty", "", "no total cpu line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st procStat
			err := parseStat([]byte(tt.in), &st)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	var st procStat
	if err := parseStat([]byte("cpu  1 2 3 4\ncpu99999999 1 2 3\ncpu3 1 1 1 1\n"), &st); err != nil || len(st.cores) != 1 || st.cores[0].id != 3 {
		t.Errorf("got %v, cores %+v; want only core 3 kept (huge core numbers dropped)", err, st.cores)
	}
}

// FuzzParsers feeds arbitrary bytes to every /proc parser: none may panic, and the mount
// parser must not grow its input.
func FuzzParsers(f *testing.F) {
	for _, name := range []string{"stat", "meminfo", "diskstats", "net/dev", "self/mounts", "loadavg", "uptime"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "server4", "proc", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("cpu  1 2 3 4 5 6 7 8\nprocs_running 1\ncpu7 1\n"))
	f.Add([]byte("a\\0401 b\\ c\\777\\\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := slices.Clone(b)
		var st procStat
		parseStat(in, &st)
		parseMeminfo(in)
		parseDiskstats(in, func([]byte, diskCounters) {})
		parseNetDev(in, func([]byte, netCounters) {})
		loadSamples(nil, in)
		uptimeSamples(nil, in)
		for _, m := range parseMounts(in, nil) {
			if len(m.point) > len(b) || len(m.device) > len(b) {
				t.Errorf("got a mount field longer than the input")
			}
		}
	})
}
