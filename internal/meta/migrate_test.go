package meta

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/testpg"
)

// TestConcurrentOpen starts several stores on one fresh database at once, as hubs and the admin
// CLI may: every Open succeeds and each migration is recorded exactly once.
func TestConcurrentOpen(t *testing.T) {
	dsns := map[string][2]string{"sqlite": {"sqlite", "file:" + filepath.Join(t.TempDir(), "m.db") +
		"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"}}
	if os.Getenv("VIGIL_TEST_PG") != "" {
		dsns["postgres"] = [2]string{"pgx", testpg.Schema(t, "c")}
	}
	for name, dd := range dsns {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					d, err := Open(ctx, dd[0], dd[1])
					if err == nil {
						err = d.Close()
					}
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("concurrent open: %v", err)
				}
			}
			d, err := Open(ctx, dd[0], dd[1]) // reopening applies nothing twice
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var n, max int
			if err := d.SQL().QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM meta_migrations`).Scan(&n, &max); err != nil {
				t.Fatal(err)
			}
			if n != len(migrations) || max != len(migrations) {
				t.Errorf("got %d migration rows up to %d, want %d", n, max, len(migrations))
			}
		})
	}
}

// TestTableNames keeps the metadata store out of the series store's namespace in the shared
// database.
func TestTableNames(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			q := `SELECT name FROM sqlite_master WHERE type = 'table'`
			if d.Dialect() == "postgres" {
				q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
			}
			rows, err := d.SQL().Query(q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var table string
				if err := rows.Scan(&table); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(table, "series_") {
					t.Errorf("metadata table %s uses the series store's prefix", table)
				}
			}
		})
	}
}

// TestSetupTokenRace spends one setup token from several requests at once: exactly one creates
// the owner.
func TestSetupTokenRace(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tok, _, err := d.SetupToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			results := make(chan error, 4)
			for i := range 4 {
				wg.Go(func() {
					_, _, err := d.CompleteSetup(ctx, tok, "owner"+string(rune('a'+i))+"@b.c", "h", "Org")
					results <- err
				})
			}
			wg.Wait()
			close(results)
			ok := 0
			for err := range results {
				switch {
				case err == nil:
					ok++
				case errors.Is(err, ErrNotFound):
				default:
					t.Errorf("losing setup: got %v, want ErrNotFound", err)
				}
			}
			if ok != 1 {
				t.Errorf("got %d successful setups with one token, want 1", ok)
			}
			if needed, _ := d.SetupNeeded(ctx); needed {
				t.Error("setup still needed after it completed")
			}
		})
	}
}

// TestSetupFailureKeepsToken checks a setup that fails (the email is taken) leaves the token
// usable, instead of forcing a hub restart for a new link.
func TestSetupFailureKeepsToken(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			tok, _, _ := d.SetupToken(ctx)
			if _, err := d.CreateUser(ctx, "taken@b.c", "h"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := d.CompleteSetup(ctx, tok, "taken@b.c", "h", "Org"); !errors.Is(err, ErrConflict) {
				t.Fatalf("got %v, want ErrConflict", err)
			}
			if _, _, err := d.CompleteSetup(ctx, tok, "fresh@b.c", "h", "Org"); err != nil {
				t.Errorf("retry with the same token: got %v, want success", err)
			}
		})
	}
}

func TestExpiredSessionsPurged(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }
			u, o, err := d.CreateOwner(ctx, "a@b.c", "h", "Org")
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, _, err := d.CreateSession(ctx, u.ID, o.ID, time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			now = now.Add(2 * time.Hour)
			if _, _, err := d.CreateSession(ctx, u.ID, o.ID, time.Hour); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := d.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("got %d stored sessions, want 1 (expired ones purged)", n)
			}
		})
	}
}
