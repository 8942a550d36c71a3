package e2e

import (
	"net/url"
	"os"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestHubKilledAndDownForAMinute kills the hub with SIGKILL while agents report every second
// (3 agent processes with spools; VIGIL_E2E_OUTAGE_AGENTS overrides), keeps it down for 60 s
// (VIGIL_E2E_OUTAGE overrides, e.g. 10m for the full-length run), starts it again on the same
// address and data, and expects every host's stored series to have no gap and no duplicate:
// the agents' spools kept everything the dead hub had not acknowledged, and the hub stored
// each snapshot once.
func TestHubKilledAndDownForAMinute(t *testing.T) {
	outage := 60 * time.Second
	if v := os.Getenv("VIGIL_E2E_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("VIGIL_E2E_OUTAGE: %v", err)
		}
		outage = d
	}
	agents := 3
	if v := os.Getenv("VIGIL_E2E_OUTAGE_AGENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("VIGIL_E2E_OUTAGE_AGENTS=%q: want a positive number", v)
		}
		agents = n
	}
	e := startHub(t)
	ids := make([]int64, agents)
	for i := range ids {
		name := "steady-" + strconv.Itoa(i)
		id, tok := e.addHost(t, name)
		ids[i] = id
		start(t, "vigil-agent", "--hub", e.url, "--token", tok, "--interval", "1s", "--spool-dir", t.TempDir())
		e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=`+name+` `), 20*time.Second)
	}
	began := time.Now()
	time.Sleep(3 * time.Second) // a few acknowledged snapshots before the crash

	e.hub.cmd.Process.Signal(syscall.SIGKILL)
	<-e.hub.done
	time.Sleep(outage)
	u, _ := url.Parse(e.url)
	e.hub = start(t, "vigil", "serve", "--data", e.data, "--listen", u.Host)
	for i := range ids {
		e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=steady-`+strconv.Itoa(i)+` `), 90*time.Second)
	}

	for i, id := range ids {
		// Wait until the backlog has arrived: as many points as seconds passed. The range starts
		// when every agent was connected: an agent's first snapshot is taken at start and the
		// next on a second boundary, and when that first collection is slow (20 agents starting
		// at once in the 10-minute run) it skips one boundary, a gap of up to 2 s that has
		// nothing to do with the outage.
		path := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/series?names=system.uptime_s&step=1&from=" + strconv.FormatInt(began.UnixMilli(), 10)
		var res seriesResponse
		deadline := time.Now().Add(60 * time.Second)
		for {
			res = seriesResponse{}
			if code := e.get(t, path, &res); code != 200 {
				t.Fatalf("GET %s: %d", path, code)
			}
			want := int(time.Since(began).Seconds()) - 2
			if len(res.Times) >= want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("host steady-%d: got %d points after the outage, want ≥ %d", i, len(res.Times), want)
			}
			time.Sleep(500 * time.Millisecond)
		}
		for j := 1; j < len(res.Times); j++ {
			gap := res.Times[j] - res.Times[j-1]
			if gap <= 0 {
				t.Fatalf("host steady-%d: duplicate or disorder at %d: %v then %v", i, j, res.Times[j-1], res.Times[j])
			}
			if gap > 1500 {
				t.Errorf("host steady-%d: gap of %d ms at %s", i, gap, time.UnixMilli(res.Times[j-1]).Format(time.TimeOnly))
			}
		}
	}
}
