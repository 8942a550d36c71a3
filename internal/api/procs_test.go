package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/vigil-mon/vigil/internal/meta"
)

func TestProcessRoutes(t *testing.T) {
	e := newEnv(t)
	owner := e.owner(t)
	code, body := owner.do(t, "POST", "/api/v1/hosts", `{"name":"web-1"}`)
	if code != 201 {
		t.Fatalf("create host: got %d %v", code, body)
	}
	id := int64(body["host"].(map[string]any)["id"].(float64))
	ctx := context.Background()
	procs := []meta.Proc{
		{PID: 812, StartMs: 1000, Name: "postgres", User: "postgres", Cmdline: "postgres -D /x", CPU: 30, RSS: 400 << 20, ReadBps: -1, WriteBps: -1},
		{PID: 1234, StartMs: 2000, Name: "cpuhog", User: "alice", Cmdline: "./cpuhog", CPU: 95, RSS: 8 << 20, ReadBps: 5, WriteBps: 0},
		{PID: 1, StartMs: 10, Name: "systemd", User: "root", Cmdline: "/sbin/init", CPU: 1, RSS: 12 << 20, ReadBps: 0, WriteBps: 0},
	}
	if err := e.db.AddProcSample(ctx, id, meta.ProcSample{TimeMs: 60000, Total: 90, Procs: procs}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.AddProcEvents(ctx, id, []meta.ProcEvent{{Kind: "exit", TimeMs: 50000, PID: 9, StartMs: 5, Name: "job"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.ReplaceServices(ctx, id, 60000, []meta.ServiceStatus{{Kind: "http", Name: "http://127.0.0.1/health", State: "degraded", Reason: "HTTP 503"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.ReplaceContainers(ctx, id, 60000, []meta.ContainerStatus{{ID: "abc", Name: "redis", State: "running"}}); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/hosts/%d", id)
	names := func(body map[string]any) string {
		var out string
		for _, p := range body["processes"].([]any) {
			out += p.(map[string]any)["name"].(string) + ","
		}
		return out
	}
	for _, tc := range []struct {
		query, want string
	}{
		{"", "cpuhog,postgres,systemd,"},
		{"?sort=rss", "postgres,systemd,cpuhog,"},
		{"?sort=rss&order=asc", "cpuhog,systemd,postgres,"},
		{"?sort=name", "cpuhog,postgres,systemd,"},
		{"?sort=pid&order=desc&limit=2", "cpuhog,postgres,"},
		{"?q=ALICE", "cpuhog,"},
		{"?q=812", "postgres,"},
	} {
		code, body := owner.do(t, "GET", base+"/processes"+tc.query, "")
		if code != 200 || names(body) != tc.want || body["total"] != 90.0 {
			t.Errorf("processes%s: got %d %s (total %v), want %s", tc.query, code, names(body), body["total"], tc.want)
		}
	}
	for _, tc := range []struct{ path, field string }{
		{"/processes?sort=colour", "sort"},
		{"/processes?order=up", "order"},
		{"/processes?limit=0", "limit"},
		{"/processes/history?pid=x&start=1", "pid"},
		{"/processes/history?pid=812", "start"},
		{"/processes/history?pid=812&start=1000&from=yesterday", "from"},
		{"/process-events?limit=99999", "limit"},
	} {
		code, body := owner.do(t, "GET", base+tc.path, "")
		if code != 400 || body["field"] != tc.field {
			t.Errorf("%s: got %d %v, want 400 naming %s", tc.path, code, body, tc.field)
		}
	}
	code, body = owner.do(t, "GET", base+"/processes/history?pid=812&start=1000&from=0", "")
	if pts, _ := body["points"].([]any); code != 200 || len(pts) != 1 || body["process"].(map[string]any)["cmdline"] != "postgres -D /x" {
		t.Errorf("history: got %d %v", code, body)
	}
	if code, body := owner.do(t, "GET", base+"/processes/history?pid=812&start=999&from=0", ""); code != 404 {
		t.Errorf("history of an unknown process: got %d %v, want 404", code, body)
	}
	code, body = owner.do(t, "GET", base+"/process-events?from=0", "")
	if evs, _ := body["events"].([]any); code != 200 || len(evs) != 1 || evs[0].(map[string]any)["kind"] != "exit" {
		t.Errorf("events: got %d %v", code, body)
	}
	code, body = owner.do(t, "GET", base+"/services", "")
	if s, _ := body["services"].([]any); code != 200 || len(s) != 1 || s[0].(map[string]any)["state"] != "degraded" {
		t.Errorf("services: got %d %v", code, body)
	}
	code, body = owner.do(t, "GET", base+"/containers", "")
	if c, _ := body["containers"].([]any); code != 200 || len(c) != 1 || c[0].(map[string]any)["name"] != "redis" {
		t.Errorf("containers: got %d %v", code, body)
	}
}
