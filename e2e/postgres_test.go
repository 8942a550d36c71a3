package e2e

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/testpg"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx", to create and drop test databases
)

// pgDatabase creates a database of its own for the test on the server VIGIL_TEST_PG names
// (dropped at the end) and returns the arguments that point vigil at it the way an operator
// would: the URL without the password, and the password in a file.
func pgDatabase(t *testing.T) []string {
	t.Helper()
	dsn := testpg.URL(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("vigil_e2e_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	// Registered before any hub starts, so it runs after they have stopped.
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("VIGIL_TEST_PG: %v", err)
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	u.Path = "/" + name
	pwFile := filepath.Join(t.TempDir(), "pgpass")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--database", u.String(), "--database-password-file", pwFile}
}

// storedPoints returns the non-null points of one series the hub has stored for a host, and
// checks each against want when want > 0. The range is the last 10 minutes so that the step the
// store picks (range / 720 points, rounded) stays under the agent's 1 s interval and every
// point is its own bucket: over an hour the step was ~5 s and its exact value moves with the
// range's alignment, so the same stored data counted as 3 buckets before a restart and 2 after.
func storedPoints(t *testing.T, e *hubEnv, id int64, name string, want float64) int {
	t.Helper()
	var res seriesResponse
	path := "/api/v1/hosts/" + strconv.FormatInt(id, 10) + "/series?names=" + name + "&step=1&from=" + strconv.FormatInt(time.Now().Add(-10*time.Minute).UnixMilli(), 10)
	if code := e.get(t, path, &res); code != 200 {
		t.Fatalf("GET %s: got status %d, want 200", path, code)
	}
	n := 0
	for _, s := range res.Series {
		if s.Name != name {
			continue
		}
		for _, v := range s.Values {
			if v == nil {
				continue
			}
			n++
			if want > 0 && *v != want {
				t.Errorf("got %s %v, want %v", name, *v, want)
			}
		}
	}
	return n
}

// waitPoints polls until the hub has stored more than atLeast points of a series.
func waitPoints(t *testing.T, e *hubEnv, id int64, name string, want float64, atLeast int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n := storedPoints(t, e, id, name, want); n > atLeast {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %d: no more than %d stored points of %s after 30 s", id, atLeast, name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestPostgresEndToEnd runs the real hub on PostgreSQL with a real agent: the admin CLI works
// against the database, the agent's metrics are stored and queryable through the REST API, and
// a restart of the hub (with an empty data directory, so nothing can come from local files)
// keeps accounts, tokens, hosts and series, and the agent's data keeps flowing in.
func TestPostgresEndToEnd(t *testing.T) {
	dbArgs := pgDatabase(t)
	e := startHubOn(t, dbArgs)
	e.hub.waitFor(t, regexp.MustCompile(`opening metadata store.*database="PostgreSQL 127\.0\.0\.1:\d+/vigil_e2e_\d+ as user \w+"`), 5*time.Second)
	if _, err := os.Stat(filepath.Join(e.data, "vigil.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a hub on PostgreSQL created a SQLite database in its data directory (stat: %v)", err)
	}
	id, agentToken := e.addHost(t, "pg-host")
	start(t, "vigil-agent", "--hub", e.url, "--token", agentToken, "--interval", "1s", "--spool-dir", t.TempDir())
	mem := memTotal(t)
	before := waitPoints(t, e, id, "mem.total_bytes", mem, 2)

	var hosts hostsResponse
	if code := e.get(t, "/api/v1/hosts", &hosts); code != 200 || len(hosts.Hosts) != 1 || hosts.Hosts[0].ID != id || hosts.Hosts[0].Name != "pg-host" {
		t.Fatalf("GET /api/v1/hosts: got %d %+v, want host %d pg-host", code, hosts, id)
	}

	// Restart on the same address and database, with a new, empty data directory.
	if err := e.hub.stop(t); err != nil {
		t.Fatalf("hub: %v", err)
	}
	u, _ := url.Parse(e.url)
	e.data = t.TempDir()
	e.hub = start(t, "vigil", append([]string{"serve", "--data", e.data, "--listen", u.Host}, dbArgs...)...)
	e.hub.waitFor(t, urlRe, 20*time.Second)
	if strings.Contains(e.hub.output(), "No account exists yet") {
		t.Error("after a restart the hub asks for first-run setup: accounts were not kept")
	}
	// The old API token still works, the stored points are still there, and the agent has
	// reconnected and adds more.
	if n := storedPoints(t, e, id, "mem.total_bytes", mem); n < before {
		t.Errorf("after restart: got %d stored points, want at least the %d stored before", n, before)
	}
	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=pg-host `), 90*time.Second)
	waitPoints(t, e, id, "mem.total_bytes", mem, before+2)

	// The admin CLI sees the same database: the host exists, and the owner too.
	cmd := exec.Command(filepath.Join(binDir, "vigil"), append([]string{"host", "add", "--name", "pg-host", "--data", e.data}, dbArgs...)...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("host add of an existing host after restart: got %v %q, want it refused as existing", err, out)
	}
	out := e.cli(t, "", "token", "create", "--email", e.email, "--name", "after-restart")
	if secretRe.FindString(out) == "" {
		t.Errorf("token create after restart: no token in %q", out)
	}
}

// TestTwoHubsOneDatabase runs two hub processes on one PostgreSQL database with an agent on each:
// both hubs' REST APIs list both hosts and return both hosts' stored series, with the same API
// token. (The live view and online state of the other hub's agents need NATS, DESIGN.md §9;
// see docs/operations.md.)
func TestTwoHubsOneDatabase(t *testing.T) {
	dbArgs := pgDatabase(t)
	a := startHubOn(t, dbArgs)
	b := *a
	b.data = t.TempDir()
	b.hub = start(t, "vigil", append([]string{"serve", "--data", b.data, "--listen", "127.0.0.1:0"}, dbArgs...)...)
	b.url = b.hub.waitFor(t, urlRe, 20*time.Second)[1]

	idA, tokA := a.addHost(t, "on-hub-a")
	idB, tokB := b.addHost(t, "on-hub-b")
	start(t, "vigil-agent", "--hub", a.url, "--token", tokA, "--interval", "1s", "--spool-dir", t.TempDir())
	start(t, "vigil-agent", "--hub", b.url, "--token", tokB, "--interval", "1s", "--spool-dir", t.TempDir())
	a.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=on-hub-a `), 20*time.Second)
	b.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=on-hub-b `), 20*time.Second)

	mem := memTotal(t)
	for _, e := range []*hubEnv{a, &b} {
		var hosts hostsResponse
		if code := e.get(t, "/api/v1/hosts", &hosts); code != 200 || len(hosts.Hosts) != 2 {
			t.Fatalf("%s GET /api/v1/hosts: got %d %+v, want both hosts", e.url, code, hosts)
		}
		for _, id := range []int64{idA, idB} {
			waitPoints(t, e, id, "mem.total_bytes", mem, 2)
		}
	}
}

// TestPostgresStartErrors starts the real binary with PostgreSQL settings that cannot work:
// it must exit (not hang or fall back to SQLite) with a message that names where it tried to
// connect and what to check, and never shows the password.
func TestPostgresStartErrors(t *testing.T) {
	dsn := os.Getenv("VIGIL_TEST_PG")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must set VIGIL_TEST_PG so the hub is tested on PostgreSQL")
		}
		t.Skip("VIGIL_TEST_PG not set: set it to a PostgreSQL URL to run the hub on PostgreSQL")
	}
	const secret = "Wr0ng-Secret-9431"
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	wrongPw := *u
	wrongPw.User = url.UserPassword(u.User.Username(), secret)
	noServer := wrongPw
	noServer.Host = "127.0.0.1:1"
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"wrong password", []string{"serve", "--database", wrongPw.String()}, []string{"open PostgreSQL database at " + u.Hostname(), "as user " + u.User.Username(), "28P01", "check the user name and the password"}},
		{"nothing listens", []string{"serve", "--database", noServer.String()}, []string{"127.0.0.1:1/", "is PostgreSQL running"}},
		{"admin command, wrong password", []string{"host", "add", "--name", "x", "--database", wrongPw.String()}, []string{"28P01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			cmd := exec.Command(filepath.Join(binDir, "vigil"), append(tt.args, "--data", data, "--listen", "127.0.0.1:0")...)
			if tt.args[0] != "serve" {
				cmd = exec.Command(filepath.Join(binDir, "vigil"), append(tt.args, "--data", data)...)
			}
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("got exit 0, want a failure; output:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), secret) {
				t.Errorf("output shows the password:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(data, "vigil.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("fell back to SQLite: %s exists", filepath.Join(data, "vigil.db"))
			}
		})
	}
}
