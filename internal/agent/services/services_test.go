package services

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

func TestParseSpecs(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"nginx, process:postgres ,tcp:127.0.0.1:5432,http:https://x/health", "systemd:nginx.service process:postgres tcp:127.0.0.1:5432 http:https://x/health", ""},
		{"nginx,nginx.service,docker.socket", "systemd:nginx.service systemd:docker.socket", ""},
		{"", "", ""},
		{"http:ftp://x", "", "http:// or https://"},
		{"tcp:5432", "", "host:port"},
		{"process:", "", "kind:name"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			specs, err := ParseSpecs(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			var got []string
			for _, s := range specs {
				got = append(got, s.Kind+":"+s.Name)
			}
			if g := strings.Join(got, " "); err != nil || g != tc.want {
				t.Errorf("got %q, %v; want %q", g, err, tc.want)
			}
		})
	}
}

// TestNetworkChecks checks TCP and HTTP services against real local servers.
func TestNetworkChecks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
		case "/broken":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name    string
		spec    Spec
		slow    time.Duration
		state   wire.ServiceState
		reasonP string // reason prefix
	}{
		{"tcp open", Spec{KindTCP, ln.Addr().String()}, 0, wire.ServiceHealthy, "connected in "},
		{"tcp refused", Spec{KindTCP, closedAddr}, 0, wire.ServiceDown, "connection refused"},
		{"tcp slow", Spec{KindTCP, ln.Addr().String()}, time.Nanosecond, wire.ServiceDegraded, "slow: connected in "},
		{"http 200", Spec{KindHTTP, srv.URL + "/ok"}, 0, wire.ServiceHealthy, "HTTP 200 in "},
		{"http 302 is not followed", Spec{KindHTTP, srv.URL + "/redirect"}, 0, wire.ServiceHealthy, "HTTP 302 in "},
		{"http 503", Spec{KindHTTP, srv.URL + "/broken"}, 0, wire.ServiceDown, "HTTP 503"},
		{"http 404", Spec{KindHTTP, srv.URL + "/missing"}, 0, wire.ServiceDegraded, "HTTP 404"},
		{"http refused", Spec{KindHTTP, "http://" + closedAddr + "/"}, 0, wire.ServiceDown, "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Config{Specs: []Spec{tc.spec}, SlowAfter: tc.slow})
			got := c.Check(context.Background(), time.Now()).Services[0]
			if got.State != tc.state || !strings.HasPrefix(got.Reason, tc.reasonP) {
				t.Errorf("got %s %q, want %s %q…", got.State, got.Reason, tc.state, tc.reasonP)
			}
		})
	}
}

// TestProcessServices uses a fixture /proc: postgres twice by comm, a long name matched by
// its command line's first argument.
func TestProcessServices(t *testing.T) {
	root := t.TempDir()
	for pid, p := range map[string][2]string{
		"10": {"postgres", "/usr/lib/postgresql/16/bin/postgres\x00-D\x00/x\x00"},
		"11": {"postgres", "postgres: checkpointer\x00"},
		"12": {"node_exporter_c", "/opt/node_exporter_custom\x00--web\x00"},
	} {
		dir := filepath.Join(root, "proc", pid)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "comm"), []byte(p[0]+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "cmdline"), []byte(p[1]), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "proc", "self"), 0o755)
	specs, _ := ParseSpecs("process:postgres,process:node_exporter_custom,process:redis-server")
	got := New(Config{Specs: specs, Root: root}).Check(context.Background(), time.Now()).Services
	want := []wire.Service{
		{Kind: "process", Name: "postgres", State: wire.ServiceHealthy, Reason: "2 processes"},
		{Kind: "process", Name: "node_exporter_custom", State: wire.ServiceHealthy, Reason: "1 process"},
		{Kind: "process", Name: "redis-server", State: wire.ServiceDown, Reason: "no process named redis-server"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %+v, want %+v", got[i], want[i])
		}
	}
}

// dockerAPI is a Unix-socket HTTP server answering the Engine API calls the agent makes with
// documents shaped as in the Engine API reference (v1.41+): a healthy running redis, an exited
// job, and a restarting web container with a failing health check.
func dockerAPI(t *testing.T, cpuNs, rxBytes *uint64) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	list := `[
 {"Id":"3f2a9c1d2e4b5a6978877665544332211","Names":["/redis"],"Image":"redis:7","ImageID":"sha256:1","Command":"redis-server","Created":1763800000,"State":"running","Status":"Up 2 hours (healthy)","Ports":[],"Labels":{}},
 {"Id":"aaaabbbbccccddddeeeeffff0000111122223333","Names":["/nightly-job"],"Image":"busybox","State":"exited","Status":"Exited (0) 3 hours ago"},
 {"Id":"9999888877776666555544443333222211110000","Names":["/web"],"Image":"nginx:1.27","State":"restarting","Status":"Restarting (1) 5 seconds ago"}
]`
	inspect := map[string]string{
		"3f2a9c1d2e4b5a6978877665544332211":        `{"Id":"3f2a","RestartCount":2,"State":{"Status":"running","Running":true,"Health":{"Status":"healthy","FailingStreak":0}}}`,
		"aaaabbbbccccddddeeeeffff0000111122223333": `{"Id":"aaaa","RestartCount":0,"State":{"Status":"exited","Running":false,"ExitCode":0}}`,
		"9999888877776666555544443333222211110000": `{"Id":"9999","RestartCount":7,"State":{"Status":"restarting","Health":{"Status":"unhealthy","FailingStreak":3}}}`,
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/containers/json" && r.URL.Query().Get("all") == "1":
			w.Write([]byte(list))
		case strings.HasSuffix(r.URL.Path, "/json"):
			id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/containers/"), "/json")
			if doc, ok := inspect[id]; ok {
				w.Write([]byte(doc))
				return
			}
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"No such container: ` + id + `"}`))
		case r.URL.Path == "/containers/3f2a9c1d2e4b5a6978877665544332211/stats" && r.URL.Query().Get("stream") == "false":
			json.NewEncoder(w).Encode(map[string]any{
				"read":         "2026-12-04T10:00:00Z",
				"cpu_stats":    map[string]any{"cpu_usage": map[string]any{"total_usage": *cpuNs}, "system_cpu_usage": 1, "online_cpus": 2},
				"memory_stats": map[string]any{"usage": 12 << 20, "limit": 1 << 30, "stats": map[string]any{"inactive_file": 4 << 20}},
				"networks":     map[string]any{"eth0": map[string]any{"rx_bytes": *rxBytes, "tx_bytes": 100}},
			})
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"page not found"}`))
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sock
}

func TestDockerContainers(t *testing.T) {
	cpuNs, rx := uint64(5e9), uint64(1000)
	sock := dockerAPI(t, &cpuNs, &rx)
	c := New(Config{DockerSocket: sock})
	t0 := time.Unix(1763850000, 0)
	first := c.Check(context.Background(), t0).Containers
	if len(first) != 3 {
		t.Fatalf("got %d containers, want 3: %+v", len(first), first)
	}
	cpuNs, rx = 5e9+15e8, 1000+50000 // 1.5 s of CPU and 50,000 bytes in 10 s
	got := c.Check(context.Background(), t0.Add(10*time.Second)).Containers
	want := []wire.Container{
		{ID: "aaaabbbbcccc", Name: "nightly-job", Image: "busybox", State: "exited"},
		{ID: "3f2a9c1d2e4b", Name: "redis", Image: "redis:7", State: "running", Health: "healthy", Restarts: 2,
			CPU: 15, MemBytes: 8 << 20, MemLimit: 1 << 30, RxBps: 5000, TxBps: 0},
		{ID: "999988887777", Name: "web", Image: "nginx:1.27", State: "restarting", Health: "unhealthy", Restarts: 7},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("container %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if first[1].CPU != 0 || first[1].RxBps != 0 {
		t.Errorf("first check: got CPU %v, rx %v; want no rates yet", first[1].CPU, first[1].RxBps)
	}
}

func TestNoDockerSocket(t *testing.T) {
	c := New(Config{DockerSocket: filepath.Join(t.TempDir(), "docker.sock")})
	if got := c.Check(context.Background(), time.Now()); got.Containers != nil {
		t.Errorf("got %+v, want no containers", got.Containers)
	}
}
