// Package e2e starts real hub and agent processes, built from this module, and drives them the
// way an operator would: CLI for accounts and tokens, REST with a bearer token, and a headless
// browser for the UI.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds vigil and vigil-agent, built once for the whole package by TestMain.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir, "../cmd/vigil", "../cmd/vigil-agent")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building binaries:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running child process whose output is captured line by line.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(filepath.Join(binDir, name), args...), done: make(chan struct{})}
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	go func() { p.cmd.Wait(); pw.Close(); close(p.done) }()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor polls the process output for a pattern; the child runs on its own clock, so polling
// with a deadline is the only way to observe it.
func (p *proc) waitFor(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.output()); m != nil {
			return m
		}
		select {
		case <-p.done:
			t.Fatalf("process exited before printing %q", re)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in output after %s", re, timeout)
	return nil
}

// stop sends SIGINT and waits, as Ctrl-C would.
func (p *proc) stop(t *testing.T) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
		if c := p.cmd.ProcessState.ExitCode(); c != 0 {
			return fmt.Errorf("exit code %d after SIGINT", c)
		}
		return nil
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not stop within 15 s of SIGINT")
	}
}

// run executes a CLI command to completion with stdin and returns its output.
func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// hubEnv is a running hub with an owner account and an API token.
type hubEnv struct {
	url, data, email, password, token string
	hub                               *proc
	client                            *http.Client
	// dbArgs select the database for the hub and every admin command (--database …); nil
	// means the embedded SQLite database in data.
	dbArgs []string
}

var (
	urlRe    = regexp.MustCompile(`Vigil hub is running at (https?://\S+)`)
	secretRe = regexp.MustCompile(`vgt_[A-Za-z0-9_\-]+`)
	agentRe  = regexp.MustCompile(`vgh_[A-Za-z0-9_\-]+`)
	hostIDRe = regexp.MustCompile(`(?i)host id:?\s*(\d+)`)
)

func startHub(t *testing.T, extra ...string) *hubEnv {
	t.Helper()
	var dbArgs []string
	if os.Getenv("VIGIL_E2E_PG") == "1" {
		dbArgs = pgDatabase(t)
	}
	return startHubOn(t, dbArgs, extra...)
}

// startHubOn is startHub on the database dbArgs name (nil: SQLite in the data directory).
func startHubOn(t *testing.T, dbArgs []string, extra ...string) *hubEnv {
	t.Helper()
	e := &hubEnv{data: t.TempDir(), email: "owner@example.com", password: "correct horse battery staple", client: http.DefaultClient, dbArgs: dbArgs}
	e.hub = start(t, "vigil", append(append([]string{"serve", "--data", e.data, "--listen", "127.0.0.1:0"}, dbArgs...), extra...)...)
	e.url = e.hub.waitFor(t, urlRe, 20*time.Second)[1]
	e.cli(t, e.password+"\n", "admin", "create", "--email", e.email)
	out := e.cli(t, "", "token", "create", "--email", e.email, "--name", "e2e", "--scope", "write")
	e.token = secretRe.FindString(out)
	if e.token == "" {
		t.Fatalf("no API token in output of token create:\n%s", out)
	}
	return e
}

// cli runs an admin command of vigil on this hub's data directory and database.
func (e *hubEnv) cli(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	return run(t, stdin, "vigil", append(append(args, "--data", e.data), e.dbArgs...)...)
}

// addHost registers a host through the CLI and returns its id and agent token.
func (e *hubEnv) addHost(t *testing.T, name string) (int64, string) {
	t.Helper()
	out := e.cli(t, "", "host", "add", "--name", name, "--public-url", e.url)
	tok := agentRe.FindString(out)
	m := hostIDRe.FindStringSubmatch(out)
	if tok == "" || m == nil {
		t.Fatalf("no host id or agent token in output of host add:\n%s", out)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id, tok
}

// post calls the REST API with the bearer token and decodes the JSON answer into v.
func (e *hubEnv) post(t *testing.T, path string, v any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if v != nil {
		_ = json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// postJSON posts a JSON body with the bearer token and decodes the answer into v.
func (e *hubEnv) postJSON(t *testing.T, path, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

// raw calls the REST API with the bearer token and returns the body as text.
func (e *hubEnv) raw(t *testing.T, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// get calls the REST API with the bearer token and decodes JSON into v.
func (e *hubEnv) get(t *testing.T, path string, v any) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+path, nil)
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: decode %s: %v", path, body, err)
		}
	}
	return resp.StatusCode
}
