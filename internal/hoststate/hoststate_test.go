package hoststate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/ingest"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/wire"
)

type observed struct{ service, state, reason string }

type recorder struct{ got []observed }

func (r *recorder) ObserveService(_, _ int64, service, state, reason string, _ time.Time) {
	r.got = append(r.got, observed{service, state, reason})
}

func setup(t *testing.T) (*State, *meta.DB, ingest.Host, *recorder) {
	t.Helper()
	ctx := context.Background()
	db, err := meta.Open(ctx, "sqlite", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, org, err := db.CreateOwner(ctx, "o@x.y", "hash", "Org")
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := db.CreateHost(ctx, org.ID, "web-1")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	return New(Config{Store: db, Services: rec}), db, ingest.Host{ID: h.ID, OrgID: org.ID, Name: h.Name}, rec
}

func sample(timeMs int64, full bool, n int) *wire.Procs {
	p := &wire.Procs{TimeMs: timeMs, Full: full, Total: uint32(n)}
	for i := range n {
		p.Procs = append(p.Procs, wire.Process{PID: uint32(i + 1), StartMs: 1, Name: fmt.Sprint("p", i+1), CPU: float64(i), RSS: uint64(n - i), ReadBps: -1, WriteBps: -1})
	}
	return p
}

// TestSamplesOncePerMinute checks that every report becomes the newest table but only one a
// minute is stored, and that a full table is cut to the top processes when stored.
func TestSamplesOncePerMinute(t *testing.T) {
	s, db, host, _ := setup(t)
	ctx := context.Background()
	base := int64(1763850000000)
	for i := range 7 { // every 10 s for a minute: stored at 0 s and 60 s
		if err := s.Procs(ctx, host, sample(base+int64(i)*10000, false, 3)); err != nil {
			t.Fatal(err)
		}
	}
	if l, ok := s.Latest(host.ID); !ok || l.TimeMs != base+60000 || len(l.Procs) != 3 {
		t.Errorf("latest: got %+v, want the 60 s sample", l)
	}
	_, pts, err := db.ProcHistory(ctx, host.ID, 1, 1, 0, base+120000)
	if err != nil || len(pts) != 2 || pts[0].TimeMs != base || pts[1].TimeMs != base+60000 {
		t.Errorf("stored points: got %+v %v, want two, at 0 s and 60 s", pts, err)
	}
	// A full table (200 processes) while watched: all in memory, the top 10 + 10 stored.
	if err := s.Procs(ctx, host, sample(base+120000, true, 200)); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Latest(host.ID); len(l.Procs) != 200 || !l.Full {
		t.Errorf("latest full table: got %d processes, full %v; want 200, true", len(l.Procs), l.Full)
	}
	l, err := db.LatestProcSample(ctx, host.ID)
	if err != nil || len(l.Procs) != 20 || l.Procs[0].Name != "p200" {
		t.Errorf("stored full table: got %d processes (first %+v), want 20 led by p200", len(l.Procs), l.Procs)
	}
}

func TestServicesObserved(t *testing.T) {
	s, db, host, rec := setup(t)
	ctx := context.Background()
	err := s.Services(ctx, host, &wire.Services{TimeMs: 5000,
		Services:   []wire.Service{{Kind: "tcp", Name: "127.0.0.1:5432", State: wire.ServiceDown, Reason: "connection refused"}},
		Containers: []wire.Container{{ID: "abc", Name: "redis", State: "running", Restarts: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0] != (observed{"tcp:127.0.0.1:5432", "down", "connection refused"}) {
		t.Errorf("observed: got %+v", rec.got)
	}
	if svcs, _ := db.Services(ctx, host.ID); len(svcs) != 1 || svcs[0].State != "down" {
		t.Errorf("stored services: got %+v", svcs)
	}
	if cs, _ := db.Containers(ctx, host.ID); len(cs) != 1 || cs[0].Name != "redis" || cs[0].Restarts != 1 {
		t.Errorf("stored containers: got %+v", cs)
	}
	if err := s.ProcEvents(ctx, host, &wire.ProcEvents{Events: []wire.ProcEvent{{Kind: wire.ProcExit, TimeMs: 7, PID: 3, Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	if evs, _ := db.ProcEvents(ctx, host.ID, 0, 10, 10); len(evs) != 1 || evs[0].Kind != "exit" {
		t.Errorf("stored events: got %+v", evs)
	}
}

// TestServicesStoredOnChange checks that unchanged states are served from memory and written
// to the store only every ServiceStoreEvery, while a change is written at once.
func TestServicesStoredOnChange(t *testing.T) {
	s, db, host, _ := setup(t)
	ctx := context.Background()
	report := func(at int64, state wire.ServiceState, reason string) {
		t.Helper()
		if err := s.Services(ctx, host, &wire.Services{TimeMs: at, Services: []wire.Service{{Kind: "http", Name: "http://x/", State: state, Reason: reason}}}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() meta.ServiceStatus {
		t.Helper()
		svcs, err := db.Services(ctx, host.ID)
		if err != nil || len(svcs) != 1 {
			t.Fatalf("stored services: got %+v, %v", svcs, err)
		}
		return svcs[0]
	}
	report(1000, wire.ServiceHealthy, "HTTP 200 in 3 ms")
	report(31000, wire.ServiceHealthy, "HTTP 200 in 4 ms")
	if st := stored(); st.TimeMs != 1000 {
		t.Errorf("unchanged state: store updated at %d, want still 1000", st.TimeMs)
	}
	if svcs, _, _ := s.LatestServices(host.ID); svcs[0].TimeMs != 31000 || svcs[0].Reason != "HTTP 200 in 4 ms" || svcs[0].SinceMs != 1000 {
		t.Errorf("memory: got %+v, want the 31 s report, healthy since 1000", svcs[0])
	}
	report(61000, wire.ServiceDown, "HTTP 503")
	if st := stored(); st.TimeMs != 61000 || st.State != "down" || st.SinceMs != 61000 {
		t.Errorf("changed state: stored %+v, want down since 61000", st)
	}
	report(61000+5*60000, wire.ServiceDown, "HTTP 503")
	if st := stored(); st.TimeMs != 361000 || st.SinceMs != 61000 {
		t.Errorf("after 5 minutes: stored %+v, want rewritten at 361000, down since 61000", st)
	}
}
