package uptime

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
)

// waitFor polls cond (a real server answers in real time) and fails after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServiceEndToEnd runs a real HTTP check through the scheduler into SQLite and the series
// store: up, then down when the server starts failing, with events, series and observer calls.
func TestServiceEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
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

	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	spec := check.Spec{Name: "site", Type: check.TypeHTTP, URL: srv.URL, IntervalS: 60}
	spec.Normalize()
	raw, _ := json.Marshal(spec)
	m, _, err := db.CreateCheck(ctx, org.ID, meta.CheckInput{Name: spec.Name, Type: spec.Type, Spec: raw})
	if err != nil {
		t.Fatal(err)
	}

	rec := newRecorder()
	svc := NewService(db, store, rec, nil)
	var wg sync.WaitGroup
	if err := svc.Start(ctx, &wg); err != nil {
		t.Fatal(err)
	}
	state := func(want string) func() bool {
		return func() bool { c, _ := db.GetCheck(ctx, org.ID, m.ID); return c.State == want }
	}
	if err := svc.Set(m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "check up", state("up"))
	failing.Store(true)
	svc.Set(m) // runs at once
	waitFor(t, "check down", state("down"))
	cancel()
	wg.Wait()

	ev, _ := db.CheckEvents(context.Background(), m.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 10)
	if len(ev) != 2 || !ev[0].Up || ev[1].Up || ev[1].Message != "status 500 Internal Server Error is not accepted (200-399)" {
		t.Errorf("got events %+v, want up then down with the status", ev)
	}
	if len(rec.observed) != 2 || !strings.Contains(rec.observed[1], "up=false") {
		t.Errorf("observer got %v, want up then down", rec.observed)
	}
	res, err := store.Query(context.Background(), series.Query{HostID: check.SeriesOwner(m.ID), From: time.Now().Add(-20 * time.Second).UnixMilli(), To: time.Now().Add(time.Second).UnixMilli(), Step: 1, MaxPoints: 100000})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]float64{}
	for _, s := range res.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				got[s.Name] = append(got[s.Name], v)
			}
		}
	}
	if st := got[check.SeriesState]; len(st) != 2 || st[0] != 1 || st[1] != 0 {
		t.Errorf("got state series %v, want [1 0]", st)
	}
	if rt := got[check.SeriesResponse]; len(rt) != 1 || rt[0] <= 0 {
		t.Errorf("got response series %v, want one positive value", rt)
	}
}

// recorder is an alert observer that remembers what it was told.
type recorder struct {
	mu       sync.Mutex
	observed []string
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) ObserveCheck(orgID, checkID int64, hostID *int64, name string, up bool, reason string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observed = append(r.observed, fmt.Sprintf("check %d up=%v: %s", checkID, up, reason))
}
