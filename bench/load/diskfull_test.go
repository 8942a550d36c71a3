package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a 16 MB tmpfs at a temporary directory and returns it; the test is skipped
// when this process may not mount (not root, or no CAP_SYS_ADMIN in a container).
func smallDisk(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("disk-full test needs root to mount a 16 MB tmpfs (CI runs as root); skipped")
	}
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("disk-full test cannot mount a tmpfs here (%v: %s); skipped", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file that leaves about keep bytes free on dir's filesystem.
func fill(t *testing.T, dir string, keep int64) string {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	free := int64(fs.Bavail) * int64(fs.Bsize)
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for left := free - keep; left > 0; left -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
			t.Fatalf("fill the disk: %v", err)
		}
	}
	return path
}

// TestDiskFull runs the hub on a 16 MB tmpfs, fills it while 100 agents report every second,
// and expects: snapshots refused with an error frame that says the disk is full (agents keep
// them), the hub alive and saying so in its log, nothing acknowledged lost, the database intact
// (PRAGMA integrity_check), and full service again once space is freed.
func TestDiskFull(t *testing.T) {
	const n = 100
	disk := smallDisk(t)
	data := filepath.Join(disk, "data")
	tokens := prepareHosts(t, data, n)
	h := startHubProc(t, data, "127.0.0.1:0")

	// The disk fills while the agents are connected and reporting.
	cfg := loadConfig(h.url, h.pid(), n, time.Second, time.Second, 10*time.Second)
	cfg.recordAcks = true
	filled := make(chan string, 1)
	go func() {
		time.Sleep(cfg.ramp + cfg.interval + 2*time.Second)
		filled <- fill(t, disk, 32<<10)
	}()
	full, err := run(context.Background(), cfg, tokens)
	filler := <-filled
	if err != nil {
		t.Fatal(err)
	}
	if full.errFrms == 0 || !strings.Contains(full.firstErr, "disk is full") {
		t.Fatalf("disk full: got %d error frames, first error %q; want error frames saying the hub's disk is full", full.errFrms, full.firstErr)
	}
	select {
	case <-h.done:
		t.Fatal("hub exited on a full disk")
	default:
	}
	if !strings.Contains(h.output(), "disk full: refusing agents' snapshots") {
		t.Errorf("hub log does not say the disk is full:\n%s", tail(h.output(), 20))
	}
	t.Logf("disk full: %d error frames to agents, %.1f of %.1f snapshots/s acknowledged; first agent error: %s", full.errFrms, full.ackRate, full.offered, full.firstErr)

	// Space returns: the same hub, without a restart, takes everything again.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	cfg.duration = 6 * time.Second
	again, err := run(context.Background(), cfg, tokens)
	if err != nil {
		t.Fatal(err)
	}
	if !again.keepsUp {
		t.Errorf("after space was freed the hub did not keep up: %s", again.verdict)
	}
	requireClean(t, again)
	h.stop()

	stored := storedTimes(t, data)
	missing, acked := 0, 0
	for _, r := range []result{full, again} {
		for i, times := range r.ackedTimes {
			for _, ts := range times {
				acked++
				if !stored[i][ts] {
					missing++
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged snapshots missing", missing, acked)
	}
	integrityCheck(t, data)
	t.Logf("after freeing space: %.1f of %.1f snapshots/s acknowledged, p99 %s; %d acknowledged snapshots all stored; integrity ok", again.ackRate, again.offered, again.p99, acked)
}
