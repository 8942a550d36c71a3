package meta

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }
			_, org, err := d.CreateOwner(ctx, "a@b.c", "h", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			_, other, _ := d.CreateOwner(ctx, "x@y.z", "h", "Other")
			theirHost, _, _ := d.CreateHost(ctx, other.ID, "theirs")
			myHost, _, _ := d.CreateHost(ctx, org.ID, "mine")

			spec := json.RawMessage(`{"name":"site","type":"http","url":"https://example.com","interval_s":60}`)
			if _, _, err := d.CreateCheck(ctx, org.ID, CheckInput{Name: "site", Type: "http", Spec: spec, HostID: &theirHost.ID}); !errors.Is(err, ErrNotFound) {
				t.Errorf("check on another org's host: got %v, want ErrNotFound", err)
			}
			c, tok, err := d.CreateCheck(ctx, org.ID, CheckInput{Name: "site", Type: "http", Spec: spec, HostID: &myHost.ID})
			if err != nil || tok != "" || c.State != "" || *c.HostID != myHost.ID || string(c.Spec) != string(spec) {
				t.Fatalf("create: got %+v %q %v", c, tok, err)
			}
			if _, _, err := d.CreateCheck(ctx, org.ID, CheckInput{Name: "site", Type: "http", Spec: spec}); !errors.Is(err, ErrConflict) {
				t.Errorf("duplicate name: got %v, want ErrConflict", err)
			}
			if _, err := d.GetCheck(ctx, other.ID, c.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("other org reads check: got %v, want ErrNotFound", err)
			}

			// Becoming a push check issues a token; pushes find the check by it.
			c, tok, err = d.UpdateCheck(ctx, org.ID, c.ID, CheckInput{Name: "cron", Type: "push", Spec: json.RawMessage(`{}`)})
			if err != nil || tok == "" || c.Name != "cron" {
				t.Fatalf("update to push: got %+v %q %v", c, tok, err)
			}
			pushed, err := d.RecordPush(ctx, tok, now, true, "disk full")
			if err != nil || pushed.ID != c.ID || !pushed.Push.Down {
				t.Fatalf("push: got %+v %v", pushed, err)
			}
			if got, _ := d.GetCheck(ctx, org.ID, c.ID); got.Push == nil || !got.Push.At.Equal(now) || got.Push.Message != "disk full" {
				t.Errorf("stored push: got %+v", got.Push)
			}
			tok2, err := d.RotatePushToken(ctx, org.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.RecordPush(ctx, tok, now, false, ""); !errors.Is(err, ErrNotFound) {
				t.Errorf("old push token: got %v, want ErrNotFound", err)
			}
			if _, err := d.RecordPush(ctx, tok2, now, false, ""); err != nil {
				t.Errorf("new push token: %v", err)
			}

			// State changes and history.
			for i, up := range []bool{true, false, true} {
				if err := d.SetCheckState(ctx, c.ID, up, now.Add(time.Duration(i)*time.Hour), "m"); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := d.GetCheck(ctx, org.ID, c.ID)
			if got.State != "up" || !got.StateSince.Equal(now.Add(2*time.Hour)) {
				t.Errorf("state: got %q since %v", got.State, got.StateSince)
			}
			ev, err := d.CheckEvents(ctx, c.ID, now.Add(30*time.Minute), now.Add(3*time.Hour), 100)
			if err != nil || len(ev) != 3 || !ev[0].Up || ev[1].Up || !ev[2].Up || !ev[0].At.Equal(now) {
				t.Errorf("events: got %+v %v, want the prior up, then down, up", ev, err)
			}
			all, _ := d.ListChecks(ctx, 0)
			mine, _ := d.ListChecks(ctx, org.ID)
			theirs, _ := d.ListChecks(ctx, other.ID)
			if len(all) != 1 || len(mine) != 1 || len(theirs) != 0 {
				t.Errorf("list: got all %d mine %d theirs %d", len(all), len(mine), len(theirs))
			}
			if err := d.DeleteCheck(ctx, other.ID, c.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("other org deletes: got %v", err)
			}
			if err := d.DeleteCheck(ctx, org.ID, c.ID); err != nil {
				t.Fatal(err)
			}
			if err := d.SetCheckState(ctx, c.ID, true, now, ""); !errors.Is(err, ErrNotFound) {
				t.Errorf("state of deleted check: got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStatusPages(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, org, _ := d.CreateOwner(ctx, "a@b.c", "h", "Acme")
			_, other, _ := d.CreateOwner(ctx, "x@y.z", "h", "Other")
			host, _, _ := d.CreateHost(ctx, org.ID, "web1")
			theirHost, _, _ := d.CreateHost(ctx, other.ID, "theirs")
			c, _, _ := d.CreateCheck(ctx, org.ID, CheckInput{Name: "site", Type: "http", Spec: json.RawMessage(`{}`)})
			at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			p := StatusPage{Slug: "acme", Title: "Acme status", Items: []StatusItem{{"check", c.ID}, {"host", host.ID}},
				Notices: []StatusNotice{{Title: "DB upgrade", Body: "short outage", StartsAt: at, EndsAt: at.Add(time.Hour)}}}
			if _, err := d.SaveStatusPage(ctx, org.ID, StatusPage{Slug: "x", Title: "x", Items: []StatusItem{{"host", theirHost.ID}}}); !errors.Is(err, ErrNotFound) {
				t.Errorf("page with another org's host: got %v, want ErrNotFound", err)
			}
			saved, err := d.SaveStatusPage(ctx, org.ID, p)
			if err != nil || saved.ID == 0 || len(saved.Items) != 2 || !saved.Notices[0].EndsAt.Equal(at.Add(time.Hour)) {
				t.Fatalf("save: got %+v %v", saved, err)
			}
			if _, err := d.SaveStatusPage(ctx, other.ID, StatusPage{Slug: "acme", Title: "mine"}); !errors.Is(err, ErrConflict) {
				t.Errorf("slug taken by another org: got %v, want ErrConflict", err)
			}
			saved.Title, saved.Items = "Acme", nil
			if _, err := d.SaveStatusPage(ctx, other.ID, saved); !errors.Is(err, ErrNotFound) {
				t.Errorf("other org replaces page: got %v, want ErrNotFound", err)
			}
			if up, err := d.SaveStatusPage(ctx, org.ID, saved); err != nil || up.Title != "Acme" || len(up.Items) != 0 {
				t.Errorf("update: got %+v %v", up, err)
			}
			if bySlug, err := d.StatusPageBySlug(ctx, "acme"); err != nil || bySlug.OrgID != org.ID {
				t.Errorf("by slug: got %+v %v", bySlug, err)
			}
			if list, _ := d.ListStatusPages(ctx, other.ID); len(list) != 0 {
				t.Errorf("other org lists %d pages, want 0", len(list))
			}
			if err := d.DeleteStatusPage(ctx, org.ID, saved.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.StatusPageBySlug(ctx, "acme"); !errors.Is(err, ErrNotFound) {
				t.Errorf("deleted page: got %v", err)
			}
		})
	}
}
