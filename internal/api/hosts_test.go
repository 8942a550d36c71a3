package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestUpdateHost renames hosts and edits tags through PATCH /api/v1/hosts/{id}, with every kind of
// bad input answering 400/409 naming the field.
func TestUpdateHost(t *testing.T) {
	e := newEnv(t)
	owner := e.owner(t)
	code, body := owner.do(t, "POST", "/api/v1/hosts", `{"name":"web-1","tags":["Prod"," web "]}`)
	if code != 201 {
		t.Fatalf("create: got %d %v", code, body)
	}
	host := body["host"].(map[string]any)
	if got := fmt.Sprint(host["tags"]); got != "[prod web]" {
		t.Errorf("created tags: got %s, want [prod web]", got)
	}
	id := fmt.Sprint(host["id"])
	if code, _ := owner.do(t, "POST", "/api/v1/hosts", `{"name":"db-1"}`); code != 201 {
		t.Fatalf("create db-1: got %d", code)
	}
	path := "/api/v1/hosts/" + id
	for _, c := range []struct {
		name, body string
		code       int
		field      string
		tags, host string // expected after success
	}{
		{"set tags", `{"tags":["env=prod","web","web"]}`, 200, "", "[env=prod web]", "web-1"},
		{"rename keeps tags", `{"name":" web-01 "}`, 200, "", "[env=prod web]", "web-01"},
		{"clear tags", `{"tags":[]}`, 200, "", "[]", "web-01"},
		{"both", `{"name":"web-1","tags":["a"]}`, 200, "", "[a]", "web-1"},
		{"bad tag", `{"tags":["ok","no spaces"]}`, 400, "tags", "", ""},
		{"long tag", `{"tags":["` + strings.Repeat("x", 41) + `"]}`, 400, "tags", "", ""},
		{"tags not a list", `{"tags":"web"}`, 400, "tags", "", ""},
		{"bad name", `{"name":"a/b"}`, 400, "name", "", ""},
		{"empty name", `{"name":""}`, 400, "name", "", ""},
		{"name taken", `{"name":"db-1"}`, 409, "name", "", ""},
		{"nothing", `{}`, 400, "", "", ""},
		{"unknown field", `{"tag":["x"]}`, 400, "tag", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := owner.do(t, "PATCH", path, c.body)
			if code != c.code {
				t.Fatalf("got %d %v, want %d", code, body, c.code)
			}
			if c.code != 200 {
				if body["field"] != c.field && !(c.field == "" && body["field"] == nil) {
					t.Errorf("got field %v (%v), want %q", body["field"], body["error"], c.field)
				}
				return
			}
			_, got := owner.do(t, "GET", path, "")
			h := got["host"].(map[string]any)
			if fmt.Sprint(h["tags"]) != c.tags || h["name"] != c.host {
				t.Errorf("got %v %v, want %s %s", h["name"], h["tags"], c.host, c.tags)
			}
		})
	}
	if code, _ := owner.do(t, "PATCH", "/api/v1/hosts/999", `{"tags":[]}`); code != 404 {
		t.Errorf("unknown host: got %d, want 404", code)
	}
}
