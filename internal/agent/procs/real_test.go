package procs

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// TestRealProc walks this machine's /proc, where stat files are kept open between walks, and
// checks that a child started and killed between walks shows up as a start and an exit.
func TestRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	w := New(Config{})
	defer w.Close()
	now := time.Now()
	if _, _, err := w.Walk(now, true); err != nil {
		t.Fatal(err)
	}
	if !w.keepFDs || len(w.statFDs) == 0 {
		t.Fatalf("real procfs: keepFDs %v with %d open files, want stat files kept open", w.keepFDs, len(w.statFDs))
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(child.Process.Pid)
	// Start returns once the child exists, not once it has exec'd: until then its name and
	// command line are still this test binary's (or empty mid-exec, shown as "[comm]").
	// Wait for the exec to finish so the walk sees what a user would.
	for i := 0; ; i++ {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(child.Process.Pid) + "/cmdline")
		if string(b) == "sleep\x0060\x00" {
			break
		}
		if i > 5000 {
			t.Fatalf("child never showed command line sleep 60 (last %q)", b)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	find := func(evs []wire.ProcEvent, kind wire.ProcEventKind) bool {
		for _, e := range evs {
			if e.PID == pid && e.Kind == kind && e.Name == "sleep" && e.Cmdline == "sleep 60" {
				return true
			}
		}
		return false
	}
	sample, evs, err := w.Walk(now.Add(time.Second), true)
	if err != nil || !find(evs, wire.ProcStart) {
		t.Fatalf("after starting pid %d: got events %+v (err %v), want its start", pid, evs, err)
	}
	if sample.Total == 0 || len(sample.Procs) != int(sample.Total) {
		t.Errorf("full table: %d of %d processes", len(sample.Procs), sample.Total)
	}
	child.Process.Kill()
	child.Wait()
	_, evs, err = w.Walk(now.Add(2*time.Second), true)
	if err != nil || !find(evs, wire.ProcExit) {
		t.Fatalf("after killing pid %d: got events %+v (err %v), want its exit", pid, evs, err)
	}
	if _, open := w.statFDs[pid]; open {
		t.Errorf("stat file of exited pid %d still open", pid)
	}
}
