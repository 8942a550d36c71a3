package series

import (
	"database/sql"
	"fmt"
	"os"
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
