package uptime

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
)

// TestHostDeleted checks that a deleted host leaves every check that names it at once: the
// stored spec, the scheduler (no check assigned to it any more) and the alert dependency.
func TestHostDeleted(t *testing.T) {
	ctx := context.Background()
	db, err := meta.Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := series.Open(ctx, db.SQL(), db.Dialect(), series.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, org, _ := db.CreateOwner(ctx, "a@b.c", "h", "Acme")
	a, _, _ := db.CreateHost(ctx, org.ID, "a")
	b, _, _ := db.CreateHost(ctx, org.ID, "b")
	svc := NewService(db, store, nil, nil)
	mk := func(s check.Spec) meta.Check {
		t.Helper()
		s.Type, s.Host, s.Port, s.IntervalS = check.TypeTCP, "127.0.0.1", 1, 60
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(s)
		m, _, err := db.CreateCheck(ctx, org.ID, meta.CheckInput{Name: s.Name, Type: s.Type, HostID: s.HostID, Spec: raw})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Set(m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	both := mk(check.Spec{Name: "both", HostID: &a.ID, Locations: &check.Locations{Hub: true, Hosts: []int64{a.ID, b.ID}}, Quorum: 3})
	onlyB := mk(check.Spec{Name: "only b", Locations: &check.Locations{Hosts: []int64{b.ID}}})
	if n := len(svc.ProbeChecks(b.ID)); n != 2 {
		t.Fatalf("checks assigned to b before: got %d, want 2", n)
	}

	spec := func(id int64) check.Spec {
		t.Helper()
		m, err := db.GetCheck(ctx, org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		s, err := SpecOf(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := db.DeleteHost(ctx, org.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.HostDeleted(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(svc.ProbeChecks(b.ID)); n != 0 {
		t.Errorf("checks assigned to deleted b: got %d, want 0", n)
	}
	if s := spec(both.ID); s.Locations == nil || len(s.Locations.Hosts) != 1 || s.Locations.Hosts[0] != a.ID || s.Quorum != 0 {
		t.Errorf("check on both: got locations %+v quorum %d, want hub and a with a majority", s.Locations, s.Quorum)
	}
	if s := spec(onlyB.ID); s.Locations != nil || !s.Paused {
		t.Errorf("check only on b: got locations %+v paused %v, want the hub, paused", s.Locations, s.Paused)
	}
	if st := svc.Locations(both.ID); len(st) != 2 {
		t.Errorf("scheduler's locations of the check on both: got %d, want 2", len(st))
	}

	if err := db.DeleteHost(ctx, org.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.HostDeleted(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	m, _ := db.GetCheck(ctx, org.ID, both.ID)
	if s := spec(both.ID); s.HostID != nil || m.HostID != nil || s.Locations != nil {
		t.Errorf("after a is deleted: got host_id %v (column %v), locations %+v; want none, the hub only", s.HostID, m.HostID, s.Locations)
	}
}
