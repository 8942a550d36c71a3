package meta

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestAlertingStore(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }
			_, org, err := d.CreateOwner(ctx, "a@b.c", "h", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			_, other, err := d.CreateOwner(ctx, "x@y.z", "h", "Other")
			if err != nil {
				t.Fatal(err)
			}

			// Seeding happens once, even when raced, and never again after deletion.
			defaults := []AlertDoc{{ID: "default-cpu", Body: json.RawMessage(`{"id":"default-cpu"}`)}, {ID: "default-disk", Body: json.RawMessage(`{"id":"default-disk"}`)}}
			var wg sync.WaitGroup
			seeded := make(chan bool, 4)
			for range 4 {
				wg.Go(func() {
					ok, err := d.SeedAlertRules(ctx, org.ID, defaults)
					if err != nil {
						t.Error(err)
					}
					seeded <- ok
				})
			}
			wg.Wait()
			close(seeded)
			n := 0
			for ok := range seeded {
				if ok {
					n++
				}
			}
			if n != 1 {
				t.Errorf("got %d seeding calls that seeded, want exactly 1", n)
			}
			docs, err := d.ListAlertDocs(ctx, AlertRules, org.ID)
			if err != nil || len(docs) != 2 || docs[0].ID != "default-cpu" {
				t.Fatalf("got %+v %v, want the two defaults", docs, err)
			}
			if err := d.DeleteAlertDoc(ctx, AlertRules, org.ID, "default-cpu"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := d.SeedAlertRules(ctx, org.ID, defaults); ok {
				t.Error("seeded a second time")
			}
			if docs, _ := d.ListAlertDocs(ctx, AlertRules, org.ID); len(docs) != 1 {
				t.Errorf("got %d rules after delete and reseed, want 1 (deleted default stays deleted)", len(docs))
			}

			// CRUD, conflicts and org isolation.
			if err := d.CreateAlertDoc(ctx, AlertChannels, org.ID, "hook", []byte(`{"type":"webhook"}`)); err != nil {
				t.Fatal(err)
			}
			if err := d.CreateAlertDoc(ctx, AlertChannels, org.ID, "hook", []byte(`{}`)); !errors.Is(err, ErrConflict) {
				t.Errorf("duplicate id: got %v, want ErrConflict", err)
			}
			if err := d.CreateAlertDoc(ctx, AlertChannels, other.ID, "hook", []byte(`{"other":true}`)); err != nil {
				t.Errorf("same id in another org: %v", err)
			}
			if err := d.UpdateAlertDoc(ctx, AlertChannels, org.ID, "hook", []byte(`{"type":"webhook","url":"u"}`)); err != nil {
				t.Fatal(err)
			}
			if doc, err := d.GetAlertDoc(ctx, AlertChannels, org.ID, "hook"); err != nil || string(doc.Body) != `{"type":"webhook","url":"u"}` {
				t.Errorf("got %s %v after update", doc.Body, err)
			}
			if err := d.UpdateAlertDoc(ctx, AlertChannels, org.ID, "nope", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
				t.Errorf("update missing: got %v, want ErrNotFound", err)
			}
			if _, err := d.GetAlertDoc(ctx, AlertSilences, other.ID, "hook"); !errors.Is(err, ErrNotFound) {
				t.Errorf("get missing: got %v, want ErrNotFound", err)
			}
			if _, err := d.ListAlertDocs(ctx, AlertKind("users; --"), org.ID); err == nil {
				t.Error("unknown kind accepted")
			}

			// Import replaces all or nothing.
			err = d.ReplaceAlertDocs(ctx, org.ID, map[AlertKind][]AlertDoc{
				AlertRules: {{ID: "a", Body: json.RawMessage(`{}`)}, {ID: "a", Body: json.RawMessage(`{}`)}},
			})
			if !errors.Is(err, ErrConflict) {
				t.Errorf("import with duplicate ids: got %v, want ErrConflict", err)
			}
			if docs, _ := d.ListAlertDocs(ctx, AlertRules, org.ID); len(docs) != 1 {
				t.Errorf("failed import changed rules: got %d, want 1", len(docs))
			}
			err = d.ReplaceAlertDocs(ctx, org.ID, map[AlertKind][]AlertDoc{AlertRules: {{ID: "b", Body: json.RawMessage(`{}`)}}})
			if docs, _ := d.ListAlertDocs(ctx, AlertRules, org.ID); err != nil || len(docs) != 1 || docs[0].ID != "b" {
				t.Errorf("import: got %+v %v, want only b", docs, err)
			}
			if docs, _ := d.ListAlertDocs(ctx, AlertChannels, org.ID); len(docs) != 1 {
				t.Errorf("import of rules touched channels: got %d", len(docs))
			}

			// Settings upsert.
			if _, err := d.GetAlertSetting(ctx, org.ID, AlertSettingRoute); !errors.Is(err, ErrNotFound) {
				t.Errorf("unset setting: got %v, want ErrNotFound", err)
			}
			for _, v := range []string{`{"critical":["a"]}`, `{"critical":["b"]}`} {
				if err := d.SetAlertSetting(ctx, org.ID, AlertSettingRoute, []byte(v)); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := d.GetAlertSetting(ctx, org.ID, AlertSettingRoute); err != nil || string(v) != `{"critical":["b"]}` {
				t.Errorf("got %s %v, want the second value", v, err)
			}

			// History with filters, newest first.
			ev := []AlertEvent{
				{OrgID: org.ID, RuleID: "cpu", RuleName: "CPU", HostID: "1", From: "ok", To: "pending", Severity: "warning", Value: 85, Reason: "met", At: now},
				{OrgID: org.ID, RuleID: "cpu", RuleName: "CPU", HostID: "1", From: "pending", To: "firing", Severity: "warning", Value: 86, Reason: "held", At: now.Add(time.Minute)},
				{OrgID: org.ID, RuleID: "disk", RuleName: "Disk", HostID: "2", Label: "/", From: "firing", To: "firing", Severity: "critical", Reason: "acknowledged", Actor: "ann", Comment: "on it", At: now.Add(2 * time.Minute)},
				{OrgID: other.ID, RuleID: "cpu", HostID: "9", From: "ok", To: "pending", At: now},
			}
			if err := d.AddAlertEvents(ctx, ev); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				f    AlertEventFilter
				want []string
			}{
				{"all", AlertEventFilter{}, []string{"acknowledged", "held", "met"}},
				{"rule", AlertEventFilter{RuleID: "cpu"}, []string{"held", "met"}},
				{"host", AlertEventFilter{HostID: "2"}, []string{"acknowledged"}},
				{"state", AlertEventFilter{State: "firing"}, []string{"acknowledged", "held"}},
				{"severity", AlertEventFilter{Severity: "critical"}, []string{"acknowledged"}},
				{"range", AlertEventFilter{From: now.Add(30 * time.Second), To: now.Add(90 * time.Second)}, []string{"held"}},
				{"limit", AlertEventFilter{Limit: 1}, []string{"acknowledged"}},
			} {
				got, err := d.ListAlertEvents(ctx, org.ID, c.f)
				if err != nil {
					t.Fatal(err)
				}
				var reasons []string
				for _, e := range got {
					reasons = append(reasons, e.Reason)
				}
				if len(reasons) != len(c.want) || (len(reasons) > 0 && reasons[0] != c.want[0]) {
					t.Errorf("%s: got %v, want %v", c.name, reasons, c.want)
				}
			}
			if got, _ := d.ListAlertEvents(ctx, org.ID, AlertEventFilter{HostID: "2"}); got[0].Actor != "ann" || got[0].Comment != "on it" || got[0].Label != "/" {
				t.Errorf("got %+v, want actor, comment and label kept", got[0])
			}

			// Delivery log.
			for i, e := range []string{"connection refused", ""} {
				if err := d.AddDelivery(ctx, Delivery{OrgID: org.ID, Channel: "hook", Subject: "1 firing", Try: i + 1, OK: e == "", Error: e, Duration: 12 * time.Millisecond, At: now}); err != nil {
					t.Fatal(err)
				}
			}
			ds, err := d.ListDeliveries(ctx, org.ID, "hook", 0)
			if err != nil || len(ds) != 2 || !ds[0].OK || ds[1].Error != "connection refused" || ds[0].DurMS != 12 {
				t.Errorf("got %+v %v, want two attempts newest first", ds, err)
			}
			if ds, _ := d.ListDeliveries(ctx, other.ID, "", 0); len(ds) != 0 {
				t.Errorf("other org sees %d deliveries", len(ds))
			}
			// Retention: only what is older than the cut goes.
			pruned, err := d.PruneAlertLogs(ctx, now.Add(90*time.Second), now.Add(-time.Hour))
			if err != nil || pruned != 3 {
				t.Errorf("prune: got %d rows, %v; want the 3 history entries (both orgs) before the cut", pruned, err)
			}
			if got, _ := d.ListAlertEvents(ctx, org.ID, AlertEventFilter{}); len(got) != 1 || got[0].Reason != "acknowledged" {
				t.Errorf("after prune: got %+v, want only the newest entry", got)
			}
			if ds, _ := d.ListDeliveries(ctx, org.ID, "", 0); len(ds) != 2 {
				t.Errorf("after prune: got %d deliveries, want 2 (newer than their cut)", len(ds))
			}
			ids, err := d.OrgIDs(ctx)
			if err != nil || len(ids) != 2 {
				t.Errorf("got org ids %v %v, want 2", ids, err)
			}
		})
	}
}
