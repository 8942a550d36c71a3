package procs

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// fixtureRoot is a root that can be moved from one instant of a fixture host to the next: a
// symlink in a temporary directory, re-pointed by advance.
type fixtureRoot struct {
	t    *testing.T
	link string
}

func newFixtureRoot(t *testing.T, instant string) *fixtureRoot {
	r := &fixtureRoot{t: t, link: filepath.Join(t.TempDir(), "root")}
	r.advance(instant)
	return r
}

func (r *fixtureRoot) advance(instant string) {
	abs, err := filepath.Abs(filepath.Join("testdata", instant))
	if err != nil {
		r.t.Fatal(err)
	}
	os.Remove(r.link)
	if err := os.Symlink(abs, r.link); err != nil {
		r.t.Fatal(err)
	}
}

// walkResult is what a golden file holds for one walk.
type walkResult struct {
	Sample wire.Procs
	Events []wire.ProcEvent
}

func checkGolden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if string(b) != string(want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, b, want)
	}
}

// TestGolden walks the fixture host at two instants ten seconds apart. The second instant has:
// backup.sh (900) exited, PID 1500 reused by another process, cron-job (2001, a uid missing
// from /etc/passwd) started; cpuhog used 950 ticks (95 %), postgres 300 (30 %), systemd 10 (1 %);
// systemd read 50,000 bytes (5,000 B/s); postgres's I/O is unreadable.
func TestGolden(t *testing.T) {
	t0 := time.Unix(1763850000, 0)
	for _, tc := range []struct {
		name string
		full bool
	}{{"top", false}, {"full", true}} {
		t.Run(tc.name, func(t *testing.T) {
			root := newFixtureRoot(t, "host.t0")
			w := New(Config{Root: root.link, Top: 2, PageSize: 4096, ClockTick: 100})
			s0, ev0, err := w.Walk(t0, tc.full)
			if err != nil {
				t.Fatal(err)
			}
			root.advance("host.t1")
			s1, ev1, err := w.Walk(t0.Add(10*time.Second), tc.full)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, []walkResult{{s0, ev0}, {s1, ev1}})
		})
	}
}

// TestHandChecked repeats the key figures of the golden file by hand, so that a wrong golden
// file cannot be accepted with -update unnoticed.
func TestHandChecked(t *testing.T) {
	root := newFixtureRoot(t, "host.t0")
	w := New(Config{Root: root.link, Top: 2, PageSize: 4096, ClockTick: 100})
	t0 := time.Unix(1763850000, 0)
	if _, ev, err := w.Walk(t0, false); err != nil || len(ev) != 0 {
		t.Fatalf("first walk: got %d events, err %v; want none", len(ev), err)
	}
	root.advance("host.t1")
	s, ev, err := w.Walk(t0.Add(10*time.Second), false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != 7 {
		t.Errorf("total: got %d, want 7", s.Total)
	}
	var names []string
	for _, p := range s.Procs {
		names = append(names, p.Name)
	}
	// Top 2 by CPU (cpuhog 95 %, postgres 30 %), then top 2 by RSS not yet listed (postgres is
	// in already; cron-job's 9,000 pages come next).
	if got := strings.Join(names, ","); got != "cpuhog,postgres,cron-job" {
		t.Errorf("reported: got %s, want cpuhog,postgres,cron-job", got)
	}
	byName := map[string]wire.Process{}
	for _, p := range s.Procs {
		byName[p.Name] = p
	}
	// cpuhog's I/O is readable, but it was not reported by the first walk, so there is no
	// earlier reading to make a rate from yet (I/O is read only for reported processes).
	if p := byName["cpuhog"]; p.CPU != 95 || p.User != "alice" || p.Cmdline != "./cpuhog --threads=1" || p.ReadBps != -1 || p.WriteBps != -1 {
		t.Errorf("cpuhog: got %+v, want 95 %% CPU, alice, its command line, I/O not yet known", p)
	}
	if p := byName["postgres"]; p.CPU != 30 || p.RSS != 100500*4096 || p.ReadBps != -1 {
		t.Errorf("postgres: got %+v, want 30 %% CPU, RSS 100500 pages, I/O unknown", p)
	}
	// cron-job started in the interval: all its 150 ticks are in it, and its uid is unknown.
	if p := byName["cron-job"]; p.CPU != 15 || p.User != "4242" || p.StartMs != (1763800000+490)*1000 {
		t.Errorf("cron-job: got %+v, want 15 %% CPU, user 4242, start at boot+490 s", p)
	}
	var got []string
	for _, e := range ev {
		got = append(got, map[wire.ProcEventKind]string{wire.ProcStart: "start", wire.ProcExit: "exit"}[e.Kind]+" "+e.Name)
	}
	if s := strings.Join(got, ","); s != "start new-worker,start cron-job,exit backup.sh,exit old-worker" {
		t.Errorf("events: got %s", s)
	}
}

func TestSystemdIOAndKernelThread(t *testing.T) {
	root := newFixtureRoot(t, "host.t0")
	w := New(Config{Root: root.link, Top: 10, PageSize: 4096, ClockTick: 100})
	t0 := time.Unix(1763850000, 0)
	if _, _, err := w.Walk(t0, true); err != nil {
		t.Fatal(err)
	}
	root.advance("host.t1")
	s, _, err := w.Walk(t0.Add(10*time.Second), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Procs {
		switch p.Name {
		case "systemd":
			if p.ReadBps != 5000 || p.WriteBps != 0 || p.CPU != 1 {
				t.Errorf("systemd: got read %d B/s write %d B/s CPU %v, want 5000, 0, 1", p.ReadBps, p.WriteBps, p.CPU)
			}
		case "kthreadd":
			if p.Cmdline != "[kthreadd]" || p.User != "root" {
				t.Errorf("kthreadd: got cmdline %q user %q, want [kthreadd] root", p.Cmdline, p.User)
			}
		case "tmux: server (1)":
			if p.WriteBps != 1024 {
				t.Errorf("tmux: got write %d B/s, want 1024", p.WriteBps)
			}
		}
	}
}

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
		comm     string
	}{
		{"plain", "1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 1 0 10 100 50 18446744073709551615", true, "init"},
		{"parens in name", "7 (a) (b)) R 0 1 1 0 -1 0 1 0 0 0 1 2 0 0 20 0 1 0 3 100 4 0", true, "a) (b)"},
		{"negative rss", "7 (x) R 0 1 1 0 -1 0 1 0 0 0 1 2 0 0 20 0 1 0 3 100 -4 0", true, "x"},
		{"truncated", "7 (x) R 0 1 1", false, ""},
		{"no name", "7 x R", false, ""},
		{"garbage number", "7 (x) R 0 1 1 0 -1 0 1 0 0 0 z 2 0 0 20 0 1 0 3 100 4 0", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := parseStat([]byte(tc.in))
			if ok != tc.ok || (ok && string(s.comm) != tc.comm) {
				t.Errorf("got %q, %v; want %q, %v", s.comm, ok, tc.comm, tc.ok)
			}
		})
	}
}

func TestCut(t *testing.T) {
	if got := cut("héllo", 2); got != "h" {
		t.Errorf("got %q, want %q (no split UTF-8)", got, "h")
	}
	if got := cmdline([]byte("a\x00b\nc\x00\x00"), 100); got != "a b c" {
		t.Errorf("got %q, want %q", got, "a b c")
	}
}

// FuzzParse feeds arbitrary bytes to the /proc parsers: they must not panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 1 0 10 100 50 0"))
	f.Add([]byte("Uid:\t0\t0\t0\t0\nread_bytes: 5\nwrite_bytes: 6\nbtime 17\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseStat(b)
		parseUID(b)
		parseIO(b)
		parseBtime(b)
		parsePasswd(b, map[uint32]string{})
		cut(cmdline(b, 16), 8)
	})
}
