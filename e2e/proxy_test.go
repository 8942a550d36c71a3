package e2e

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestBehindReverseProxy: a hub serving plain HTTP behind a TLS-terminating proxy (--public-url
// https://…, --trusted-proxy) sets Secure cookies and records the forwarded client address in
// the audit log.
func TestBehindReverseProxy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // the hub takes the port; its banner shows the public URL, not this address
	e := startHub(t, "--listen", addr, "--public-url", "https://vigil.example.com", "--trusted-proxy", "127.0.0.0/8")
	e.url = "http://" + addr
	req, _ := http.NewRequest("POST", e.url+"/api/v1/auth/login", strings.NewReader(`{"email":"`+e.email+`","password":"`+e.password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.50")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		t.Fatalf("login: got %d with %d cookies", resp.StatusCode, len(resp.Cookies()))
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure behind an https public URL", c.Name)
		}
	}
	var audit struct {
		Entries []struct{ Action, Remote string } `json:"entries"`
	}
	if code := e.get(t, "/api/v1/audit", &audit); code != 200 || len(audit.Entries) == 0 {
		t.Fatalf("audit: got %d %+v", code, audit)
	}
	if a := audit.Entries[0]; a.Action != "login" || a.Remote != "203.0.113.50" {
		t.Errorf("got newest audit entry %+v, want login from 203.0.113.50", a)
	}
}
