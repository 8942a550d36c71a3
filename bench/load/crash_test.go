package main

import (
	"context"
	"database/sql"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/hub"
	_ "modernc.org/sqlite"
)

// freeAddr returns a loopback address nothing listens on, so a hub can be restarted on the
// address its agents know.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// storedTimes reads, from a stopped hub's database, the head-row times of every load host
// by agent index ("load-i" is index i).
func storedTimes(t *testing.T, data string) map[int]map[int64]bool {
	t.Helper()
	db, err := sql.Open("sqlite", hub.DSN(data))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The test's snapshots are minutes old at most, so Maintain has not compacted any of them
	// into blocks yet: the head holds them all. Check that assumption instead of trusting it.
	var blocks int
	if err := db.QueryRow(`SELECT COUNT(*) FROM series_blocks`).Scan(&blocks); err != nil || blocks != 0 {
		t.Fatalf("got %d blocks (%v), want 0: the check below reads only the head", blocks, err)
	}
	rows, err := db.Query(`SELECT h.name, s.ts FROM series_head s JOIN hosts h ON h.id = s.host_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]map[int64]bool{}
	for rows.Next() {
		var name string
		var ts int64
		if err := rows.Scan(&name, &ts); err != nil {
			t.Fatal(err)
		}
		i, err := strconv.Atoi(strings.TrimPrefix(name, "load-"))
		if err != nil {
			continue
		}
		if out[i] == nil {
			out[i] = map[int64]bool{}
		}
		out[i][ts] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// integrityCheck runs SQLite's PRAGMA integrity_check on a stopped hub's database.
func integrityCheck(t *testing.T, data string) {
	t.Helper()
	db, err := sql.Open("sqlite", hub.DSN(data))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity_check: got %q (%v), want ok", res, err)
	}
}

// TestKillHubUnderLoad sends 200 agents' snapshots every second, kills the hub with SIGKILL in
// the middle, restarts it on the same address and data, lets the agents reconnect and go on,
// and then checks that every snapshot the hub ever acknowledged, before the kill and after the
// restart, is stored exactly at its time: an ack promises durability. VIGIL_CRASH_AGENTS and
// VIGIL_CRASH_DURATION make it bigger.
func TestKillHubUnderLoad(t *testing.T) {
	n := envInt(t, "VIGIL_CRASH_AGENTS", 200)
	window := envDuration(t, "VIGIL_CRASH_DURATION", 16*time.Second)
	data := t.TempDir()
	tokens := prepareHosts(t, data, n)
	addr := freeAddr(t)
	h := startHubProc(t, data, addr)
	cfg := loadConfig(h.url, 0, n, time.Second, 2*time.Second, window)
	cfg.recordAcks = true

	type ended struct {
		res result
		err error
	}
	done := make(chan ended, 1)
	go func() {
		res, err := run(context.Background(), cfg, tokens)
		done <- ended{res, err}
	}()
	// Kill in the middle of the window, while commits and acks are in flight.
	time.Sleep(cfg.ramp + cfg.interval + window/3)
	h.kill9()
	killedAt := time.Now()
	time.Sleep(2 * time.Second)
	h = startHubProc(t, data, addr)
	t.Logf("hub killed at %s and restarted after %s", killedAt.Format(time.TimeOnly), time.Since(killedAt).Round(time.Millisecond))
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	h.stop()

	stored := storedTimes(t, data)
	acked, missing := 0, 0
	for i, times := range r.res.ackedTimes {
		for _, ts := range times {
			acked++
			if !stored[i][ts] {
				missing++
				if missing <= 5 {
					t.Errorf("agent load-%d: snapshot at %d was acknowledged but is not stored", i, ts)
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged snapshots missing after kill -9 and restart", missing, acked)
	}
	// The test only means something if acks flowed on both sides of the kill.
	before, after := 0, 0
	for _, times := range r.res.ackedTimes {
		for _, ts := range times {
			if ts < killedAt.UnixMilli() {
				before++
			} else {
				after++
			}
		}
	}
	if before < n || after < n {
		t.Errorf("got %d acknowledged snapshots before the kill and %d after, want ≥ %d each", before, after, n)
	}
	integrityCheck(t, data)
	t.Logf("%d acknowledged snapshots (%d before the kill, %d after the restart), all stored; %d agent reconnects", acked, before, after, r.res.disconnects)
}
