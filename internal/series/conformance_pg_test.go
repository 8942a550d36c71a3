package series

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/vigil-mon/vigil/internal/testpg"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestConformancePostgres runs the same suite on PostgreSQL when VIGIL_TEST_PG names a server
// (CI starts one). Each test gets a schema of its own, dropped afterwards.
func TestConformancePostgres(t *testing.T) {
	testpg.URL(t)
	runConformance(t, func(t *testing.T) *sql.DB {
		db, err := sql.Open("pgx", testpg.Schema(t, "series_t"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}, "postgres")
}

// TestConcurrentOpenPostgres opens the store from several connection pools on one fresh schema
// at once, as hubs starting together behind a load balancer do: each Open must succeed (without
// the advisory lock, concurrent CREATE TABLE IF NOT EXISTS fails on PostgreSQL's catalog).
func TestConcurrentOpenPostgres(t *testing.T) {
	for round := range 3 { // races are timing-dependent: a few fresh schemas
		url := testpg.Schema(t, "series_c")
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				db, err := sql.Open("pgx", url)
				if err != nil {
					errs <- err
					return
				}
				defer db.Close()
				s, err := Open(context.Background(), db, "postgres", Options{})
				if err == nil {
					err = s.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: concurrent Open: %v", round, err)
			}
		}
	}
}
