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

// TestHubKilledAndDownForAMinute kills the hub with SIGKILL while an agent reports every second,
// keeps it down for 60 s (VIGIL_E2E_OUTAGE overrides), starts it again on the same address and
// data, and expects the stored series to have no gap and no duplicate: the agent's spool kept
// everything the dead hub had not acknowledged, and the hub stored each snapshot once.
func TestHubKilledAndDownForAMinute(t *testing.T) {
	outage := 60 * time.Second
	if v := os.Getenv("VIGIL_E2E_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("VIGIL_E2E_OUTAGE: %v", err)
		}
		outage = d
	}
	e := startHub(t)
	id, tok := e.addHost(t, "steady")
	start(t, "vigil-agent", "--hub", e.url, "--token", tok, "--interval", "1s", "--spool-dir", t.TempDir())
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=steady`), 20*time.Second)
	began := time.Now()
	time.Sleep(3 * time.Second) // a few acknowledged snapshots before the crash

	e.hub.cmd.Process.Signal(syscall.SIGKILL)
	<-e.hub.done
	time.Sleep(outage)
	u, _ := url.Parse(e.url)
	e.hub = start(t, "vigil", "serve", "--data", e.data, "--listen", u.Host)
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=steady`), 90*time.Second)

	// Wait until the backlog has arrived: as many points as seconds passed.
	path := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/series?names=system.uptime_s&step=1&from=" + strconv.FormatInt(began.Add(-5*time.Second).UnixMilli(), 10)
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
			t.Fatalf("got %d points after the outage, want ≥ %d", len(res.Times), want)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for i := 1; i < len(res.Times); i++ {
		gap := res.Times[i] - res.Times[i-1]
		if gap <= 0 {
			t.Fatalf("duplicate or disorder at %d: %v then %v", i, res.Times[i-1], res.Times[i])
		}
		if gap > 1500 {
			t.Errorf("gap of %d ms at %s", gap, time.UnixMilli(res.Times[i-1]).Format(time.TimeOnly))
		}
	}
}
