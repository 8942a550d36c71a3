package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/notify"
)

// webhookSink is the operator's webhook receiver: it verifies the HMAC signature of every
// request, as a real receiver must, and keeps the alert events it was told about.
type webhookSink struct {
	mu     sync.Mutex
	events []string // "firing:load-high:alert-host"
	bad    int
	good   int // requests with a valid signature
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := notify.Verify("e2e-hmac-secret", r.Header, body, time.Now(), 5*time.Minute); err != nil {
		s.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	s.good++
	var msg struct {
		Data struct {
			Alerts []struct {
				Event  string `json:"event"`
				RuleID string `json:"rule_id"`
				Host   string `json:"host"`
			} `json:"alerts"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &msg)
	for _, a := range msg.Data.Alerts {
		s.events = append(s.events, a.Event+":"+a.RuleID+":"+a.Host)
	}
}

func (s *webhookSink) has(event string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.events {
		if e == event {
			return true
		}
	}
	return false
}

// copyTree copies a fixture directory (the agent's fake /proc and /sys).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAlertEndToEnd: a real agent reads a fake /proc whose load average is above a rule's
// threshold; the hub sends a signed webhook saying the alert fires; after the load average
// drops, a second webhook says it resolved. On the way the alert shows on the alerts API and
// on the host view, and an acknowledgement with a comment lands in the history.
func TestAlertEndToEnd(t *testing.T) {
	sink := &webhookSink{}
	receiver := httptest.NewServer(sink)
	defer receiver.Close()

	root := t.TempDir()
	copyTree(t, "../internal/agent/collect/testdata/server4", root)
	loadavg := filepath.Join(root, "proc", "loadavg")
	if err := os.WriteFile(loadavg, []byte("9.50 3.00 2.00 3/467 12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	e := startHub(t, "--alert-tick", "500ms", "--alert-group-wait", "0s")
	id, agentToken := e.addHost(t, "alert-host")
	var out map[string]any
	if code := e.postJSON(t, "/api/v1/alerting/channels", `{"id":"ops-hook","name":"Ops webhook","type":"webhook","url":"`+receiver.URL+`/hook","secret":"e2e-hmac-secret"}`, &out); code != 201 {
		t.Fatalf("create channel: got %d %v", code, out)
	}
	rule := `{"id":"load-high","name":"Load high","kind":"metric","enabled":true,"metric":"load.1","aggregation":"last",
		"comparison":">","critical":5,"recovery":4,"for":"2s","routing":{"critical":["ops-hook"]}}`
	if code := e.postJSON(t, "/api/v1/alerting/rules", rule, &out); code != 201 {
		t.Fatalf("create rule: got %d %v", code, out)
	}
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--root", root, "--spool-dir", t.TempDir())

	waitUntil(t, 30*time.Second, "firing webhook", func() bool { return sink.has("firing:load-high:alert-host") })

	var active struct {
		Alerts []activeAlert `json:"alerts"`
	}
	if code := e.get(t, "/api/v1/alerts", &active); code != 200 || !slices.ContainsFunc(active.Alerts, func(a activeAlert) bool {
		return a.Key.RuleID == "load-high" && a.State == "firing" && a.Severity == "critical"
	}) {
		t.Fatalf("active alerts: got %d %+v, want load-high firing critical", code, active)
	}
	var host struct {
		Host struct {
			Alerts struct{ Firing int } `json:"alerts"`
		} `json:"host"`
	}
	if code := e.get(t, "/api/v1/hosts/"+strconv.FormatInt(id, 10), &host); code != 200 || host.Host.Alerts.Firing != 1 {
		t.Errorf("host view: got %d %+v, want 1 firing alert", code, host)
	}
	ack := `{"rule_id":"load-high","host_id":"` + strconv.FormatInt(id, 10) + `","comment":"looking at the batch job"}`
	if code := e.postJSON(t, "/api/v1/alerts/ack", ack, &out); code != 200 {
		t.Fatalf("ack: got %d %v", code, out)
	}

	if err := os.WriteFile(loadavg, []byte("0.20 1.00 1.50 1/467 12345\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "resolved webhook", func() bool { return sink.has("resolved:load-high:alert-host") })

	var hist struct {
		Events []struct{ From, To, Reason, Actor, Comment string } `json:"events"`
	}
	if code := e.get(t, "/api/v1/alerts/history?rule=load-high", &hist); code != 200 {
		t.Fatalf("history: got %d", code)
	}
	var path []string
	acked := false
	for i := len(hist.Events) - 1; i >= 0; i-- {
		ev := hist.Events[i]
		path = append(path, ev.From+">"+ev.To)
		acked = acked || (ev.Actor == e.email && ev.Comment == "looking at the batch job")
	}
	if got := strings.Join(path, " "); !strings.HasPrefix(got, "ok>pending pending>firing firing>firing firing>resolved") || !acked {
		t.Errorf("history: got %q (acked by owner: %v), want the lifecycle with the acknowledgement", got, acked)
	}
	sink.mu.Lock()
	if sink.bad != 0 || len(sink.events) != 2 {
		t.Errorf("webhook got %v and %d badly signed requests, want exactly firing and resolved", sink.events, sink.bad)
	}
	sink.mu.Unlock()
}

type activeAlert struct {
	Key struct {
		RuleID string `json:"rule_id"`
		HostID string `json:"host_id"`
	} `json:"key"`
	State    string `json:"state"`
	Severity string `json:"severity"`
}

// waitUntil polls cond: the hub and agent are separate processes on their own clocks.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
