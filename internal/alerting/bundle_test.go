package alerting

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-mon/vigil/internal/alert"
)

func TestExportImportRoundTrip(t *testing.T) {
	f := newFixture(t, -1)
	ctx := context.Background()
	if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "hook", Name: "Hook", Type: ChannelWebhook, URL: "https://example.com/h", Secret: "top-secret"}, true); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Critical: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	y, err := f.s.Export(ctx, f.org)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "top-secret") || !strings.Contains(string(y), Redacted) || !strings.Contains(string(y), "default-host-down") {
		t.Fatalf("export leaks the secret or lacks rules:\n%s", y)
	}
	// Import the export into a fresh org's service with one rule removed: secrets are kept,
	// the rule is gone.
	edited := strings.Replace(string(y), "id: default-swap", "id: default-swap-renamed", 1)
	b, err := f.s.Import(ctx, f.org, []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	if b.Channels[0].Secret != Redacted {
		t.Errorf("import answer leaks the secret")
	}
	rules, _ := f.s.Rules(ctx, f.org)
	if !slices.ContainsFunc(rules, func(r alert.Rule) bool { return r.ID == "default-swap-renamed" }) ||
		slices.ContainsFunc(rules, func(r alert.Rule) bool { return r.ID == "default-swap" }) {
		t.Errorf("got rules %v, want default-swap renamed", ruleIDs(rules))
	}
	f.s.mu.Lock()
	stored := f.s.orgs[f.org].channels["hook"]
	f.s.mu.Unlock()
	if stored.Secret != "top-secret" {
		t.Errorf("import lost the stored secret: got %q", stored.Secret)
	}
}

func ruleIDs(rs []alert.Rule) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestParseBundleRejects(t *testing.T) {
	cases := []struct {
		name, yaml, field string
	}{
		{"unknown top-level field", "rulez: []\n", "rulez"},
		{"unknown rule field", "rules:\n  - id: a\n    name: A\n    kind: host_down\n    missed_intervals: 3\n    colour: red\n", "colour"},
		{"unknown metric", "rules:\n  - {id: a, name: A, kind: metric, metric: cpu.nope, aggregation: last, comparison: '>', critical: 1}\n", "rules[0].metric"},
		{"warning above critical", "rules:\n  - {id: a, name: A, kind: metric, metric: cpu.used_pct, aggregation: last, comparison: '>', warning: 95, critical: 90}\n", "rules[0].warning"},
		{"negative duration", "rules:\n  - {id: a, name: A, kind: host_down, missed_intervals: 3, repeat: -1m}\n", "rules[0].repeat"},
		{"bad cron", "silences:\n  - {id: s, name: S, cron: '* * *', duration: 1h, time_zone: UTC}\n", "silences[0].cron"},
		{"route to unknown channel", "route: {critical: [pager]}\n", "route.critical"},
		{"duplicate rule", "rules:\n  - {id: a, name: A, kind: host_down, missed_intervals: 3}\n  - {id: a, name: B, kind: host_down, missed_intervals: 3}\n", "rules[1].id"},
		{"bad channel", "channels:\n  - {id: c, name: C, type: carrier-pigeon}\n", "channels[0].type"},
		{"wrong type", "rules: 5\n", "line 1"},
		{"two documents", "rules: []\n---\nrules: []\n", "body"},
		{"empty", "", "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBundle([]byte(tc.yaml), knownMetric)
			if got := alert.Fields(err); !slices.Contains(got, tc.field) {
				t.Errorf("got fields %v (%v), want %q", got, err, tc.field)
			}
		})
	}
}

// FuzzParseBundle: any input is parsed or rejected with field errors, never a panic, and
// what is accepted survives an export round trip.
func FuzzParseBundle(f *testing.F) {
	f.Add([]byte("rules:\n  - {id: a, name: A, kind: host_down, missed_intervals: 3}\nroute: {critical: []}\n"))
	f.Add([]byte("channels:\n  - {id: h, name: H, type: webhook, url: 'https://x/', secret: '********'}\nroute: {critical: [h]}\n"))
	f.Add([]byte("silences:\n  - {id: s, name: S, cron: '0 2 * * 0', duration: 2h, time_zone: Europe/Berlin, tags: [db]}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data, knownMetric)
		if err != nil {
			if len(alert.Fields(err)) == 0 {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		for _, r := range b.Rules {
			if err := r.Validate(knownMetric); err != nil {
				t.Fatalf("accepted invalid rule %+v: %v", r, err)
			}
		}
	})
}
