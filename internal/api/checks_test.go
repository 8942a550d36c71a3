package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/uptime"
)

// newTestChecks builds the real check service on the test database and a series store beside
// it; with run set it also runs the scheduler until the test ends.
func newTestChecks(t *testing.T, db *meta.DB, run *series.Store) *uptime.Service {
	store := run
	if store == nil {
		var err error
		if store, err = series.Open(context.Background(), db.SQL(), db.Dialect(), series.Options{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
	}
	svc := uptime.NewService(db, store, nil, nil)
	if run != nil {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		if err := svc.Start(ctx, &wg); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cancel(); wg.Wait() })
	}
	return svc
}

// storeSeries answers chart queries from the real series store.
type storeSeries struct{ s *series.Store }

func (r storeSeries) QuerySeries(ctx context.Context, owner int64, q SeriesQuery) (SeriesResult, error) {
	res, err := r.s.Query(ctx, series.Query{HostID: owner, Names: q.Names, From: q.From, To: q.To, Step: q.Step, MaxPoints: 720})
	if err != nil {
		return SeriesResult{}, err
	}
	out := SeriesResult{From: res.From, To: res.To, Step: res.Step, Tier: res.Tier, Times: res.Times}
	for _, s := range res.Series {
		out.Series = append(out.Series, SeriesData{Name: s.Name, Label: s.Label, Values: s.Values})
	}
	return out, nil
}

// withRunningChecks gives the API real series and a running scheduler.
func withRunningChecks(t *testing.T) func(*Config) {
	return func(cfg *Config) {
		store, err := series.Open(context.Background(), cfg.Meta.SQL(), cfg.Meta.Dialect(), series.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		cfg.Series = storeSeries{store}
		cfg.Checks = newTestChecks(t, cfg.Meta, store)
	}
}

// poll repeats a GET until cond holds (the scheduler probes a real server in real time).
func poll(t *testing.T, c *client, path string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := c.do(t, "GET", path, "")
		if code == 200 && cond(body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: condition not met, last %d %v", path, code, body)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func stateOf(body map[string]any) string { return body["check"].(map[string]any)["state"].(string) }

func TestChecksAPI(t *testing.T) {
	e := newEnv(t, withRunningChecks(t))
	owner := e.owner(t)
	var failing atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"status":"ok"}`)
	}))
	defer target.Close()

	// Bad input names the field.
	for _, c := range []struct{ body, field string }{
		{`{"name":"x","type":"http","url":"not a url","interval_s":60}`, "url"},
		{`{"name":"x","type":"dns","host":"example.com","record_type":"QQQ","interval_s":60}`, "record_type"},
		{`{"name":"x","type":"http","url":"http://example.com","interval_s":3}`, "interval_s"},
		{`{"name":"x","type":"http","url":"http://example.com","interval_s":60,"flavour":1}`, "flavour"},
		{`{"name":"x","type":"http","url":"http://example.com","interval_s":60,"host_id":999}`, "host_id"},
	} {
		if code, body := owner.do(t, "POST", "/api/v1/checks", c.body); code != 400 || body["field"] != c.field {
			t.Errorf("POST %s: got %d %v, want 400 on field %q", c.body, code, body, c.field)
		}
	}

	spec := `{"name":"api","type":"http","url":"` + target.URL + `","interval_s":60,"json_path":"status","json_expect":"ok"}`
	code, body := owner.do(t, "POST", "/api/v1/checks", spec)
	if code != 201 {
		t.Fatalf("create: got %d %v", code, body)
	}
	id := int64(body["check"].(map[string]any)["id"].(float64))
	path := "/api/v1/checks/" + itoa(id)
	if code, _ := owner.do(t, "POST", "/api/v1/checks", spec); code != 409 {
		t.Errorf("duplicate name: got %d, want 409", code)
	}
	poll(t, owner, path, func(b map[string]any) bool { return stateOf(b) == "up" })

	_, list := owner.do(t, "GET", "/api/v1/checks", "")
	checks := list["checks"].([]any)
	first := checks[0].(map[string]any)
	if len(checks) != 1 || first["uptime_24h"] != 100.0 || len(first["recent"].([]any)) == 0 {
		t.Errorf("list: got %v, want one check with 100%% uptime and recent bars", list)
	}
	_, ser := owner.do(t, "GET", path+"/series", "")
	if names := fmt.Sprint(ser["series"]); !strings.Contains(names, "check_response_ms") || !strings.Contains(names, "check_state") {
		t.Errorf("series: got %v", ser)
	}
	_, up := owner.do(t, "GET", path+"/uptime", "")
	if u := up["uptime"].(map[string]any); u["24h"] != 100.0 || u["90d"] != 100.0 {
		t.Errorf("uptime: got %v, want 100 everywhere", up)
	}

	// The target fails; an edit runs the check at once and it goes down with the reason.
	failing.Store(true)
	if code, b := owner.do(t, "PUT", path, spec); code != 200 {
		t.Fatalf("update: got %d %v", code, b)
	}
	down := poll(t, owner, path, func(b map[string]any) bool { return stateOf(b) == "down" })
	if msg := down["check"].(map[string]any)["message"]; !strings.Contains(fmt.Sprint(msg), "status 503") {
		t.Errorf("down message: got %v", msg)
	}
	_, inc := owner.do(t, "GET", path+"/incidents", "")
	if incs := inc["incidents"].([]any); len(incs) != 1 || incs[0].(map[string]any)["end"] != nil {
		t.Errorf("incidents: got %v, want one open incident", inc)
	}
	_, ev := owner.do(t, "GET", path+"/events", "")
	if evs := ev["events"].([]any); len(evs) != 2 {
		t.Errorf("events: got %v, want up then down", ev)
	}
	if code, b := owner.do(t, "GET", path+"/incidents?from=yesterday", ""); code != 400 || b["field"] != "from" {
		t.Errorf("bad from: got %d %v", code, b)
	}

	// Push checks: a secret URL, public, 404 for anything else.
	code, body = owner.do(t, "POST", "/api/v1/checks", `{"name":"backup","type":"push","period_s":3600,"grace_s":300}`)
	pushURL, _ := body["push_url"].(string)
	if code != 201 || !strings.HasPrefix(pushURL, "http://hub:8080/api/v1/push/vgp_") {
		t.Fatalf("push create: got %d %v", code, body)
	}
	pushPath := strings.TrimPrefix(pushURL, "http://hub:8080")
	anon := &client{e: e, hc: http.DefaultClient}
	if code, _ := anon.do(t, "GET", pushPath, ""); code != 200 {
		t.Errorf("push: got %d, want 200", code)
	}
	if code, _ := anon.do(t, "POST", pushPath+"?status=down&msg=disk+full", "log output"); code != 200 {
		t.Errorf("push failure: got %d, want 200", code)
	}
	if code, b := anon.do(t, "GET", pushPath+"?status=maybe", ""); code != 400 || b["field"] != "status" {
		t.Errorf("push bad status: got %d %v", code, b)
	}
	if code, _ := anon.do(t, "GET", "/api/v1/push/vgp_wrong", ""); code != 404 {
		t.Errorf("wrong push token: got %d, want 404", code)
	}

	// YAML round trip: export, delete everything, import, same checks back.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/checks/export.yaml", nil)
	resp, err := owner.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	yml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(yml), "name: api") || !strings.Contains(string(yml), "period_s: 3600") {
		t.Fatalf("export: got %s", yml)
	}
	for _, c := range []struct{ doc, field string }{
		{"checks:\n  - name: a\n    type: tcp\n    host: h\n    port: 1\n    interval_s: 60\n    colour: red\n", "colour"},
		{"checks:\n  - name: a\n    type: http\n    url: nope\n    interval_s: 60\n", "checks[0].url"},
		{"checks:\n  - name: a\n    type: tcp\n    host: h\n    port: 1\n    interval_s: 60\n  - name: a\n    type: icmp\n    host: h\n    interval_s: 60\n", "checks[1].name"},
	} {
		if code, b := owner.do(t, "POST", "/api/v1/checks/import", c.doc); code != 400 || b["field"] != c.field {
			t.Errorf("import %q: got %d %v, want 400 on %q", c.doc, code, b, c.field)
		}
	}
	_, all := owner.do(t, "GET", "/api/v1/checks", "")
	for _, c := range all["checks"].([]any) {
		if code, _ := owner.do(t, "DELETE", "/api/v1/checks/"+itoa(int64(c.(map[string]any)["id"].(float64))), ""); code != 204 {
			t.Fatalf("delete: got %d", code)
		}
	}
	if code, _ := owner.do(t, "GET", path, ""); code != 404 {
		t.Errorf("deleted check: got %d, want 404", code)
	}
	code, imp := owner.do(t, "POST", "/api/v1/checks/import", string(yml))
	if code != 200 || imp["created"] != 2.0 || imp["push_urls"].(map[string]any)["backup"] == nil {
		t.Fatalf("import: got %d %v, want 2 created and the push URL", code, imp)
	}
	if code, imp := owner.do(t, "POST", "/api/v1/checks/import", string(yml)); code != 200 || imp["updated"] != 2.0 {
		t.Errorf("re-import: got %d %v, want 2 updated", code, imp)
	}
}

// FuzzParseChecksYAML feeds arbitrary documents to the import decoder: never a panic; a
// rejection always says what was wrong; an accepted document holds only valid checks with
// distinct names, which export again to a document that is accepted unchanged.
func FuzzParseChecksYAML(f *testing.F) {
	f.Add([]byte("checks:\n  - name: a\n    type: tcp\n    host: h\n    port: 1\n    interval_s: 60\n"))
	f.Add([]byte("checks:\n  - name: w\n    type: http\n    url: https://example.com\n    interval_s: 30\n    headers: {X-A: b}\n    accept_status: [200-299]\n"))
	f.Add([]byte("checks:\n  - name: p\n    type: push\n    period_s: 60\n  - name: d\n    type: dns\n    host: example.com\n    record_type: MX\n    interval_s: 60\n"))
	f.Add([]byte("checks: []\n"))
	f.Add([]byte("checks:\n  - colour: red\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, ferr := parseChecksYAML(data)
		if ferr != nil {
			if ferr.Error == "" {
				t.Fatal("rejection without a message")
			}
			return
		}
		names := map[string]bool{}
		for _, s := range specs {
			if err := s.Validate(); err != nil || names[s.Name] {
				t.Fatalf("accepted an invalid or duplicate check %+v: %v", s, err)
			}
			names[s.Name] = true
		}
		out, err := yaml.Marshal(checksFile{Checks: specs})
		if err != nil {
			t.Fatal(err)
		}
		again, ferr := parseChecksYAML(out)
		if ferr != nil || len(again) != len(specs) {
			t.Fatalf("exported document %s not accepted back: %v", out, ferr)
		}
	})
}
