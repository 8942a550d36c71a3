package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/hub"
)

// The tests in this package run the load generator in-process against real hub processes
// (`vigil serve`), built once by TestMain: the same binary operators run, on loopback.

var vigilBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-load-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir, "../../cmd/vigil")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the hub:", err)
		os.Exit(1)
	}
	vigilBin = filepath.Join(dir, "vigil")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hubProc is a running `vigil serve`.
type hubProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	mu   sync.Mutex
	out  bytes.Buffer
}

var hubURLRe = regexp.MustCompile(`Vigil hub is running at (http://\S+)`)

// startHubProc starts a hub on data, listening on listen (127.0.0.1:0 for any port), and waits
// until it serves.
func startHubProc(t *testing.T, data, listen string) *hubProc {
	t.Helper()
	h := &hubProc{cmd: exec.Command(vigilBin, "serve", "--data", data, "--listen", listen), done: make(chan struct{})}
	pr, pw := io.Pipe()
	h.cmd.Stdout, h.cmd.Stderr = pw, pw
	if err := h.cmd.Start(); err != nil {
		t.Fatalf("start hub: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			h.mu.Lock()
			h.out.WriteString(sc.Text() + "\n")
			h.mu.Unlock()
		}
		io.Copy(io.Discard, pr)
	}()
	go func() { h.cmd.Wait(); pw.Close(); close(h.done) }()
	t.Cleanup(func() {
		h.stop()
		if t.Failed() {
			t.Logf("hub output (last 60 lines):\n%s", tail(h.output(), 60))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := hubURLRe.FindStringSubmatch(h.output()); m != nil {
			h.url = m[1]
			return h
		}
		select {
		case <-h.done:
			t.Fatalf("hub exited at start:\n%s", h.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("hub not serving after 30 s:\n%s", h.output())
		}
	}
}

func (h *hubProc) pid() int { return h.cmd.Process.Pid }

func (h *hubProc) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.out.String()
}

// stop asks the hub to shut down (SIGINT, as Ctrl-C) and waits; SIGKILL after 20 s.
func (h *hubProc) stop() {
	select {
	case <-h.done:
		return
	default:
	}
	h.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-h.done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-h.done
	}
}

// kill9 ends the hub with SIGKILL: no shutdown code runs.
func (h *hubProc) kill9() {
	h.cmd.Process.Signal(syscall.SIGKILL)
	<-h.done
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadConfig is the generator's configuration for tests: the realistic 148-series host of the
// command's defaults, reports every 5 s. The window starts one interval after every agent is
// in, waiting up to 30 s past the ramp and warm-up for that (a loaded CI machine).
func loadConfig(hubURL string, hubPID, n int, interval, ramp, duration time.Duration) config {
	return config{hub: hubURL, hubPID: hubPID, n: n, interval: interval, ramp: ramp, duration: duration,
		settle: 30 * time.Second, stormBudget: time.Minute, grace: 5 * time.Second, report: 5 * time.Second, cores: 6, mounts: 4, disks: 2, nics: 2, temps: 10}
}

// prepareHosts creates n load hosts in data (the hub must not run yet) and returns their tokens.
func prepareHosts(t *testing.T, data string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tokens, err := prepare(ctx, data, hub.Database{}, filepath.Join(t.TempDir(), "tokens.txt"), n, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// envDuration reads a duration knob for the full-length versions of these tests.
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// requireClean fails the test when the run saw any agent-side error: dial failures, dropped
// connections, failed writes, error frames, or snapshots left unacknowledged.
func requireClean(t *testing.T, res result) {
	t.Helper()
	if res.dialErrs != 0 || res.disconnects != 0 || res.writeErrs != 0 || res.errFrms != 0 || res.lost != 0 || res.unacked != 0 {
		t.Errorf("got dial errors %d, disconnects %d, write errors %d, error frames %d, lost %d, unacked %d; want all 0",
			res.dialErrs, res.disconnects, res.writeErrs, res.errFrms, res.lost, res.unacked)
	}
}

// envInt reads a count knob for the full-length versions of these tests.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
