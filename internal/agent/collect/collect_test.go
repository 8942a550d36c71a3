package collect

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// tree writes a fake /proc and /sys under a temp root.
func tree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func base(stat, diskstats, netdev string) map[string]string {
	return map[string]string{
		"proc/stat":                          stat,
		"proc/loadavg":                       "0.50 0.40 0.30 1/100 999\n",
		"proc/meminfo":                       "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\nCached: 200 kB\nSReclaimable: 20 kB\nShmem: 10 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
		"proc/self/mounts":                   "/dev/sda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/sda1 /bind ext4 rw 0 0\n/dev/sdb1 /data\\040x xfs rw 0 0\ntmpfs /run tmpfs rw 0 0\n",
		"proc/diskstats":                     diskstats,
		"proc/net/dev":                       netdev,
		"proc/uptime":                        "3600.55 7000.00\n",
		"proc/123/stat":                      "",
		"proc/45/stat":                       "",
		"sys/block/sda/size":                 "1",
		"sys/class/net/eth0/device/vendor":   "x",
		"sys/class/hwmon/hwmon0/name":        "coretemp\n",
		"sys/class/hwmon/hwmon0/temp1_input": "45500\n",
		"sys/class/hwmon/hwmon0/temp1_label": "Package id 0\n",
	}
}

const netHdr = "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n"

func fakeStatfs(p string) (StatfsResult, error) {
	switch p {
	case "/":
		return StatfsResult{Total: 1000, Free: 400, Avail: 300, Files: 100, FilesFree: 75}, nil
	case "/data x":
		return StatfsResult{}, errors.New("permission denied")
	}
	return StatfsResult{}, errors.New("unexpected statfs of " + p)
}

func TestCollectFixture(t *testing.T) {
	root := t.TempDir()
	tree(t, root, base(
		"cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 100 0 100 700 100 0 0 0 0 0\nprocs_running 2\nprocs_blocked 1\nbtime 1700000000\n",
		"   8       0 sda 100 0 1000 50 200 0 2000 100 0 300 150 0 0 0 0\n   8       1 sda1 1 0 1 1 1 0 1 1 0 1 1 0 0 0 0\n",
		netHdr+"  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n    lo: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0\n"))
	c := New(Config{Root: root, Statfs: fakeStatfs})
	t0 := time.Unix(1000, 0)
	first, err := c.Collect(t0)
	if err == nil {
		t.Error("got nil error with an unreadable mount, want one naming it")
	}
	tree(t, root, base(
		"cpu  150 0 150 1600 100 0 0 0 0 0\ncpu0 150 0 150 1600 100 0 0 0 0 0\nprocs_running 3\nprocs_blocked 0\nbtime 1700000000\n",
		"   8       0 sda 110 0 1200 70 220 0 2400 140 0 800 150 0 0 0 0\n",
		netHdr+"  eth0: 3000 30 1 0 0 0 0 0 2500 25 0 2 0 0 0 0\n    lo: 9 9 0 0 0 0 0 0 9 9 0 0 0 0 0 0\n"))
	second, _ := c.Collect(t0.Add(2 * time.Second))

	got := map[string]float64{}
	for _, s := range second {
		got[s.Name+"{"+s.Label+"}"] = s.Value
	}
	want := map[string]float64{
		"cpu.used_pct{}": 10, "cpu.user_pct{}": 5, "cpu.idle_pct{}": 90, "cpu.used_pct{0}": 10,
		"load.1{}": 0.5, "mem.total_bytes{}": 1024000, "mem.used_bytes{}": 409600, "mem.used_pct{}": 40,
		"mem.cached_bytes{}": 215040, "swap.used_pct{}": 0,
		"fs.used_bytes{/}": 600, "fs.used_pct{/}": 66.66666666666667, "fs.inodes_used_pct{/}": 25,
		"disk.read_bps{sda}": 51200, "disk.reads_ps{sda}": 5, "disk.read_await_ms{sda}": 2, "disk.util_pct{sda}": 25,
		"net.rx_bps{eth0}": 1000, "net.tx_bps{eth0}": 250, "net.rx_errors_ps{eth0}": 0.5, "net.tx_drops_ps{eth0}": 1,
		"temp.celsius{coretemp/Package id 0}": 45.5, "system.uptime_s{}": 3600, "system.procs{}": 2,
		"system.procs_running{}": 3,
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: got %v (present %v), want %v", k, g, ok, w)
		}
	}
	for _, absent := range []string{"net.rx_bps{lo}", "disk.read_bps{sda1}", "fs.used_bytes{/bind}", "fs.used_bytes{/proc}", "fs.used_bytes{/run}"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s reported, want it left out", absent)
		}
	}
	for _, s := range first {
		if s.Name == "net.rx_bps" || s.Name == "cpu.used_pct" {
			t.Errorf("first collection reported rate %s, want rates only from the second", s.Name)
		}
	}
	f := c.Facts()
	if f.Cores != 0 && f.BootTime.Unix() != 1700000000 {
		t.Errorf("got boot time %v, want 1700000000", f.BootTime.Unix())
	}
}

func TestCollectRealMachine(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	c := New(Config{})
	c.Collect(time.Now())
	// The kernel's CPU counters tick every 10 ms; wait until they have moved.
	time.Sleep(100 * time.Millisecond)
	samples, _ := c.Collect(time.Now())
	seen := map[string]bool{}
	for _, s := range samples {
		seen[s.Name] = true
		if s.Name == "cpu.used_pct" && (s.Value < 0 || s.Value > 100) {
			t.Errorf("got cpu %v, want 0..100", s.Value)
		}
	}
	for _, name := range []string{"cpu.used_pct", "mem.total_bytes", "load.1", "system.uptime_s"} {
		if !seen[name] {
			t.Errorf("no %s on this machine", name)
		}
	}
	if f := c.Facts(); f.Cores < 1 || f.MemoryBytes == 0 || f.Kernel == "" {
		t.Errorf("got facts %+v, want cores, memory and kernel", f)
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte("cpu  1 2 3 4 5 6 7 8\nprocs_running 1\n"))
	f.Add([]byte("MemTotal: 5 kB\n"))
	f.Add([]byte("   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"))
	f.Add([]byte("eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseStat(b)
		parseMeminfo(b)
		parseDiskstats(b)
		parseNetDev(b)
		parseMounts(b)
	})
}

func BenchmarkCollect(b *testing.B) {
	c := New(Config{})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		c.Collect(now)
	}
}
