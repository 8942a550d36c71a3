package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStatusPages(t *testing.T) {
	e := newEnv(t, withRunningChecks(t))
	owner := e.owner(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer target.Close()
	_, body := owner.do(t, "POST", "/api/v1/checks", `{"name":"Website","type":"http","url":"`+target.URL+`","interval_s":60}`)
	checkID := itoa(int64(body["check"].(map[string]any)["id"].(float64)))
	poll(t, owner, "/api/v1/checks/"+checkID, func(b map[string]any) bool { return stateOf(b) == "up" })
	_, body = owner.do(t, "POST", "/api/v1/hosts", `{"name":"db1"}`)
	hostID := itoa(int64(body["host"].(map[string]any)["id"].(float64)))

	for _, c := range []struct{ body, field string }{
		{`{"slug":"A B","title":"x"}`, "slug"},
		{`{"slug":"acme","title":""}`, "title"},
		{`{"slug":"acme","title":"x","items":[{"kind":"router","id":1}]}`, "items[0].kind"},
		{`{"slug":"acme","title":"x","items":[{"kind":"check","id":` + checkID + `},{"kind":"check","id":` + checkID + `}]}`, "items[1].id"},
		{`{"slug":"acme","title":"x","items":[{"kind":"check","id":9999}]}`, "items"},
		{`{"slug":"acme","title":"x","notices":[{"title":"t","starts_at":"2026-01-02T00:00:00Z","ends_at":"2026-01-01T00:00:00Z"}]}`, "notices[0].ends_at"},
		{`{"slug":"acme","title":"x","notices":[{"title":"t","starts_at":"soon"}]}`, "notices[0].starts_at"},
	} {
		if code, b := owner.do(t, "POST", "/api/v1/status-pages", c.body); code != 400 || b["field"] != c.field {
			t.Errorf("POST %s: got %d %v, want 400 on %q", c.body, code, b, c.field)
		}
	}
	now := time.Now().UTC()
	page := `{"slug":"acme","title":"Acme status","description":"All our services",
		"items":[{"kind":"check","id":` + checkID + `},{"kind":"host","id":` + hostID + `}],
		"notices":[{"title":"DB upgrade","body":"10 minutes read-only","starts_at":"` + now.Add(time.Hour).Format(time.RFC3339) + `","ends_at":"` + now.Add(2*time.Hour).Format(time.RFC3339) + `"},
		           {"title":"Old","starts_at":"2020-01-01T00:00:00Z","ends_at":"2020-01-01T01:00:00Z"}]}`
	code, body := owner.do(t, "POST", "/api/v1/status-pages", page)
	if code != 201 {
		t.Fatalf("create page: got %d %v", code, body)
	}
	if code, _ := owner.do(t, "POST", "/api/v1/status-pages", page); code != 409 {
		t.Errorf("same slug: got %d, want 409", code)
	}

	anon := &client{e: e, hc: http.DefaultClient}
	code, pub := anon.do(t, "GET", "/api/v1/status/acme", "")
	if code != 200 {
		t.Fatalf("public page: got %d %v", code, pub)
	}
	items := pub["items"].([]any)
	web, db := items[0].(map[string]any), items[1].(map[string]any)
	days := web["days"].([]any)
	if web["name"] != "Website" || web["state"] != "up" || len(days) != 90 || days[89] != 100.0 || days[0] != nil || web["uptime_90d"] != 100.0 {
		t.Errorf("check item: got %v", web)
	}
	if db["name"] != "db1" || db["state"] != "down" {
		t.Errorf("host item (agent never connected): got %v, want down", db)
	}
	if pub["state"] != "partial" || len(pub["notices"].([]any)) != 1 || pub["title"] != "Acme status" {
		t.Errorf("page: got state %v notices %v", pub["state"], pub["notices"])
	}
	if strings.Contains(fmt.Sprint(pub), target.URL) {
		t.Errorf("public page leaks the check's target: %v", pub)
	}

	resp, err := http.Get(e.srv.URL + "/api/v1/status/acme/badge.svg")
	if err != nil {
		t.Fatal(err)
	}
	svg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(svg), "partial outage") || !strings.HasPrefix(string(svg), "<svg") {
		t.Errorf("badge: got %s %s", resp.Header.Get("Content-Type"), svg)
	}
	for _, p := range []string{"/api/v1/status/nope", "/api/v1/status/..%2f..", "/api/v1/status/nope/badge.svg"} {
		if code, _ := anon.do(t, "GET", p, ""); code != 404 {
			t.Errorf("GET %s: got %d, want 404", p, code)
		}
	}

	// Editing drops the cached public view at once.
	pageID := itoa(int64(body["page"].(map[string]any)["id"].(float64)))
	if code, b := owner.do(t, "PUT", "/api/v1/status-pages/"+pageID, `{"slug":"acme","title":"Acme","items":[{"kind":"check","id":`+checkID+`}]}`); code != 200 {
		t.Fatalf("update: got %d %v", code, b)
	}
	if _, pub := anon.do(t, "GET", "/api/v1/status/acme", ""); pub["state"] != "up" || pub["title"] != "Acme" {
		t.Errorf("after edit: got %v", pub)
	}
	if code, _ := owner.do(t, "DELETE", "/api/v1/status-pages/"+pageID, ""); code != 204 {
		t.Errorf("delete: got %d", code)
	}
	if code, _ := anon.do(t, "GET", "/api/v1/status/acme", ""); code != 404 {
		t.Errorf("deleted page: got %d, want 404", code)
	}
}
