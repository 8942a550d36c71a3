package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeTarget is a real HTTP server that fails for chosen locations, told apart by the
// X-Vigil-Probe header every probe sends, and counts requests per location.
type probeTarget struct {
	mu    sync.Mutex
	fail  map[string]bool
	calls map[string]int
}

func (p *probeTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	loc := r.Header.Get("X-Vigil-Probe")
	p.mu.Lock()
	p.calls[loc]++
	fail := p.fail[loc]
	p.mu.Unlock()
	if fail {
		http.Error(w, "broken for "+loc, http.StatusServiceUnavailable)
		return
	}
	fmt.Fprint(w, "ok")
}

func (p *probeTarget) failFor(locs ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = map[string]bool{}
	for _, l := range locs {
		p.fail[l] = true
	}
}

func (p *probeTarget) callsFrom(loc string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[loc]
}

type probeCheckView struct {
	Check struct {
		State          string `json:"state"`
		Message        string `json:"message"`
		LocationStates []struct {
			Location   string   `json:"location"`
			State      string   `json:"state"`
			Reason     string   `json:"reason"`
			ResponseMs *float64 `json:"response_ms"`
		} `json:"location_states"`
	} `json:"check"`
}

// states renders the check as "overall | loc=state ..." for conditions and failure messages.
func (v probeCheckView) states() string {
	var b strings.Builder
	b.WriteString(v.Check.State + " |")
	for _, l := range v.Check.LocationStates {
		b.WriteString(" " + l.Location + "=" + l.State)
	}
	return b.String()
}

// TestRemoteProbes runs a check from the hub and three real agents against a real HTTP server
// that fails for chosen locations: one failing location shows as down on its own while the
// check stays up; the check goes down only when a quorum (2) of locations agrees, and comes
// back up when one of the failing agents goes offline (unknown, not down) and when the target
// recovers; the agent started without --probes never probes and stays an unknown location.
func TestRemoteProbes(t *testing.T) {
	target := &probeTarget{fail: map[string]bool{}, calls: map[string]int{}}
	srv := httptest.NewServer(target)
	defer srv.Close()

	e := startHub(t)
	idA, tokA := e.addHost(t, "probe-a")
	idB, tokB := e.addHost(t, "probe-b")
	idC, tokC := e.addHost(t, "plain-c")
	locA, locB, locC := fmt.Sprint("host:", idA), fmt.Sprint("host:", idB), fmt.Sprint("host:", idC)
	agent := func(tok string, extra ...string) *proc {
		return start(t, "vigil-agent", append([]string{"--hub", e.url, "--token", tok, "--spool-dir", "-", "--procs=false"}, extra...)...)
	}
	agentA := agent(tokA, "--probes")
	agent(tokB, "--probes")
	agentC := agent(tokC) // no opt-in

	// The hub learns from each hello whether the agent accepts probes (the UI offers only those).
	waitDesc(t, "three agents online, two accepting probes", 30*time.Second, func() (bool, string) {
		var hosts struct {
			Hosts []struct {
				ID     int64          `json:"id"`
				Online bool           `json:"online"`
				Facts  map[string]any `json:"facts"`
			} `json:"hosts"`
		}
		e.get(t, "/api/v1/hosts", &hosts)
		probes := map[int64]any{}
		online := 0
		for _, h := range hosts.Hosts {
			if h.Online {
				online++
			}
			probes[h.ID] = h.Facts["probes"]
		}
		return online == 3 && probes[idA] == true && probes[idB] == true && probes[idC] == false, fmt.Sprint(hosts)
	})

	body := fmt.Sprintf(`{"name":"site","type":"http","url":"%s/","interval_s":10,"timeout_ms":3000,
		"locations":{"hub":true,"hosts":[%d,%d,%d]},"quorum":2}`, srv.URL, idA, idB, idC)
	var created struct {
		Check struct {
			ID int64 `json:"id"`
		} `json:"check"`
	}
	target.failFor(locA)
	if code := e.postJSON(t, "/api/v1/checks", body, &created); code != 201 {
		t.Fatalf("create check: got %d", code)
	}
	path := fmt.Sprint("/api/v1/checks/", created.Check.ID)
	view := func() probeCheckView {
		var v probeCheckView
		e.get(t, path, &v)
		return v
	}
	until := func(what, want string) probeCheckView {
		t.Helper()
		var v probeCheckView
		waitDesc(t, what, 45*time.Second, func() (bool, string) {
			v = view()
			return v.states() == want, v.states() + " — " + v.Check.Message
		})
		return v
	}

	// One location fails: it shows down on its own, the check stays up.
	v := until("agent A down alone, check up", "up | hub=up "+locA+"=down "+locB+"=up "+locC+"=unknown")
	for _, l := range v.Check.LocationStates {
		switch l.Location {
		case locA:
			if !strings.Contains(l.Reason, "503") {
				t.Errorf("agent A's reason: got %q, want the 503", l.Reason)
			}
		case locB, "hub":
			if l.ResponseMs == nil || *l.ResponseMs <= 0 {
				t.Errorf("%s: got response time %v, want a positive one", l.Location, l.ResponseMs)
			}
		case locC:
			if !strings.Contains(l.Reason, "--probes") && !strings.Contains(l.Reason, "not accepting probes") {
				t.Errorf("agent C's reason: got %q, want it to say probes are not enabled", l.Reason)
			}
		}
	}

	// Two of four fail: the quorum of 2 agrees, the check is down and says why.
	target.failFor(locA, "hub")
	v = until("quorum down", "down | hub=down "+locA+"=down "+locB+"=up "+locC+"=unknown")
	if !strings.Contains(v.Check.Message, "down from 2 of 4 locations (quorum 2)") {
		t.Errorf("down message: got %q", v.Check.Message)
	}
	var inc struct {
		Incidents []struct {
			End     *time.Time `json:"end"`
			Message string     `json:"message"`
		} `json:"incidents"`
	}
	e.get(t, path+"/incidents", &inc)
	if len(inc.Incidents) != 1 || inc.Incidents[0].End != nil || !strings.Contains(inc.Incidents[0].Message, "quorum") {
		t.Errorf("incidents: got %+v, want one open incident by quorum", inc.Incidents)
	}

	// An agent that goes offline is unknown, not down: agent A's down vote is withdrawn and
	// the hub's alone is below the quorum.
	if err := agentA.stop(t); err != nil {
		t.Fatalf("stop agent A: %v", err)
	}
	until("agent A offline", "up | hub=down "+locA+"=unknown "+locB+"=up "+locC+"=unknown")

	// Recovery: everyone answers again (agent A back, with --probes).
	target.failFor()
	agentA = agent(tokA, "--probes")
	until("recovered", "up | hub=up "+locA+"=up "+locB+"=up "+locC+"=unknown")

	// Per-location response times are stored as series.
	_, ser := e.raw(t, path+"/series")
	for _, want := range []string{`"check_location_response_ms"`, `"` + locA + `"`, `"` + locB + `"`, `"hub"`} {
		if !strings.Contains(ser, want) {
			t.Errorf("series: no %s in %s", want, ser)
		}
	}

	// The checks list's recent bars carry a response time (the mean over the locations).
	var list struct {
		Checks []struct {
			Recent []struct {
				ResponseMs *float64 `json:"response_ms"`
			} `json:"recent"`
		} `json:"checks"`
	}
	e.get(t, "/api/v1/checks", &list)
	if len(list.Checks) != 1 {
		t.Fatalf("checks list: got %d checks, want 1", len(list.Checks))
	}
	withResponse := 0
	for _, r := range list.Checks[0].Recent {
		if r.ResponseMs != nil && *r.ResponseMs > 0 {
			withResponse++
		}
	}
	if withResponse == 0 {
		t.Errorf("checks list: got %+v, want recent bars with response times", list)
	}

	// The agent without opt-in never probed, and never logged running checks.
	if n := target.callsFrom(locC); n != 0 {
		t.Errorf("agent without --probes made %d requests, want 0", n)
	}
	if n := target.callsFrom(locA); n < 3 {
		t.Errorf("agent A made %d requests, want at least 3", n)
	}
	if strings.Contains(agentC.output(), "running checks") || strings.Contains(agentC.output(), "sent uptime checks") {
		t.Errorf("agent without --probes was given checks:\n%s", agentC.output())
	}
	if !strings.Contains(agentA.output(), "remote probes enabled") {
		t.Errorf("agent A does not say probes are enabled:\n%s", agentA.output())
	}
}

// waitDesc polls cond (real processes run on their own clocks) and fails with the last
// description after timeout.
func waitDesc(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		ok, desc := cond()
		if ok {
			return
		}
		last = desc
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
