package e2e

import (
	"bufio"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

type hostsResponse struct {
	Hosts []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Online bool   `json:"online"`
		Facts  struct {
			Cores       int    `json:"cores"`
			MemoryBytes uint64 `json:"memory_bytes"`
		} `json:"facts"`
		Latest *struct {
			CPUPct *float64 `json:"cpu_pct"`
			MemPct *float64 `json:"mem_pct"`
		} `json:"latest"`
	} `json:"hosts"`
}

type seriesResponse struct {
	Times  []int64 `json:"times"`
	Series []struct {
		Name   string     `json:"name"`
		Label  string     `json:"label"`
		Values []*float64 `json:"values"`
	} `json:"series"`
}

// memTotal reads this machine's MemTotal in bytes, the figure the agent must report.
func memTotal(t *testing.T) float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skipf("no /proc/meminfo on this system: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	t.Fatal("no MemTotal in /proc/meminfo")
	return 0
}

// TestAgentToHubEndToEnd starts a hub and an agent process and checks, through the REST API with
// an API token, that this machine's metrics are stored and queryable within seconds.
func TestAgentToHubEndToEnd(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "e2e-host")
	agent := start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--spool-dir", t.TempDir())

	// Poll until the host is online with values; the agent process runs on its own clock.
	var hosts hostsResponse
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code := e.get(t, "/api/v1/hosts", &hosts); code != 200 {
			t.Fatalf("GET /api/v1/hosts: got status %d, want 200", code)
		}
		if len(hosts.Hosts) == 1 && hosts.Hosts[0].Online && hosts.Hosts[0].Latest != nil && hosts.Hosts[0].Latest.CPUPct != nil && hosts.Hosts[0].Facts.Cores > 0 { // facts are written within a second of the hello
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("host not online with data after 20 s: %+v", hosts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	h := hosts.Hosts[0]
	if h.ID != id || h.Name != "e2e-host" {
		t.Errorf("got host %d %q, want %d %q", h.ID, h.Name, id, "e2e-host")
	}
	if h.Facts.Cores < 1 {
		t.Errorf("got %d cores in facts, want ≥ 1", h.Facts.Cores)
	}
	if cpu := *h.Latest.CPUPct; cpu < 0 || cpu > 100 {
		t.Errorf("got cpu %v%%, want 0..100", cpu)
	}

	// The stored series must hold this machine's real memory size.
	var res seriesResponse
	path := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/series?names=mem.total_bytes,cpu.used_pct"
	if code := e.get(t, path, &res); code != 200 {
		t.Fatalf("GET %s: got status %d, want 200", path, code)
	}
	want := memTotal(t)
	found := false
	for _, s := range res.Series {
		if len(s.Values) != len(res.Times) {
			t.Errorf("series %s: %d values for %d times", s.Name, len(s.Values), len(res.Times))
		}
		if s.Name != "mem.total_bytes" {
			continue
		}
		for _, v := range s.Values {
			if v != nil {
				found = true
				if math.Abs(*v-want) > 0 {
					t.Errorf("got mem.total_bytes %v, want %v from /proc/meminfo", *v, want)
				}
			}
		}
	}
	if !found {
		t.Errorf("no stored mem.total_bytes value in %+v", res)
	}

	// The same data exports as CSV, the format `vigil bench codec` reads.
	csvPath := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/export.csv?names=mem.total_bytes&from=" + strconv.FormatInt(time.Now().Add(-time.Hour).UnixMilli(), 10)
	if code, body := e.raw(t, csvPath); code != 200 || !strings.Contains(body, ",mem.total_bytes,") {
		t.Errorf("GET %s: got %d %q, want CSV rows of mem.total_bytes", csvPath, code, body)
	}

	// Ctrl-C stops both cleanly.
	if err := agent.stop(t); err != nil {
		t.Errorf("agent: %v", err)
	}
	if err := e.hub.stop(t); err != nil {
		t.Errorf("hub: %v", err)
	}
}

// TestWrongAgentTokenRefused checks that a wrong token is refused with 401 and that both sides
// say so clearly in their logs.
func TestWrongAgentTokenRefused(t *testing.T) {
	e := startHub(t)
	agent := start(t, "vigil-agent", "--hub", e.url, "--token", "vgh_not-a-real-token", "--spool-dir", t.TempDir())
	e.hub.waitFor(t, regexp.MustCompile(`agent connection refused: token not recognised or revoked`), 15*time.Second)
	agent.waitFor(t, regexp.MustCompile(`(?i)401|rejected|unauthori`), 15*time.Second)
}

// TestRevokedAgentTokenDisconnects rotates a running agent's token through the API: the agent is
// disconnected at once and says its token was rejected, and the host shows offline.
func TestRevokedAgentTokenDisconnects(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "revoked-host")
	agent := start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s")
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=revoked-host`), 15*time.Second)

	var rotated struct {
		Token string `json:"token"`
	}
	path := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/token"
	if code := e.post(t, path, &rotated); code != 200 || !strings.HasPrefix(rotated.Token, "vgh_") || rotated.Token == agentToken {
		t.Fatalf("POST %s: got %d with token %q, want 200 and a new token", path, code, rotated.Token)
	}
	agent.waitFor(t, regexp.MustCompile(`agent token rejected by hub`), 15*time.Second)
	e.hub.waitFor(t, regexp.MustCompile(`agent token rotated; old token revoked`), 5*time.Second)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var hosts hostsResponse
		e.get(t, "/api/v1/hosts", &hosts)
		if len(hosts.Hosts) == 1 && !hosts.Hosts[0].Online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %+v, want the host offline after revocation", hosts.Hosts)
		}
	}
}

// TestEnrollmentKey lets an agent register itself with an organization's enrollment key, then
// restarts it: the second start reuses the saved token instead of spending the key again.
func TestEnrollmentKey(t *testing.T) {
	e := startHub(t)
	var created struct {
		Secret string `json:"secret"`
	}
	if code := e.postJSON(t, "/api/v1/enrollment-keys", `{"name":"fleet","max_uses":1,"expires_in_days":1}`, &created); code != 201 {
		t.Fatalf("create enrollment key: got %d", code)
	}
	spool := t.TempDir()
	agent := start(t, "vigil-agent", "--hub", e.url, "--enroll-key", created.Secret, "--name", "self-enrolled", "--spool-dir", spool, "--interval", "1s")
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=self-enrolled`), 20*time.Second)
	if err := agent.stop(t); err != nil {
		t.Fatal(err)
	}
	// The key allowed one use; a restart must not need it again.
	again := start(t, "vigil-agent", "--hub", e.url, "--enroll-key", created.Secret, "--name", "self-enrolled", "--spool-dir", spool, "--interval", "1s")
	again.waitFor(t, regexp.MustCompile(`connected to hub`), 20*time.Second)
	if strings.Contains(again.output(), "refused enrollment") {
		t.Errorf("restarted agent tried to enroll again:\n%s", again.output())
	}
}
