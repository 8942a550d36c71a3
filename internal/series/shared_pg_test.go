package series

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/testpg"
)

// twoHubs opens two stores, each with its own connection pool, on one fresh PostgreSQL schema:
// two hubs sharing a database. Their clocks are set by the test.
func twoHubs(t *testing.T, now *time.Time) (a, b *Store) {
	t.Helper()
	url := testpg.Schema(t, "series_two")
	open := func() *Store {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(context.Background(), db, "postgres", Options{Scale: testScale})
		if err != nil {
			t.Fatal(err)
		}
		s.now = func() time.Time { return *now }
		t.Cleanup(func() { s.Close(); db.Close() })
		return s
	}
	return open(), open()
}

// valuesOf queries one host over [from, to] at raw resolution and returns the values per name.
func valuesOf(t *testing.T, s *Store, host, from, to int64) map[string][]float64 {
	t.Helper()
	res, err := s.Query(context.Background(), Query{HostID: host, From: from, To: to, Step: 1})
	if err != nil {
		t.Fatalf("query host %d: %v", host, err)
	}
	out := map[string][]float64{}
	for _, sr := range res.Series {
		out[sr.Name+"{"+sr.Label+"}"] = sr.Values
	}
	return out
}

// TestTwoHubsOneDatabase: hub A stores a host's snapshots, hub B answers queries about it
// although B had read (and cached) the host before A registered its series; the agent then
// fails over to B with a new series, which gets a fresh id on B and is visible on A; and the
// two hubs' maintenance, run at once, compacts every window once.
func TestTwoHubsOneDatabase(t *testing.T) {
	ctx := context.Background()
	now := time.UnixMilli(t0 + 10*60_000)
	a, b := twoHubs(t, &now)
	const host = 7

	// B looks first: nothing stored, and the empty dictionary is now cached on B.
	if _, _, ok := b.Latest(host); ok {
		t.Fatal("B: got a latest snapshot before anything was stored")
	}
	if got := valuesOf(t, b, host, t0, t0+hour); len(got) != 0 {
		t.Fatalf("B: got %v before anything was stored, want nothing", got)
	}

	ids, err := a.SeriesIDs(ctx, host, testKeys[:2])
	if err != nil {
		t.Fatal(err)
	}
	var snaps []Snapshot
	for i := range 5 {
		snaps = append(snaps, Snapshot{TimeMs: t0 + int64(i)*10_000, Samples: []Sample{{ids[0], float64(i)}, {ids[1], 4096 * float64(i)}}})
	}
	if err := a.Append(ctx, host, snaps); err != nil {
		t.Fatal(err)
	}

	// Within dictRecheck B may still use its cached dictionary; after it, B sees A's series.
	now = now.Add(dictRecheck)
	got := valuesOf(t, b, host, t0, t0+hour)
	if v := got["cpu.used_pct{}"]; len(v) != 5 || v[4] != 4 {
		t.Errorf("B: got cpu %v, want the 5 values A stored", v)
	}
	if _, latest, ok := b.Latest(host); !ok || latest[testKeys[1]] != 4*4096 {
		t.Errorf("B: got latest %v %v, want mem %v", latest, ok, 4*4096)
	}

	// A's dictionary is fresh as far as A knows (read just now), so it will not re-read it
	// before B's registration below unless a row forces it to.
	if err := a.refreshHost(ctx, host, 0); err != nil {
		t.Fatal(err)
	}
	// Failover: the agent's next hello lands on B with one more series. B must not reuse
	// A's ids (the insert would fail) although its clock has not moved.
	idsB, err := b.SeriesIDs(ctx, host, testKeys[:3])
	if err != nil {
		t.Fatalf("B: register after failover: %v", err)
	}
	if idsB[0] != ids[0] || idsB[1] != ids[1] || idsB[2] != 2 {
		t.Fatalf("B: got ids %v, want A's %v then 2", idsB, ids)
	}
	if err := b.Append(ctx, host, []Snapshot{{TimeMs: t0 + 50_000, Samples: []Sample{{idsB[0], 5}, {idsB[2], 1.5}}}}); err != nil {
		t.Fatal(err)
	}
	// A reads B's row at once: the row names an id A did not know, so A re-reads its
	// dictionary instead of failing the query. (The series itself appears in results once
	// the dictionary is rechecked; the values A knows are returned meanwhile.)
	got = valuesOf(t, a, host, t0, t0+hour)
	if v := got["cpu.used_pct{}"]; len(v) != 6 || v[5] != 5 {
		t.Errorf("A: got cpu %v, want 6 values ending in B's 5", v)
	}
	// Later, once A has stored nothing of the host for localTrust (its agent moved), A's
	// newest snapshot is replaced by B's.
	now = now.Add(localTrust + time.Second)
	got = valuesOf(t, a, host, t0, t0+hour)
	if v := got["fs.used_pct{/}"]; len(v) != 6 || v[5] != 1.5 {
		t.Errorf("A: got fs %v, want B's value 1.5 last", v)
	}
	if ts, _, ok := a.Latest(host); !ok || ts != t0+50_000 {
		t.Errorf("A: got latest at %d %v, want B's snapshot at %d", ts, ok, t0+50_000)
	}
	// A's own next registration gets the id after B's.
	if idsA, err := a.SeriesIDs(ctx, host, testKeys); err != nil || idsA[3] != 3 || idsA[2] != 2 {
		t.Errorf("A: got ids %v %v, want 0 1 2 3", idsA, err)
	}

	// While another session of this schema holds the maintenance lock, Maintain leaves the
	// work to it: the head rows stay.
	holder, err := a.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))`, maintainLock); err != nil {
		t.Fatal(err)
	}
	if err := b.Maintain(ctx, time.UnixMilli(t0+day)); err != nil {
		t.Errorf("maintain while another hub holds the lock: %v", err)
	}
	var head int
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM series_head`).Scan(&head); err != nil || head == 0 {
		t.Errorf("got %d head rows (%v) after a maintenance that should have been skipped, want them kept", head, err)
	}
	holder.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, maintainLock)
	holder.Close()

	// Both hubs maintain at once, a day later: every head row ends up in a block, once.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		wg.Go(func() { errs <- s.Maintain(ctx, time.UnixMilli(t0+day)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("maintain: %v", err)
		}
	}
	for name, s := range map[string]*Store{"A": a, "B": b} {
		got := valuesOf(t, s, host, t0, t0+hour)
		if v := got["cpu.used_pct{}"]; len(v) != 6 || v[5] != 5 {
			t.Errorf("%s after maintenance: got cpu %v, want 6 values ending in 5", name, v)
		}
	}
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM series_head`).Scan(&head); err != nil || head != 0 {
		t.Errorf("got %d head rows left (%v), want 0 after maintenance", head, err)
	}
}
