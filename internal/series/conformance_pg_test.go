package series

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestConformancePostgres runs the same suite on PostgreSQL when VIGIL_TEST_PG names a server
// (CI starts one). Each test gets a schema of its own, dropped afterwards.
func TestConformancePostgres(t *testing.T) {
	dsn := os.Getenv("VIGIL_TEST_PG")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must set VIGIL_TEST_PG so the PostgreSQL backend is tested")
		}
		t.Skip("VIGIL_TEST_PG not set")
	}
	runConformance(t, func(t *testing.T) *sql.DB {
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		schema := fmt.Sprintf("series_t%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("pgx", dsn+"&search_path="+schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			db.Close()
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		return db
	}, "postgres")
}

// TestConcurrentOpenPostgres opens the store from several connection pools on one fresh schema
// at once, as hubs starting together behind a load balancer do: each Open must succeed (without
// the advisory lock, concurrent CREATE TABLE IF NOT EXISTS fails on PostgreSQL's catalog).
func TestConcurrentOpenPostgres(t *testing.T) {
	dsn := os.Getenv("VIGIL_TEST_PG")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must set VIGIL_TEST_PG so the PostgreSQL backend is tested")
		}
		t.Skip("VIGIL_TEST_PG not set: set it to a PostgreSQL URL to test the PostgreSQL backend")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for round := range 3 { // races are timing-dependent: a few fresh schemas
		schema := fmt.Sprintf("series_c%d_%d", time.Now().UnixNano(), round)
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				db, err := sql.Open("pgx", dsn+"&search_path="+schema)
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
