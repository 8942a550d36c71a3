package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestCheckLocationsAPI checks the validation of remote-probe locations and quorum (each error
// names its field), that a check on an agent alone is accepted and shows that agent's
// location as unknown until it reports, and that locations survive a YAML round trip.
func TestCheckLocationsAPI(t *testing.T) {
	e := newEnv(t, withRunningChecks(t))
	owner := e.owner(t)
	code, body := owner.do(t, "POST", "/api/v1/hosts", `{"name":"probe-1"}`)
	if code != 201 {
		t.Fatalf("create host: got %d %v", code, body)
	}
	mine := itoa(int64(body["host"].(map[string]any)["id"].(float64)))
	other, _, err := e.db.CreateOwner(context.Background(), "x@other.org", "h", "Other")
	if err != nil {
		t.Fatal(err)
	}
	o2, _, _ := e.db.PrimaryMembership(context.Background(), other.ID)
	theirs, _, _ := e.db.CreateHost(context.Background(), o2.ID, "theirs")

	base := `"name":"site","type":"http","url":"http://127.0.0.1:1/","interval_s":60`
	for _, c := range []struct{ name, extra, field string }{
		{"unknown host", `"locations":{"hub":true,"hosts":[99999]}`, "locations"},
		{"another organization's host", `"locations":{"hosts":[` + itoa(theirs.ID) + `]}`, "locations"},
		{"no location", `"locations":{"hub":false}`, "locations"},
		{"host twice", `"locations":{"hosts":[` + mine + `,` + mine + `]}`, "locations"},
		{"quorum above locations", `"locations":{"hub":true,"hosts":[` + mine + `]},"quorum":3`, "quorum"},
		{"negative quorum", `"quorum":-1`, "quorum"},
		{"quorum on the hub alone", `"quorum":2`, "quorum"},
		{"hosts not a list", `"locations":{"hosts":"all"}`, "locations.hosts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if code, b := owner.do(t, "POST", "/api/v1/checks", `{`+base+`,`+c.extra+`}`); code != 400 || b["field"] != c.field {
				t.Errorf("got %d %v, want 400 on field %q", code, b, c.field)
			}
		})
	}
	if code, b := owner.do(t, "POST", "/api/v1/checks", `{"name":"p","type":"push","period_s":60,"locations":{"hosts":[`+mine+`]}}`); code != 400 || b["field"] != "locations" {
		t.Errorf("push check with locations: got %d %v, want 400 on locations", code, b)
	}

	code, body = owner.do(t, "POST", "/api/v1/checks", `{`+base+`,"locations":{"hub":true,"hosts":[`+mine+`]},"quorum":2}`)
	if code != 201 {
		t.Fatalf("create: got %d %v", code, body)
	}
	path := "/api/v1/checks/" + itoa(int64(body["check"].(map[string]any)["id"].(float64)))
	got := poll(t, owner, path, func(b map[string]any) bool {
		ls, _ := b["check"].(map[string]any)["location_states"].([]any)
		return len(ls) == 2 && ls[0].(map[string]any)["state"] == "down"
	})
	ls := got["check"].(map[string]any)["location_states"].([]any)
	agent := ls[1].(map[string]any)
	if agent["location"] != "host:"+mine || agent["host_name"] != "probe-1" || agent["state"] != "unknown" {
		t.Errorf("agent location: got %v, want host:%s probe-1 unknown", agent, mine)
	}
	// One location of two is down, the other unknown: below the quorum of 2, never down.
	if st := stateOf(got); st == "down" {
		t.Errorf("state with one of two locations down and quorum 2: got down")
	}

	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/checks/export.yaml", nil)
	resp, err := owner.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	yml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(yml), "locations:") || !strings.Contains(string(yml), "- "+mine) || !strings.Contains(string(yml), "quorum: 2") {
		t.Fatalf("export: got %s, want the locations and quorum", yml)
	}
	if code, imp := owner.do(t, "POST", "/api/v1/checks/import", string(yml)); code != 200 || imp["updated"] != 1.0 {
		t.Errorf("re-import: got %d %v, want 1 updated", code, imp)
	}
	foreign := strings.Replace(string(yml), "- "+mine, "- "+itoa(theirs.ID), 1)
	if code, b := owner.do(t, "POST", "/api/v1/checks/import", foreign); code != 400 || b["field"] != "checks[0].locations" {
		t.Errorf("import with another organization's host: got %d %v, want 400 on checks[0].locations", code, b)
	}
}
