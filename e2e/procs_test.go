package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

type processTable struct {
	Time      int64 `json:"time"`
	Total     int   `json:"total"`
	Processes []struct {
		PID     int     `json:"pid"`
		StartMs int64   `json:"start_ms"`
		Name    string  `json:"name"`
		User    string  `json:"user"`
		Cmdline string  `json:"cmdline"`
		CPU     float64 `json:"cpu_pct"`
		RSS     uint64  `json:"rss_bytes"`
	} `json:"processes"`
}

type processEvents struct {
	Events []struct {
		Kind string `json:"kind"`
		PID  int    `json:"pid"`
	} `json:"events"`
}

// TestAgentReportsProcesses runs a real agent walking this machine's /proc every second and a
// process that burns CPU (so it is in the top 10 by CPU), and checks through the REST API that
// the hub shows the process with its command line, then records its start and its exit.
func TestAgentReportsProcesses(t *testing.T) {
	e := startHub(t)
	id, agentToken := e.addHost(t, "procs-host")
	hostPort := strings.TrimPrefix(e.url, "http://")
	agent := start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--proc-interval", "1s", "--spool-dir", t.TempDir(),
		"--service-interval", "1s", "--services", "process:vigil,tcp:"+hostPort+",http:"+e.url+"/healthz,http:"+e.url+"/api/v1/nothing,process:no-such-daemon")
	base := "/api/v1/hosts/" + strconv.FormatInt(id, 10)

	poll := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	var table processTable
	poll("first process table", func() bool {
		return e.get(t, base+"/processes", &table) == 200 && table.Time > 0 && table.Total > 0
	})

	burner := exec.Command("sh", "-c", "while :; do :; done # vigil-e2e-burner")
	if err := burner.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			burner.Process.Kill()
			burner.Wait()
		}
	})
	pid := burner.Process.Pid
	poll("the burner in the process table", func() bool {
		if e.get(t, base+"/processes?q="+strconv.Itoa(pid), &table) != 200 || len(table.Processes) != 1 {
			return false
		}
		p := table.Processes[0]
		return p.CPU > 20 && p.Cmdline == "sh -c while :; do :; done # vigil-e2e-burner" && p.Name == "sh" && p.RSS > 0 && p.User != ""
	})
	burner.Process.Kill()
	burner.Wait()
	killed = true
	var evs processEvents
	poll("start and exit events of the burner", func() bool {
		if e.get(t, base+"/process-events", &evs) != 200 {
			return false
		}
		kinds := ""
		for _, ev := range evs.Events {
			if ev.PID == pid {
				kinds += ev.Kind + " "
			}
		}
		return kinds == "exit start "
	})
	var svcs struct {
		Services []struct{ Kind, Name, State, Reason string } `json:"services"`
	}
	poll("service states", func() bool {
		if e.get(t, base+"/services", &svcs) != 200 || len(svcs.Services) != 5 {
			return false
		}
		got := map[string]string{}
		for _, s := range svcs.Services {
			got[s.Kind+" "+s.Name] = s.State
		}
		return got["process vigil"] == "healthy" && got["tcp "+hostPort] == "healthy" && got["http "+e.url+"/healthz"] == "healthy" &&
			got["http "+e.url+"/api/v1/nothing"] == "degraded" && got["process no-such-daemon"] == "down"
	})
	if err := agent.stop(t); err != nil {
		t.Errorf("agent: %v", err)
	}
}
