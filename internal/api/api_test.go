package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

type fakeSeries struct{ last SeriesQuery }

func (f *fakeSeries) QuerySeries(_ context.Context, _ int64, q SeriesQuery) (SeriesResult, error) {
	f.last = q
	return SeriesResult{From: q.From, To: q.To, Tier: "raw", Times: []int64{q.From},
		Series: []SeriesData{{Name: "cpu.used_pct", Unit: "%", Values: []float64{math.NaN()}}}}, nil
}

type fakeFleet struct{}

func (fakeFleet) Latest(int64) (Latest, bool) { return Latest{}, false }
func (fakeFleet) Online(int64) bool           { return false }

type fakeRemover struct{ deleted []int64 }

func (f *fakeRemover) DeleteHostData(_ context.Context, id int64) error {
	f.deleted = append(f.deleted, id)
	return nil
}

type fakeStorage struct {
	deleted []int64
}

func (f *fakeStorage) ExportCSV(_ context.Context, w io.Writer, hostID int64, q SeriesQuery) error {
	_, err := io.WriteString(w, "timestamp_ms,series,value\n1000,cpu.used_pct,5\n")
	return err
}

func (f *fakeStorage) HostUsage(context.Context) (map[int64]Usage, error) {
	// -1 is the series owner of check 1 (check.SeriesOwner).
	return map[int64]Usage{1: {Samples: 10, Bytes: 20}, 2: {Samples: 1000, Bytes: 2000}, -1: {Samples: 5, Bytes: 30}}, nil
}

func (f *fakeStorage) DeleteBefore(_ context.Context, hostID int64, _ time.Time) error {
	f.deleted = append(f.deleted, hostID)
	return nil
}

type env struct {
	srv     *httptest.Server
	db      *meta.DB
	series  *fakeSeries
	storage *fakeStorage
	setupTk string
}

// newEnv builds the API on a fresh SQLite store; opts adjust the configuration (mail, OIDC).
func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	db, err := meta.Open(context.Background(), "sqlite", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tok, _, err := db.SetupToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeSeries{}
	st := &fakeStorage{}
	alerts := alerting.New(alerting.Config{DB: db, KnownMetric: func(n string) bool { return n == "cpu.used_pct" }})
	cfg := Config{Meta: db, Series: fs, Storage: st, Fleet: fakeFleet{}, Hosts: &fakeRemover{}, Registry: prometheus.NewRegistry(), Alerting: alerts,
		AgentHandler: http.NotFoundHandler(), LiveHandler: http.NotFoundHandler(), PublicURL: "http://hub:8080",
		UI: fstest.MapFS{"index.html": {Data: []byte("<html>vigil</html>")}, "assets/app.js": {Data: []byte("js")}}}
	srv := httptest.NewUnstartedServer(nil)
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Checks == nil {
		cfg.Checks = newTestChecks(t, db, nil)
	}
	if cfg.PublicURL == "" { // an option asked for the server's real address (OIDC redirects)
		cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	}
	srv.Config.Handler = New(cfg)
	srv.Start()
	t.Cleanup(srv.Close)
	return &env{srv: srv, db: db, series: fs, storage: st, setupTk: tok}
}

// client is a browser-like client with a cookie jar; csrf controls whether it echoes the CSRF
// cookie in the header as the UI does.
type client struct {
	e      *env
	hc     *http.Client
	bearer string
	csrf   bool
}

func (e *env) browser(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar}, csrf: true}
}

func (c *client) do(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.csrf && c.hc.Jar != nil {
		for _, ck := range c.hc.Jar.Cookies(req.URL) {
			if ck.Name == "vigil_csrf" {
				req.Header.Set("X-Vigil-CSRF", ck.Value)
			}
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: got server error %d: %s", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode >= 400 && (out == nil || out["error"] == nil) {
		t.Errorf("%s %s: status %d without a JSON error: %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

const pw = "correct horse battery"

// owner completes setup and returns the signed-in browser.
func (e *env) owner(t *testing.T) *client {
	c := e.browser(t)
	if code, body := c.do(t, "POST", "/api/v1/setup", `{"token":"`+e.setupTk+`","email":"Owner@Example.com","password":"`+pw+`","org":"Acme"}`); code != 201 {
		t.Fatalf("setup: got %d %v, want 201", code, body)
	}
	return c
}

func TestSetupLoginLogout(t *testing.T) {
	e := newEnv(t)
	anon := e.browser(t)
	if code, body := anon.do(t, "GET", "/api/v1/setup", ""); code != 200 || body["needed"] != true {
		t.Fatalf("got %d %v, want setup needed", code, body)
	}
	if code, _ := anon.do(t, "POST", "/api/v1/setup", `{"token":"vgx_wrong","email":"a@b.cd","password":"`+pw+`"}`); code != 403 {
		t.Errorf("wrong setup token: got %d, want 403", code)
	}
	c := e.owner(t)
	if code, body := c.do(t, "GET", "/api/v1/me", ""); code != 200 || body["role"] != "owner" {
		t.Errorf("me: got %d %v, want owner", code, body)
	}
	if code, _ := anon.do(t, "POST", "/api/v1/setup", `{"token":"`+e.setupTk+`","email":"x@b.cd","password":"`+pw+`"}`); code != 403 {
		t.Errorf("reused setup token: got %d, want 403", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/auth/logout", ""); code != 204 {
		t.Errorf("logout: got %d, want 204", code)
	}
	if code, _ := c.do(t, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("after logout: got %d, want 401", code)
	}
	b := e.browser(t)
	if code, _ := b.do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"nope nope nope"}`); code != 401 {
		t.Errorf("wrong password: got %d, want 401", code)
	}
	if code, _ := b.do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+pw+`"}`); code != 200 {
		t.Errorf("login: got %d, want 200", code)
	}
	for range 12 {
		b.do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"wrong wrong wrong"}`)
	}
	if code, _ := b.do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+pw+`"}`); code != 429 {
		t.Errorf("after repeated failures: got %d, want 429", code)
	}
}

func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	code, body := c.do(t, "POST", "/api/v1/hosts", `{"name":"web-1"}`)
	if code != 201 || !strings.HasPrefix(body["token"].(string), "vgh_") || !strings.Contains(body["command"].(string), "--hub http://hub:8080 --token vgh_") {
		t.Fatalf("create host: got %d %v", code, body)
	}
	hostID := int64(body["host"].(map[string]any)["id"].(float64))
	_, rt := c.do(t, "POST", "/api/v1/tokens", `{"name":"ro","scope":"read"}`)
	ro := &client{e: e, hc: http.DefaultClient, bearer: rt["secret"].(string)}

	other, _, err := e.db.CreateOwner(context.Background(), "x@other.org", "h", "Other")
	if err != nil {
		t.Fatal(err)
	}
	o2, _, _ := e.db.PrimaryMembership(context.Background(), other.ID)
	otherHost, _, _ := e.db.CreateHost(context.Background(), o2.ID, "theirs")

	noCSRF := *c
	noCSRF.csrf = false
	anon := &client{e: e, hc: http.DefaultClient}
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		body   string
		want   int
	}{
		{"anonymous list", anon, "GET", "/api/v1/hosts", "", 401},
		{"bad bearer", &client{e: e, hc: http.DefaultClient, bearer: "vgt_nope"}, "GET", "/api/v1/hosts", "", 401},
		{"read token reads", ro, "GET", "/api/v1/hosts", "", 200},
		{"read token writes", ro, "POST", "/api/v1/hosts", `{"name":"x"}`, 403},
		{"cookie write without CSRF", &noCSRF, "POST", "/api/v1/hosts", `{"name":"x"}`, 403},
		{"another org's host", c, "GET", "/api/v1/hosts/" + itoa(otherHost.ID), "", 404},
		{"another org's host series", c, "GET", "/api/v1/hosts/" + itoa(otherHost.ID) + "/series", "", 404},
		{"another org's host delete", c, "DELETE", "/api/v1/hosts/" + itoa(otherHost.ID), "", 404},
		{"non-numeric id", c, "GET", "/api/v1/hosts/abc", "", 404},
		{"unknown API path", c, "GET", "/api/v1/nope", "", 404},
		{"duplicate host", c, "POST", "/api/v1/hosts", `{"name":"web-1"}`, 409},
		{"own host", c, "GET", "/api/v1/hosts/" + itoa(hostID), "", 200},
		{"rotate another org's token", c, "POST", "/api/v1/hosts/" + itoa(otherHost.ID) + "/token", "", 404},
		{"rotate token as read token", ro, "POST", "/api/v1/hosts/" + itoa(hostID) + "/token", "", 403},
		{"rotate own token", c, "POST", "/api/v1/hosts/" + itoa(hostID) + "/token", "", 200},
		{"delete own host", c, "DELETE", "/api/v1/hosts/" + itoa(hostID), "", 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := tt.c.do(t, tt.method, tt.path, tt.body); code != tt.want {
				t.Errorf("got %d %v, want %d", code, body, tt.want)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	_, body := c.do(t, "POST", "/api/v1/hosts", `{"name":"db"}`)
	id := itoa(int64(body["host"].(map[string]any)["id"].(float64)))
	tests := []struct {
		name, method, path, body string
		want                     int
		field                    string
	}{
		{"malformed JSON", "POST", "/api/v1/hosts", `{"name":`, 400, ""},
		{"unknown field", "POST", "/api/v1/hosts", `{"name":"a","color":"red"}`, 400, "color"},
		{"wrong type", "POST", "/api/v1/hosts", `{"name":5}`, 400, "name"},
		{"empty body", "POST", "/api/v1/hosts", ``, 400, ""},
		{"trailing data", "POST", "/api/v1/hosts", `{"name":"a"}{}`, 400, ""},
		{"bad host name", "POST", "/api/v1/hosts", `{"name":"<script>"}`, 400, "name"},
		{"oversize body", "POST", "/api/v1/hosts", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, ""},
		{"bad scope", "POST", "/api/v1/tokens", `{"name":"a","scope":"admin"}`, 400, "scope"},
		{"bad expiry", "POST", "/api/v1/tokens", `{"name":"a","scope":"read","expires_in_days":-1}`, 400, "expires_in_days"},
		{"bad from", "GET", "/api/v1/hosts/" + id + "/series?from=yesterday", "", 400, "from"},
		{"to before from", "GET", "/api/v1/hosts/" + id + "/series?from=2000&to=1000", "", 400, "to"},
		{"bad email", "POST", "/api/v1/auth/login", `{"email":"x","password":5}`, 400, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do(t, tt.method, tt.path, tt.body)
			if code != tt.want {
				t.Errorf("got %d %v, want %d", code, body, tt.want)
			}
			if tt.field != "" && body["field"] != tt.field {
				t.Errorf("got field %v, want %q", body["field"], tt.field)
			}
		})
	}
	code, body := c.do(t, "GET", "/api/v1/hosts/"+id+"/series?from=1000&to=2000&names=cpu.used_pct,mem.used_pct", "")
	if code != 200 || !slices.Equal(e.series.last.Names, []string{"cpu.used_pct", "mem.used_pct"}) || e.series.last.From != 1000 {
		t.Errorf("got %d %v with query %+v", code, body, e.series.last)
	}
	if v := body["series"].([]any)[0].(map[string]any)["values"].([]any)[0]; v != nil {
		t.Errorf("NaN value: got %v, want null", v)
	}
}

func TestUIAndPublicEndpoints(t *testing.T) {
	e := newEnv(t)
	anon := &client{e: e, hc: http.DefaultClient}
	for _, tt := range []struct{ path, want string }{{"/", "vigil"}, {"/hosts/3", "vigil"}, {"/assets/app.js", "js"}} {
		resp, err := http.Get(e.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(b, []byte(tt.want)) || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: got %d %q, want 200 containing %q with a CSP", tt.path, resp.StatusCode, b, tt.want)
		}
	}
	if code, body := anon.do(t, "GET", "/healthz", ""); code != 200 || body["status"] != "ok" {
		t.Errorf("healthz: got %d %v", code, body)
	}
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document and routes.go in step.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	a := &API{}
	for _, r := range a.routes() {
		if r.pattern == "/" || r.pattern == "/api/" {
			continue // the UI and the API's 404 catch-all
		}
		if !documented[r.pattern] {
			t.Errorf("route %s is missing from openapi.json", r.pattern)
		}
		delete(documented, r.pattern)
	}
	for p := range documented {
		t.Errorf("openapi.json documents %s, which routes.go does not serve", p)
	}
}

// FuzzDecode feeds arbitrary bodies to the JSON decoding every handler uses: never a panic, and
// every rejection a 4xx.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"a"}`))
	f.Add([]byte(`{"name":1}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`{"expires_in_days":"7"}`))
	f.Add([]byte(`{"name":"a"} x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v struct {
			Name          string `json:"name"`
			ExpiresInDays *int   `json:"expires_in_days"`
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/", bytes.NewReader(b))
		if decode(w, r, &v) {
			return
		}
		var e apiError
		if w.Code < 400 || w.Code > 499 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Fatalf("got status %d body %q, want 4xx with a JSON error", w.Code, w.Body)
		}
	})
}

var _ = time.Now

func TestStorageRoutes(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	_, body := c.do(t, "POST", "/api/v1/hosts", `{"name":"db"}`)
	id := int64(body["host"].(map[string]any)["id"].(float64))
	_, rt := c.do(t, "POST", "/api/v1/tokens", `{"name":"ro","scope":"read"}`)
	ro := &client{e: e, hc: http.DefaultClient, bearer: rt["secret"].(string)}

	chk, _, err := e.db.CreateCheck(context.Background(), 1, meta.CheckInput{Name: "site", Type: "tcp", Spec: []byte(`{"name":"site","type":"tcp","interval_s":60,"timeout_ms":1000,"host":"h","port":1}`)})
	if err != nil || chk.ID != 1 {
		t.Fatalf("create check: got %v %v, want check 1", chk.ID, err)
	}

	code, stats := c.do(t, "GET", "/api/v1/storage", "")
	hosts := stats["hosts"].([]any)
	checks, _ := stats["checks"].([]any)
	if code != 200 || len(hosts) != 1 || stats["total"].(map[string]any)["bytes"].(float64) != 50 {
		t.Errorf("got %d %v, want this org's one host (20 bytes) and one check (30 bytes)", code, stats)
	}
	if len(checks) != 1 || checks[0].(map[string]any)["name"] != "site" || checks[0].(map[string]any)["bytes"] != 30.0 {
		t.Errorf("checks: got %v, want site with 30 bytes", checks)
	}
	tests := []struct {
		name, method, path, body string
		c                        *client
		want                     int
	}{
		{"read token of an owner reads stats", "GET", "/api/v1/storage", "", ro, 200},
		{"read token prunes", "POST", "/api/v1/storage/prune", `{"before":"1000"}`, ro, 403},
		{"anonymous stats", "GET", "/api/v1/storage", "", &client{e: e, hc: http.DefaultClient}, 401},
		{"prune future", "POST", "/api/v1/storage/prune", `{"before":"2999-01-01T00:00:00Z"}`, c, 400},
		{"prune bad time", "POST", "/api/v1/storage/prune", `{"before":"last week"}`, c, 400},
		{"prune unknown host", "POST", "/api/v1/storage/prune", `{"before":"1000","host_id":999}`, c, 404},
		{"prune org", "POST", "/api/v1/storage/prune", `{"before":"1000"}`, c, 200},
		{"export bad range", "GET", "/api/v1/hosts/" + itoa(id) + "/export.csv?from=5&to=1", "", c, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := tt.c.do(t, tt.method, tt.path, tt.body); code != tt.want {
				t.Errorf("got %d %v, want %d", code, body, tt.want)
			}
		})
	}
	if len(e.storage.deleted) != 2 || e.storage.deleted[0] != id || e.storage.deleted[1] != -1 {
		t.Errorf("pruned series owners %v, want only [%d -1]: this org's host and check", e.storage.deleted, id)
	}
	resp, err := http.Get(e.srv.URL + "/api/v1/hosts/" + itoa(id) + "/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous export: got %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/hosts/"+itoa(id)+"/export.csv", nil)
	req.Header.Set("Authorization", "Bearer "+ro.bearer)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(csvBody), "timestamp_ms,series,value") || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("export: got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), csvBody)
	}
}

func TestPasswordChangeAndAudit(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	other := e.browser(t) // a second session of the same user, e.g. a stolen cookie
	if code, _ := other.do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+pw+`"}`); code != 200 {
		t.Fatalf("second login: got %d", code)
	}
	c.do(t, "POST", "/api/v1/hosts", `{"name":"web-1"}`)
	if code, _ := c.do(t, "POST", "/api/v1/me/password", `{"current":"wrong wrong wrong","new":"another good password"}`); code != 403 {
		t.Errorf("wrong current password: got %d, want 403", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/me/password", `{"current":"`+pw+`","new":"short"}`); code != 400 {
		t.Errorf("short new password: got %d, want 400", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/me/password", `{"current":"`+pw+`","new":"another good password"}`); code != 204 {
		t.Fatalf("change password: got %d, want 204", code)
	}
	if code, _ := other.do(t, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("other session after password change: got %d, want 401", code)
	}
	if code, _ := c.do(t, "GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("this browser after password change: got %d, want 200 (signed in again)", code)
	}
	if code, _ := e.browser(t).do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+pw+`"}`); code != 401 {
		t.Errorf("old password: got %d, want 401", code)
	}
	code, body := c.do(t, "GET", "/api/v1/audit", "")
	if code != 200 {
		t.Fatalf("audit log: got %d", code)
	}
	var actions []string
	for _, e := range body["entries"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	want := []string{"login.failed", "password.change", "host.create", "login", "setup.complete"}
	if !slices.Equal(actions, want) {
		t.Errorf("got audit actions %v, want %v (newest first)", actions, want)
	}
}

func TestEnrollment(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	code, body := c.do(t, "POST", "/api/v1/enrollment-keys", `{"name":"fleet","max_uses":1,"expires_in_days":7}`)
	if code != 201 || !strings.HasPrefix(body["secret"].(string), "vge_") || !strings.Contains(body["command"].(string), "--enroll-key vge_") {
		t.Fatalf("create key: got %d %v", code, body)
	}
	key := body["secret"].(string)
	anon := &client{e: e, hc: http.DefaultClient}
	tests := []struct {
		name, body string
		want       int
	}{
		{"bad name", `{"key":"` + key + `","name":"<x>"}`, 400},
		{"unknown key", `{"key":"vge_nope","name":"a"}`, 401},
		{"enrolls", `{"key":"` + key + `","name":"auto-1"}`, 201},
		{"used up", `{"key":"` + key + `","name":"auto-2"}`, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := anon.do(t, "POST", "/api/v1/enroll", tt.body); code != tt.want {
				t.Errorf("got %d %v, want %d", code, body, tt.want)
			}
		})
	}
	if code, _ := c.do(t, "POST", "/api/v1/enrollment-keys", `{"name":"x","max_uses":0,"expires_in_days":7}`); code != 400 {
		t.Errorf("max_uses 0: got %d, want 400", code)
	}
	_, hosts := c.do(t, "GET", "/api/v1/hosts", "")
	if n := len(hosts["hosts"].([]any)); n != 1 {
		t.Errorf("got %d hosts, want the one enrolled", n)
	}
}

// TestTeams invites an editor by link, lets a new user join, switches organizations, and guards
// the last owner and the owner-only roles.
func TestTeams(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	code, body := c.do(t, "POST", "/api/v1/invitations", `{"email":"ed@example.com","role":"editor"}`)
	if code != 201 {
		t.Fatalf("invite: got %d %v", code, body)
	}
	link := body["link"].(string)
	token := link[strings.Index(link, "token=")+len("token="):]
	ed := e.browser(t)
	if code, body := ed.do(t, "GET", "/api/v1/invitation?token="+token, ""); code != 200 || body["account_exists"] != false {
		t.Errorf("look at invitation: got %d %v", code, body)
	}
	if code, _ := ed.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+token+`","password":"short"}`); code != 400 {
		t.Errorf("accept with a short password: got %d, want 400", code)
	}
	if code, body := ed.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+token+`","password":"`+pw+`"}`); code != 200 {
		t.Fatalf("accept: got %d %v", code, body)
	}
	if code, body := ed.do(t, "GET", "/api/v1/me", ""); code != 200 || body["role"] != "editor" {
		t.Errorf("new member: got %d %v, want editor", code, body)
	}
	if code, _ := ed.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+token+`","password":"`+pw+`"}`); code != 404 {
		t.Errorf("reused invitation: got %d, want 404", code)
	}
	if code, _ := ed.do(t, "POST", "/api/v1/invitations", `{"email":"x@example.com","role":"viewer"}`); code != 403 {
		t.Errorf("editor inviting: got %d, want 403", code)
	}

	_, members := c.do(t, "GET", "/api/v1/members", "")
	var ownerID, edID string
	for _, m := range members["members"].([]any) {
		mm := m.(map[string]any)
		if mm["role"] == "owner" {
			ownerID = itoa(int64(mm["user_id"].(float64)))
		} else {
			edID = itoa(int64(mm["user_id"].(float64)))
		}
	}
	if code, _ := c.do(t, "PATCH", "/api/v1/members/"+ownerID, `{"role":"viewer"}`); code != 409 {
		t.Errorf("demoting the last owner: got %d, want 409", code)
	}
	if code, _ := c.do(t, "PATCH", "/api/v1/members/"+edID, `{"role":"admin"}`); code != 204 {
		t.Errorf("promote to admin: got %d, want 204", code)
	}
	if code, _ := ed.do(t, "PATCH", "/api/v1/members/"+ownerID, `{"role":"viewer"}`); code != 403 {
		t.Errorf("admin demoting an owner: got %d, want 403", code)
	}

	// The owner gets a second organization through an invitation and switches between the two.
	ctx := context.Background()
	hash, _ := auth.HashPassword(pw)
	_, other, _ := e.db.CreateOwner(ctx, "boss@other.org", hash, "Other")
	boss, _, _ := e.db.UserByEmail(ctx, "boss@other.org")
	_, secret, _ := e.db.CreateInvitation(ctx, other.ID, boss.ID, "owner@example.com", "viewer", time.Hour)
	if code, _ := c.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+secret+`","password":"wrong wrong wrong"}`); code != 401 {
		t.Errorf("existing account, wrong password: got %d, want 401", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+secret+`","password":"`+pw+`"}`); code != 200 {
		t.Fatalf("existing account joins: got %d", code)
	}
	_, orgs := c.do(t, "GET", "/api/v1/me/orgs", "")
	if n := len(orgs["orgs"].([]any)); n != 2 {
		t.Errorf("got %d organizations, want 2", n)
	}
	if code, body := c.do(t, "GET", "/api/v1/me", ""); code != 200 || body["org"].(map[string]any)["name"] != "Other" || body["role"] != "viewer" {
		t.Errorf("after joining: got %v, want viewer in Other", body)
	}
	first, _ := e.db.FirstOrgID(ctx)
	if code, _ := c.do(t, "POST", "/api/v1/auth/switch", `{"org_id":`+itoa(first)+`}`); code != 204 {
		t.Errorf("switch back: got %d, want 204", code)
	}
	if _, body := c.do(t, "GET", "/api/v1/me", ""); body["role"] != "owner" {
		t.Errorf("after switching back: got %v, want owner", body)
	}
	if code, _ := c.do(t, "POST", "/api/v1/auth/switch", `{"org_id":99999}`); code != 404 {
		t.Errorf("switch to a foreign org: got %d, want 404", code)
	}
	if code, _ := c.do(t, "DELETE", "/api/v1/members/"+edID, ""); code != 204 {
		t.Errorf("remove member: got %d, want 204", code)
	}
	if code, _ := ed.do(t, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("removed member's session: got %d, want 401", code)
	}
}

func TestTwoFactor(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	_, setup := c.do(t, "POST", "/api/v1/me/totp/setup", "")
	secret := setup["secret"].(string)
	if !strings.HasPrefix(setup["otpauth_url"].(string), "otpauth://totp/Vigil") {
		t.Errorf("got otpauth URL %v", setup["otpauth_url"])
	}
	if code, _ := c.do(t, "POST", "/api/v1/me/totp/enable", `{"code":"000000"}`); code != 400 {
		t.Errorf("wrong confirmation code: got %d, want 400", code)
	}
	now := time.Now()
	code1, _ := auth.TOTPCode(secret, auth.TOTPStep(now))
	code, body := c.do(t, "POST", "/api/v1/me/totp/enable", `{"code":"`+code1+`"}`)
	if code != 200 || len(body["recovery_codes"].([]any)) != 10 {
		t.Fatalf("enable: got %d %v", code, body)
	}
	recovery := body["recovery_codes"].([]any)[0].(string)

	login := func(extra string) (int, map[string]any) {
		return e.browser(t).do(t, "POST", "/api/v1/auth/login", `{"email":"owner@example.com","password":"`+pw+`"`+extra+`}`)
	}
	if code, body := login(""); code != 401 || body["field"] != "totp" {
		t.Errorf("password only: got %d %v, want 401 asking for totp", code, body)
	}
	// The code that enabled two-factor was used already; the next step's code is fresh.
	if code, _ := login(`,"totp":"` + code1 + `"`); code != 401 {
		t.Errorf("replayed code: got %d, want 401", code)
	}
	next, _ := auth.TOTPCode(secret, auth.TOTPStep(now)+1)
	if code, _ := login(`,"totp":"` + next + `"`); code != 200 {
		t.Errorf("fresh code: got %d, want 200", code)
	}
	if code, _ := login(`,"recovery_code":"` + strings.ToUpper(recovery) + `"`); code != 200 {
		t.Errorf("recovery code: got %d, want 200", code)
	}
	if code, _ := login(`,"recovery_code":"` + recovery + `"`); code != 401 {
		t.Errorf("used recovery code: got %d, want 401", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/me/totp/disable", `{"password":"wrong wrong wrong"}`); code != 403 {
		t.Errorf("disable with a wrong password: got %d, want 403", code)
	}
	if code, _ := c.do(t, "POST", "/api/v1/me/totp/disable", `{"password":"`+pw+`"}`); code != 204 {
		t.Errorf("disable: got %d, want 204", code)
	}
	if code, _ := login(""); code != 200 {
		t.Errorf("password only after disabling: got %d, want 200", code)
	}
}

// TestInvitationNeedsSecondFactor: joining another organization signs in, so an account with
// two-factor on must give its code there too.
func TestInvitationNeedsSecondFactor(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	_, setup := c.do(t, "POST", "/api/v1/me/totp/setup", "")
	secret := setup["secret"].(string)
	now := time.Now()
	first, _ := auth.TOTPCode(secret, auth.TOTPStep(now))
	if code, _ := c.do(t, "POST", "/api/v1/me/totp/enable", `{"code":"`+first+`"}`); code != 200 {
		t.Fatalf("enable two-factor: got %d", code)
	}
	ctx := context.Background()
	hash, _ := auth.HashPassword(pw)
	_, other, _ := e.db.CreateOwner(ctx, "boss@other.org", hash, "Other")
	boss, _, _ := e.db.UserByEmail(ctx, "boss@other.org")
	_, inv, _ := e.db.CreateInvitation(ctx, other.ID, boss.ID, "owner@example.com", "viewer", time.Hour)
	b := e.browser(t)
	if code, body := b.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+inv+`","password":"`+pw+`"}`); code != 401 || body["field"] != "totp" {
		t.Errorf("password only: got %d %v, want 401 asking for totp", code, body)
	}
	next, _ := auth.TOTPCode(secret, auth.TOTPStep(now)+1)
	if code, _ := b.do(t, "POST", "/api/v1/invitation/accept", `{"token":"`+inv+`","password":"`+pw+`","totp":"`+next+`"}`); code != 200 {
		t.Errorf("with the code: got %d, want 200", code)
	}
}
