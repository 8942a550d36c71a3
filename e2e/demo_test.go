package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `vigil demo`: simulated servers with history, one of them down, and a login that
// can look but not change anything.
func TestDemo(t *testing.T) {
	p := start(t, "vigil", "demo", "--hosts", "3", "--listen", "127.0.0.1:0")
	url := p.waitFor(t, urlRe, 20*time.Second)[1]
	creds := p.waitFor(t, regexp.MustCompile(`as (\S+) with password (\S+) \(read-only\)`), 20*time.Second)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+creds[1]+`","password":"`+creds[2]+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", err, resp)
	}
	resp.Body.Close()
	e := &hubEnv{url: url, client: c}
	var hosts hostsResponse
	deadline := time.Now().Add(30 * time.Second)
	for {
		hosts = hostsResponse{}
		e.get(t, "/api/v1/hosts", &hosts)
		online := 0
		for _, h := range hosts.Hosts {
			if h.Online && h.Latest != nil && h.Latest.CPUPct != nil {
				online++
			}
		}
		// three simulated (one of them down) plus this machine
		if len(hosts.Hosts) == 4 && online == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %+v, want 4 hosts with 3 online and reporting", hosts.Hosts)
		}
		time.Sleep(250 * time.Millisecond)
	}
	csrf := ""
	for _, ck := range jar.Cookies(resp.Request.URL) {
		if ck.Name == "vigil_csrf" {
			csrf = ck.Value
		}
	}
	req, _ := http.NewRequest("POST", url+"/api/v1/hosts", strings.NewReader(`{"name":"intruder"}`))
	req.Header.Set("X-Vigil-CSRF", csrf)
	req.Header.Set("Content-Type", "application/json")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("demo login adding a host: got %d, want 403", resp.StatusCode)
	}
}
