package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
)

// TestRestartDoesNotRenotify: a hub restarted while an alert fires neither sends "firing"
// again nor forgets the acknowledgement, and still sends the resolution.
func TestRestartDoesNotRenotify(t *testing.T) {
	f := newFixture(t, -1)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Warning: []string{"hook"}, Critical: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	h := f.host("db-1")
	f.snapshot(h, "cpu.used_pct", 10)
	f.step(40 * time.Second) // default host-down: 3 missed 10 s intervals
	if got, _ := rcv.events(); !slices.Equal(got, []string{"firing:default-host-down:db-1"}) {
		t.Fatalf("got %v, want host down", got)
	}
	key := alert.Key{RuleID: "default-host-down", HostID: itoa(int(h))}
	if err := f.s.Ack(ctx, f.org, key, "ann@example.com", "rebooting"); err != nil {
		t.Fatal(err)
	}
	f.s.Step(ctx, f.now) // saves state; Run saves at shutdown too

	f.s = f.service(-1)   // the restart
	f.step(5 * time.Hour) // past the 4 h repeat interval: acknowledged, so nothing
	act, _ := f.s.Active(ctx, f.org)
	if len(act) != 1 || act[0].AckedBy != "ann@example.com" || act[0].Host != "db-1" {
		t.Fatalf("got active %+v, want host down acked by ann", act)
	}
	f.snapshot(h, "cpu.used_pct", 10)
	f.s.Drain(ctx)
	f.s.sending.Wait()
	if got, _ := rcv.events(); !slices.Equal(got, []string{"firing:default-host-down:db-1", "resolved:default-host-down:db-1"}) {
		t.Fatalf("got %v, want only the first firing and the resolution", got)
	}
	hist, _ := f.db.ListAlertEvents(ctx, f.org, meta.AlertEventFilter{HostID: key.HostID})
	if !slices.ContainsFunc(hist, func(e meta.AlertEvent) bool { return e.Actor == "ann@example.com" && e.Comment == "rebooting" }) {
		t.Errorf("history lacks ann's acknowledgement: %+v", hist)
	}
}

// TestEscalationToAnotherChannel: unacknowledged past escalate_after, the alert also goes to
// the escalation channel.
func TestEscalationToAnotherChannel(t *testing.T) {
	f := newFixture(t, -1)
	first, oncall := newReceiver(t), newReceiver(t)
	f.webhook(first.URL)
	ctx := context.Background()
	if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "oncall", Name: "On call", Type: ChannelWebhook, URL: oncall.URL, Secret: hookSecret}, true); err != nil {
		t.Fatal(err)
	}
	crit := 90.0
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "mem", Name: "Memory", Kind: alert.KindMetric, Enabled: true, Metric: "mem.used_pct",
		Aggregation: alert.AggLast, Comparison: alert.GT, Critical: &crit,
		Routing: alert.Routing{Critical: []string{"hook"}, EscalateTo: "oncall", EscalateAfter: alert.Duration(15 * time.Minute)}}, true); err != nil {
		t.Fatal(err)
	}
	h := f.host("app-1")
	for range 20 { // 20 minutes at 95 %
		f.snapshot(h, "mem.used_pct", 95)
		f.step(time.Minute)
	}
	if got, _ := first.events(); !slices.Equal(got, []string{"firing:mem:app-1"}) {
		t.Errorf("first channel got %v", got)
	}
	if got, _ := oncall.events(); !slices.Equal(got, []string{"escalation:mem:app-1"}) {
		t.Errorf("escalation channel got %v, want one escalation", got)
	}
}

func TestValidationNamesFields(t *testing.T) {
	f := newFixture(t, -1)
	ctx := context.Background()
	w, c, neg := 95.0, 90.0, alert.Duration(-time.Minute)
	cases := []struct {
		name  string
		rule  alert.Rule
		field string
	}{
		{"unknown metric", alert.Rule{ID: "x", Name: "X", Kind: alert.KindMetric, Metric: "cpu.bogus", Aggregation: alert.AggLast, Comparison: alert.GT, Critical: &c}, "metric"},
		{"warning above critical", alert.Rule{ID: "x", Name: "X", Kind: alert.KindMetric, Metric: "cpu.used_pct", Aggregation: alert.AggLast, Comparison: alert.GT, Warning: &w, Critical: &c}, "warning"},
		{"negative for", alert.Rule{ID: "x", Name: "X", Kind: alert.KindMetric, Metric: "cpu.used_pct", Aggregation: alert.AggLast, Comparison: alert.GT, Critical: &c, For: neg}, "for"},
		{"unknown channel", alert.Rule{ID: "x", Name: "X", Kind: alert.KindHostDown, MissedIntervals: 3, Routing: alert.Routing{Critical: []string{"nope"}}}, "routing.critical"},
		{"bad id", alert.Rule{ID: "Bad ID", Name: "X", Kind: alert.KindHostDown, MissedIntervals: 3}, "id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.PutRule(ctx, f.org, tc.rule, true)
			if got := alert.Fields(err); !slices.Contains(got, tc.field) {
				t.Errorf("got fields %v (%v), want %q", got, err, tc.field)
			}
		})
	}
	_, err := f.s.PutSilence(ctx, f.org, alert.Window{Name: "Nightly", Cron: "61 * * * *", Duration: alert.Duration(time.Hour), TimeZone: "UTC"}, true)
	if got := alert.Fields(err); !slices.Contains(got, "cron") {
		t.Errorf("bad cron: got fields %v, want cron", got)
	}
	if _, err := f.s.PutRule(ctx, f.org, alert.Rule{ID: "default-cpu", Name: "again", Kind: alert.KindHostDown, MissedIntervals: 2}, true); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate rule id: got %v, want ErrConflict", err)
	}
	if rules, _ := f.s.Rules(ctx, f.org); len(rules) != len(alert.DefaultRules()) {
		t.Errorf("got %d rules, want the %d defaults", len(rules), len(alert.DefaultRules()))
	}
}

// TestChannelSecretsRedacted: secrets never come back from the service, a redacted value
// sent back keeps the stored secret, and delivery errors do not quote secrets.
func TestChannelSecretsRedacted(t *testing.T) {
	f := newFixture(t, -1)
	ctx := context.Background()
	token := "T0KEN-in-the-path-abcdef"
	c, err := f.s.PutChannel(ctx, f.org, Channel{ID: "chat", Name: "Chat", Type: ChannelWebhook, URL: "http://127.0.0.1:1/hooks/" + token, Secret: "hmac-secret"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Secret != Redacted {
		t.Errorf("got secret %q back, want redacted", c.Secret)
	}
	c.Name = "Chat 2"
	if _, err := f.s.PutChannel(ctx, f.org, c, false); err != nil {
		t.Fatal(err)
	}
	doc, _ := f.db.GetAlertDoc(ctx, meta.AlertChannels, f.org, "chat")
	var stored Channel
	_ = json.Unmarshal(doc.Body, &stored)
	if stored, err = f.s.open(f.org, stored); err != nil || stored.Secret != "hmac-secret" || stored.Name != "Chat 2" {
		t.Errorf("stored %s (opened %+v, %v), want the name changed and the secret kept", doc.Body, stored, err)
	}
	if strings.Contains(string(doc.Body), "hmac-secret") || strings.Contains(string(doc.Body), token) {
		t.Errorf("stored %s, want the secret and the URL's token encrypted", doc.Body)
	}
	if _, err := f.s.PutChannel(ctx, f.org, Channel{ID: "new", Name: "N", Type: ChannelWebhook, URL: "http://x/", Secret: Redacted}, true); !slices.Contains(alert.Fields(err), "secret") {
		t.Errorf("redacted secret on a new channel: got %v, want a secret field error", err)
	}
	err = f.s.TestChannel(ctx, f.org, "chat")
	if err == nil || strings.Contains(err.Error(), token) {
		t.Errorf("test send to a closed port: got %v, want an error without the token", err)
	}
	ds, _ := f.db.ListDeliveries(ctx, f.org, "chat", 0)
	if len(ds) != 1 || !ds[0].Test || ds[0].OK || strings.Contains(ds[0].Error, token) {
		t.Errorf("got delivery log %+v, want one failed test without the token", ds)
	}
	list, _ := f.s.Channels(ctx, f.org)
	if len(list) != 1 || list[0].Secret != Redacted {
		t.Errorf("got %+v, want the channel redacted", list)
	}
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Critical: []string{"chat"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteChannel(ctx, f.org, "chat"); !slices.Contains(alert.Fields(err), "id") {
		t.Errorf("deleting a routed channel: got %v, want refused", err)
	}
}

// TestDailySummary: one summary a day at the configured local time, to the default route;
// none on the day the hub starts after that time.
func TestDailySummary(t *testing.T) {
	f := newFixture(t, 0)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Critical: []string{"hook"}, Warning: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	local := time.Date(2026, 12, 4, 10, 0, 0, 0, time.Local)
	f.now = local
	f.s.cfg.Summary = "10:30"
	count := func() int { _, n := rcv.events(); return n }
	for _, tc := range []struct {
		step time.Duration
		want int
	}{
		{0, 0},                // 10:00: not yet
		{30 * time.Minute, 1}, // 10:30: sent
		{5 * time.Minute, 1},  // 10:35: not again
		{24 * time.Hour, 2},   // next day 10:35: sent
		{time.Hour, 2},        // 11:35: not again
	} {
		f.step(tc.step)
		if got := count(); got != tc.want {
			t.Fatalf("at %s: got %d summaries, want %d", f.now.Format(time.DateTime), got, tc.want)
		}
	}
	if !strings.Contains(rcv.bodies[0].Subject, "Daily summary: 0 firing") {
		t.Errorf("got subject %q", rcv.bodies[0].Subject)
	}

	late := newFixture(t, 0) // a hub started after today's time waits for tomorrow
	r2 := newReceiver(t)
	late.webhook(r2.URL)
	if err := late.s.SetDefaultRoute(ctx, late.org, Route{Critical: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	late.now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.Local)
	late.s.cfg.Summary = "10:30"
	late.step(0)
	if _, n := r2.events(); n != 0 {
		t.Errorf("hub started at 12:00 sent %d summaries for 10:30, want 0", n)
	}
}

// TestDeletedHostAlertsEnd: when a host is deleted its alerts disappear (within the minute
// the service takes to re-read hosts) and nothing is notified about it.
func TestDeletedHostAlertsEnd(t *testing.T) {
	f := newFixture(t, 0)
	rcv := newReceiver(t)
	f.webhook(rcv.URL)
	ctx := context.Background()
	if err := f.s.SetDefaultRoute(ctx, f.org, Route{Critical: []string{"hook"}}); err != nil {
		t.Fatal(err)
	}
	h := f.host("gone-1")
	f.snapshot(h, "cpu.used_pct", 1)
	f.step(40 * time.Second) // host down fires
	if act, _ := f.s.Active(ctx, f.org); len(act) != 1 {
		t.Fatalf("got %+v, want host down", act)
	}
	if err := f.db.DeleteHost(ctx, f.org, h); err != nil {
		t.Fatal(err)
	}
	f.step(time.Minute)
	if act, _ := f.s.Active(ctx, f.org); len(act) != 0 {
		t.Errorf("got %+v after deleting the host, want none", act)
	}
	if got, _ := rcv.events(); len(got) != 1 {
		t.Errorf("got %v, want only the original firing", got)
	}
}
