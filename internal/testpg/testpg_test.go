package testpg

import (
	"database/sql"
	"strings"
	"testing"
)

// TestSchema checks that the URL points into a schema of its own: a table made through it
// lands in that schema, and two calls never share one.
func TestSchema(t *testing.T) {
	a, b := Schema(t, "testpg_a"), Schema(t, "testpg_a")
	if a == b {
		t.Fatalf("two schemas share a URL: %s", a)
	}
	db, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := db.QueryRow("SELECT table_schema FROM information_schema.tables WHERE table_name = 't' AND table_schema = current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schema, "testpg_a") || !strings.Contains(a, "search_path="+schema) {
		t.Errorf("table in schema %q, URL %s", schema, a)
	}
}
