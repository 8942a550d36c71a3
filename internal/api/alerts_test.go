package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAlertingAPI drives the alerting routes as the UI does: defaults are there for a new
// org, invalid rules come back as 400 naming the field, channel secrets never come back,
// import rejects unknown fields by name, and host views carry an alert count.
func TestAlertingAPI(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	code, body := c.do(t, "GET", "/api/v1/alerting/rules", "")
	if rules, _ := body["rules"].([]any); code != 200 || len(rules) != 10 {
		t.Fatalf("got %d %v, want the 10 default rules", code, body)
	}
	for _, tc := range []struct {
		name, body, field string
		status            int
	}{
		{"unknown metric", `{"name":"X","kind":"metric","enabled":true,"metric":"cpu.nope","aggregation":"last","comparison":">","critical":1}`, "metric", 400},
		{"warning above critical", `{"name":"X","kind":"metric","metric":"cpu.used_pct","aggregation":"last","comparison":">","warning":95,"critical":90}`, "warning", 400},
		{"negative duration", `{"name":"X","kind":"host_down","missed_intervals":3,"for":"-5m"}`, "for", 400},
		{"unparseable duration", `{"name":"X","kind":"host_down","missed_intervals":3,"for":"soon"}`, "", 400},
		{"unknown field", `{"name":"X","kind":"host_down","colour":"red"}`, "colour", 400},
		{"duplicate", `{"id":"default-cpu","name":"X","kind":"host_down","missed_intervals":3}`, "id", 409},
		{"ok", `{"name":"Load very high","kind":"metric","enabled":true,"metric":"cpu.used_pct","aggregation":"avg","window":"1m","comparison":">","critical":99}`, "", 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.do(t, "POST", "/api/v1/alerting/rules", tc.body)
			if code != tc.status || (tc.field != "" && body["field"] != tc.field) {
				t.Errorf("got %d %v, want %d naming %q", code, body, tc.status, tc.field)
			}
		})
	}
	if code, _ := c.do(t, "PUT", "/api/v1/alerting/rules/load-very-high", `{"name":"Load very high","kind":"host_down","missed_intervals":5}`); code != 200 {
		t.Errorf("update: got %d, want 200", code)
	}
	code, body = c.do(t, "POST", "/api/v1/alerting/silences", `{"name":"Sunday","cron":"0 2 * * 8","duration":"2h","time_zone":"Europe/Berlin"}`)
	if code != 400 || body["field"] != "cron" {
		t.Errorf("bad cron: got %d %v, want 400 naming cron", code, body)
	}
	if code, _ := c.do(t, "POST", "/api/v1/alerting/silences", `{"name":"Sunday","cron":"0 2 * * 0","duration":"2h","time_zone":"Europe/Berlin"}`); code != 201 {
		t.Errorf("silence: got %d, want 201", code)
	}

	code, body = c.do(t, "POST", "/api/v1/alerting/channels", `{"id":"hook","name":"Hook","type":"webhook","url":"http://127.0.0.1:1/x","secret":"shh-very-secret"}`)
	if ch, _ := body["channel"].(map[string]any); code != 201 || ch["secret"] != "********" {
		t.Fatalf("create channel: got %d %v, want 201 with the secret redacted", code, body)
	}
	code, body = c.do(t, "GET", "/api/v1/alerting/channels", "")
	if code != 200 || strings.Contains(toJSON(body), "shh-very-secret") {
		t.Errorf("channel list leaks the secret: %v", body)
	}
	code, body = c.do(t, "POST", "/api/v1/alerting/channels/hook/test", "")
	if code != 200 || body["ok"] != false || body["error"] == "" {
		t.Errorf("test send to a closed port: got %d %v, want ok false with the reason", code, body)
	}
	if code, body := c.do(t, "GET", "/api/v1/alerting/deliveries", ""); code != 200 || len(body["deliveries"].([]any)) != 1 {
		t.Errorf("delivery log: got %d %v, want the test attempt", code, body)
	}
	if code, body := c.do(t, "PUT", "/api/v1/alerting/route", `{"critical":["nope"]}`); code != 400 || body["field"] != "critical" {
		t.Errorf("route to unknown channel: got %d %v, want 400 naming critical", code, body)
	}
	if code, _ := c.do(t, "PUT", "/api/v1/alerting/route", `{"critical":["hook"],"warning":[]}`); code != 200 {
		t.Errorf("route: got %d, want 200", code)
	}

	code, body = c.do(t, "POST", "/api/v1/alerting/import", "rules:\n  - id: a\n    name: A\n    kind: host_down\n    missed_intervals: 3\n    colour: red\n")
	if code != 400 || body["field"] != "colour" {
		t.Errorf("import with an unknown field: got %d %v, want 400 naming colour", code, body)
	}
	if code, body := c.do(t, "POST", "/api/v1/alerts/ack", `{"rule_id":"default-cpu","host_id":"1","comment":"x"}`); code != 409 {
		t.Errorf("ack of an alert that is not firing: got %d %v, want 409", code, body)
	}
	if code, body := c.do(t, "GET", "/api/v1/alerts/history?from=yesterday", ""); code != 400 || body["field"] != "from" {
		t.Errorf("bad history filter: got %d %v, want 400 naming from", code, body)
	}
	if code, body := c.do(t, "GET", "/api/v1/alerts", ""); code != 200 || body["alerts"] == nil {
		t.Errorf("active alerts: got %d %v", code, body)
	}
	c.do(t, "POST", "/api/v1/hosts", `{"name":"web-1"}`)
	code, body = c.do(t, "GET", "/api/v1/hosts", "")
	if hosts, _ := body["hosts"].([]any); code != 200 || len(hosts) != 1 || hosts[0].(map[string]any)["alerts"] == nil {
		t.Errorf("hosts: got %d %v, want alerts on each host", code, body)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
