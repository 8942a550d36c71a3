// Package testpg gives tests a PostgreSQL schema of their own on the server that
// VIGIL_TEST_PG names (CI starts one; see .ci/run). It is imported by tests only.
package testpg

import (
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// URL returns VIGIL_TEST_PG. Without it the test is skipped, except under CI=true, where a
// silently skipped PostgreSQL backend would look tested when it is not.
func URL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("VIGIL_TEST_PG")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must set VIGIL_TEST_PG so the PostgreSQL backend is tested")
		}
		t.Skip("VIGIL_TEST_PG not set: set it to a PostgreSQL URL (e.g. postgres://vigil:vigil@127.0.0.1:5432/postgres?sslmode=disable) to test the PostgreSQL backend")
	}
	return dsn
}

var seq atomic.Int64

// Schema creates a fresh schema named after prefix, dropped with everything in it when the
// test ends, and returns a URL whose search_path is that schema.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	dsn := URL(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano(), seq.Add(1))
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
	}
	// Registered before the caller opens anything, so it runs after the caller's own cleanups
	// have closed their connections.
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
