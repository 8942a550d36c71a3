package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pgStat is the CPU time of the PostgreSQL server processes on this machine: the backends
// serving one database (the hub's connections) and the whole server (backends of every
// database plus the background writer, WAL writer, checkpointer, autovacuum). Other users of
// the same server count in the second figure only.
type pgStat struct {
	db, all time.Duration
	ok      bool
}

// readPostgres sums utime+stime of the processes named "postgres"; a backend's title
// ("postgres: user database host(port) state") names its database. A backend that exits
// between two readings takes its CPU time with it; the hub's pool keeps its connections for
// minutes, so over a window that is little.
func readPostgres(database string) pgStat {
	if database == "" {
		return pgStat{}
	}
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return pgStat{}
	}
	var st pgStat
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		p := readProc(pid)
		if !p.ok {
			continue
		}
		st.ok = true
		st.all += p.cpu
		if title, err := os.ReadFile(d + "/cmdline"); err == nil {
			if backendOf(string(title)) == database {
				st.db += p.cpu
			}
		}
	}
	return st
}

// backendOf returns the database in a backend's process title, "postgres: [cluster: ]user
// database host(port) state" (Debian sets cluster_name, e.g. "15/main:"), or "".
func backendOf(title string) string {
	f := strings.Fields(strings.ReplaceAll(title, "\x00", " "))
	if len(f) < 3 || f[0] != "postgres:" {
		return ""
	}
	f = f[1:]
	if strings.HasSuffix(f[0], ":") {
		f = f[1:]
	}
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// pgPct is the CPU use between two readings in % of one core: the database's backends and the
// whole server.
func pgPct(a, b pgStat, wall time.Duration) (db, all float64) {
	if !a.ok || !b.ok || wall <= 0 {
		return -1, -1
	}
	return 100 * float64(b.db-a.db) / float64(wall), 100 * float64(b.all-a.all) / float64(wall)
}

// databaseName is the database a postgres:// URL names ("" when none or not a URL).
func databaseName(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}
