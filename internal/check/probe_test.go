package check

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// probe builds and runs one probe of spec (normalized and validated first, like the API does).
func probe(t *testing.T, env *Env, s Spec) Result {
	t.Helper()
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("spec %+v: %v", s, err)
	}
	p, err := NewProber(1, s, env)
	if err != nil {
		t.Fatal(err)
	}
	return p.Probe(context.Background())
}

func expect(t *testing.T, r Result, want Status, msgPart string) {
	t.Helper()
	if r.Status != want || !strings.Contains(r.Message, msgPart) {
		t.Errorf("got %s %q, want %s containing %q", r.Status, r.Message, want, msgPart)
	}
}

func TestHTTPProbe(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "all systems nominal v1.2") })
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok","db":{"up":true,"lag":3},"items":[{"name":"a"},{"name":"b"}],"off":false}`)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("X-Token") != "s3cret" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		buf := make([]byte, 64)
		n, _ := r.Body.Read(buf)
		w.Write(buf[:n])
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select { // the target is slow, not the test: the probe's clock decides
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := NewEnv(nil)

	cases := []struct {
		name string
		spec Spec
		want Status
		msg  string
	}{
		{"plain 200", Spec{URL: srv.URL + "/ok"}, Up, "200 OK"},
		{"keyword present", Spec{URL: srv.URL + "/ok", Keyword: "nominal"}, Up, "200"},
		{"keyword missing", Spec{URL: srv.URL + "/ok", Keyword: "degraded"}, Down, `keyword "degraded" not found`},
		{"regex match", Spec{URL: srv.URL + "/ok", Regex: `v\d+\.\d+`}, Up, "200"},
		{"regex no match", Spec{URL: srv.URL + "/ok", Regex: `^error`}, Down, "does not match"},
		{"status not accepted", Spec{URL: srv.URL + "/teapot"}, Down, "status 418"},
		{"status accepted", Spec{URL: srv.URL + "/teapot", AcceptStatus: []string{"418"}}, Up, "418"},
		{"follows redirect", Spec{URL: srv.URL + "/moved", Keyword: "nominal"}, Up, "200"},
		{"redirect not followed", Spec{URL: srv.URL + "/moved", NoRedirects: true}, Up, "302"},
		{"redirect not followed, 2xx only", Spec{URL: srv.URL + "/moved", NoRedirects: true, AcceptStatus: []string{"200-299"}}, Down, "status 302"},
		{"json equal", Spec{URL: srv.URL + "/json", JSONPath: "status", JSONExpect: "ok"}, Up, "200"},
		{"json nested number", Spec{URL: srv.URL + "/json", JSONPath: "db.lag", JSONExpect: "3"}, Up, "200"},
		{"json array index", Spec{URL: srv.URL + "/json", JSONPath: "$.items.1.name", JSONExpect: "b"}, Up, "200"},
		{"json truthy", Spec{URL: srv.URL + "/json", JSONPath: "db.up"}, Up, "200"},
		{"json false", Spec{URL: srv.URL + "/json", JSONPath: "off"}, Down, "is false"},
		{"json wrong value", Spec{URL: srv.URL + "/json", JSONPath: "status", JSONExpect: "down"}, Down, "is ok, want down"},
		{"json missing key", Spec{URL: srv.URL + "/json", JSONPath: "db.nope"}, Down, `no key "nope"`},
		{"json not json", Spec{URL: srv.URL + "/ok", JSONPath: "a"}, Down, "not JSON"},
		{"method headers body", Spec{URL: srv.URL + "/echo", Method: "POST", Headers: map[string]string{"X-Token": "s3cret"}, Body: "ping!", Keyword: "ping!"}, Up, "200"},
		{"header missing", Spec{URL: srv.URL + "/echo", Method: "POST"}, Down, "status 403"},
		{"degraded", Spec{URL: srv.URL + "/slow", DegradedMs: 50}, Degraded, "degraded above 50 ms"},
		{"connection refused", Spec{URL: "http://" + closedAddr(t) + "/"}, Down, "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.Name, c.spec.Type, c.spec.IntervalS, c.spec.TimeoutMs = c.name, TypeHTTP, 60, 5000
			r := probe(t, env, c.spec)
			expect(t, r, c.want, c.msg)
			if r.Status != Down && r.Duration <= 0 {
				t.Errorf("got duration %v, want > 0", r.Duration)
			}
		})
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHTTPSCertificates(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure") }
	longLived := tlsServer(t, selfSigned(t, time.Now().Add(200*24*time.Hour)), http.HandlerFunc(ok))
	expiring := tlsServer(t, selfSigned(t, time.Now().Add(3*24*time.Hour)), http.HandlerFunc(ok))
	env := NewEnv(nil)
	cases := []struct {
		name string
		spec Spec
		want Status
		msg  string
	}{
		{"self-signed refused by default", Spec{URL: longLived.URL}, Down, "certificate"},
		{"self-signed allowed", Spec{URL: longLived.URL, InsecureSkipTLS: true, CertExpiryDays: 14, Keyword: "secure"}, Up, "200"},
		{"expiring within threshold", Spec{URL: expiring.URL, InsecureSkipTLS: true, CertExpiryDays: 14}, Down, "TLS certificate expires in 3.0 days"},
		{"expiring beyond threshold", Spec{URL: expiring.URL, InsecureSkipTLS: true, CertExpiryDays: 2}, Up, "200"},
		{"expiry not checked", Spec{URL: expiring.URL, InsecureSkipTLS: true}, Up, "200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.Name, c.spec.Type, c.spec.IntervalS, c.spec.TimeoutMs = c.name, TypeHTTP, 60, 5000
			r := probe(t, env, c.spec)
			expect(t, r, c.want, c.msg)
			if c.spec.InsecureSkipTLS && (r.CertExpiry == nil || r.CertExpiry.Before(time.Now())) {
				t.Errorf("got cert expiry %v, want the certificate's NotAfter", r.CertExpiry)
			}
		})
	}
}

// TestHostileTargets: a target that never answers, one that stops mid-body and one that sends
// endless data all end within the check's timeout (or sooner), never holding the probe.
func TestHostileTargets(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/stall-body", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// A TCP listener that accepts and never speaks: a TLS handshake against it hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	env := NewEnv(nil)
	const timeout = 400
	cases := []struct {
		name  string
		spec  Spec
		msg   string
		limit time.Duration
	}{
		{"hanging headers", Spec{Type: TypeHTTP, URL: srv.URL + "/hang"}, "no answer within 400ms", 3 * time.Second},
		{"stalled body", Spec{Type: TypeHTTP, URL: srv.URL + "/stall-body", Keyword: "never"}, "body not received within 400ms", 3 * time.Second},
		{"endless body, keyword", Spec{Type: TypeHTTP, URL: srv.URL + "/endless", Keyword: "never", TimeoutMs: 20000}, "not found in the first 1048576 bytes", 10 * time.Second},
		{"endless body, status only", Spec{Type: TypeHTTP, URL: srv.URL + "/endless", TimeoutMs: 20000}, "200 OK", 10 * time.Second},
		{"silent TLS handshake", Spec{Type: TypeHTTP, URL: "https://" + ln.Addr().String() + "/"}, "no answer within 400ms", 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.Name, c.spec.IntervalS = c.name, 60
			if c.spec.TimeoutMs == 0 {
				c.spec.TimeoutMs = timeout
			}
			start := time.Now()
			r := probe(t, env, c.spec)
			if took := time.Since(start); took > c.limit {
				t.Errorf("probe took %v, want under %v", took, c.limit)
			}
			if !strings.Contains(r.Message, c.msg) {
				t.Errorf("got %s %q, want message containing %q", r.Status, r.Message, c.msg)
			}
		})
	}
}

func TestTCPProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := ln.Addr().(*net.TCPAddr).Port
	_, closedPort, _ := net.SplitHostPort(closedAddr(t))
	cp, _ := strconv.Atoi(closedPort)
	env := NewEnv(nil)
	for _, c := range []struct {
		name string
		port int
		want Status
		msg  string
	}{{"open", open, Up, "connected"}, {"closed", cp, Down, "refused"}} {
		t.Run(c.name, func(t *testing.T) {
			r := probe(t, env, Spec{Name: c.name, Type: TypeTCP, Host: "127.0.0.1", Port: c.port, IntervalS: 30, TimeoutMs: 2000})
			expect(t, r, c.want, c.msg)
		})
	}
}

func TestDNSProbe(t *testing.T) {
	addr := dnsServer(t, map[string][]dnsmessage.ResourceBody{
		"app.example.test. A":     {a4("192.0.2.10"), a4("192.0.2.11")},
		"app.example.test. AAAA":  {&dnsmessage.AAAAResource{AAAA: [16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}}},
		"example.test. MX":        {&dnsmessage.MXResource{Pref: 10, MX: mustName("mail.example.test.")}},
		"example.test. TXT":       {&dnsmessage.TXTResource{TXT: []string{"v=spf1 -all"}}},
		"www.example.test. CNAME": {&dnsmessage.CNAMEResource{CNAME: mustName("app.example.test.")}},
		"empty.example.test. A":   {},
	}, false)
	silent := dnsServer(t, nil, true)
	env := NewEnv(nil)
	cases := []struct {
		name string
		spec Spec
		want Status
		msg  string
	}{
		{"A any answer", Spec{Host: "app.example.test"}, Up, "192.0.2.10, 192.0.2.11"},
		{"A expected second", Spec{Host: "app.example.test", Expect: "192.0.2.11"}, Up, "192.0.2.11"},
		{"A expected missing", Spec{Host: "app.example.test", Expect: "192.0.2.99"}, Down, "does not contain 192.0.2.99"},
		{"AAAA canonical", Spec{Host: "app.example.test", RecordType: "aaaa", Expect: "2001:0db8::0001"}, Up, "2001:db8::1"},
		{"MX", Spec{Host: "example.test", RecordType: "MX", Expect: "10 MAIL.example.test."}, Up, "10 mail.example.test."},
		{"TXT", Spec{Host: "example.test", RecordType: "TXT", Expect: "v=spf1 -all"}, Up, "spf1"},
		{"CNAME", Spec{Host: "www.example.test", RecordType: "CNAME", Expect: "app.example.test"}, Up, "app.example.test."},
		{"NXDOMAIN", Spec{Host: "nope.example.test"}, Down, "NameError"},
		{"no records", Spec{Host: "empty.example.test"}, Down, "no A record"},
		{"silent resolver", Spec{Host: "app.example.test", Resolver: silent, TimeoutMs: 300}, Down, "no answer from resolver"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.spec.Name, c.spec.Type, c.spec.IntervalS = c.name, TypeDNS, 60
			if c.spec.Resolver == "" {
				c.spec.Resolver = addr
			}
			if c.spec.TimeoutMs == 0 {
				c.spec.TimeoutMs = 3000
			}
			expect(t, probe(t, env, c.spec), c.want, c.msg)
		})
	}
}

func TestICMPProbe(t *testing.T) {
	c, raw, err := listenICMP()
	if err != nil {
		if !strings.Contains(err.Error(), "ping_group_range") || !strings.Contains(err.Error(), "CAP_NET_RAW") {
			t.Errorf("error %q does not say what the machine needs", err)
		}
		t.Skipf("neither ICMP socket works on this machine: %v", err)
	}
	c.Close()
	t.Logf("ICMP via raw socket: %v", raw)
	r := probe(t, NewEnv(nil), Spec{Name: "loopback", Type: TypeICMP, Host: "127.0.0.1", IntervalS: 30, TimeoutMs: 2000})
	expect(t, r, Up, "echo reply from 127.0.0.1")
}

func TestPushProbe(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	pushes := map[int64]Push{}
	env := &Env{Now: func() time.Time { return now }, Dialer: &net.Dialer{}, LastPush: func(id int64) (Push, bool) {
		p, ok := pushes[id]
		return p, ok
	}}
	s := Spec{Name: "backup", Type: TypePush, IntervalS: 60, PeriodS: 3600, GraceS: 600}
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	p, err := NewProber(7, s, env)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		push    *Push
		want    Status
		msg     string
	}{
		{"new check waits", 30 * time.Minute, nil, Up, "waiting for the first push"},
		{"never pushed past grace", 41 * time.Minute, nil, Down, "never pushed"},
		{"pushed", time.Minute, &Push{}, Up, "last push"},
		{"within period+grace", 70 * time.Minute, nil, Up, "last push"},
		{"late", 1 * time.Minute, nil, Down, "last push 1h11m0s ago"},
		{"job reports failure", 0, &Push{Down: true, Message: "disk full"}, Down, "disk full"},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		if st.push != nil {
			st.push.At = now
			pushes[7] = *st.push
		}
		r := p.Probe(context.Background())
		if r.Status != st.want || !strings.Contains(r.Message, st.msg) {
			t.Errorf("%s: got %s %q, want %s containing %q", st.name, r.Status, r.Message, st.want, st.msg)
		}
	}
}
