package series

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashEnv selects the child mode of TestCrashSafety: the value is the database path.
const crashEnv = "VIGIL_SERIES_CRASH_CHILD"

// TestCrashSafety re-executes the test binary as a child that appends from several goroutines
// (and compacts meanwhile) and prints every acknowledged snapshot; the parent SIGKILLs it
// mid-ingest, reopens the database and requires every acknowledged snapshot and a clean
// integrity check.
func TestCrashSafety(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[int64][]int64{}
	sc := bufio.NewScanner(out)
	n := 0
	for sc.Scan() {
		var host, ts int64
		if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &host, &ts); err != nil {
			continue
		}
		acked[host] = append(acked[host], ts)
		if n++; n == 3000 {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	cmd.Wait()
	if n < 3000 {
		t.Fatalf("child acknowledged only %d snapshots before exiting", n)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("got integrity_check %q (err %v), want ok", check, err)
	}
	s, err := Open(context.Background(), db, "sqlite", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for host, times := range acked {
		want := map[uint32]bool{0: true, 1: true}
		var got points
		if err := s.scanRaw(context.Background(), host, 0, 1<<62, func(id uint32) bool { return want[id] }, &got); err != nil {
			t.Fatal(err)
		}
		have := map[int64]int{}
		for _, p := range got {
			have[p.t]++
		}
		for _, ts := range times {
			if have[ts] != 2 {
				t.Errorf("host %d: acknowledged snapshot %d has %d of 2 values after kill -9", host, ts, have[ts])
			}
		}
	}
	t.Logf("%d acknowledged snapshots of %d hosts verified", n, len(acked))
}

func crashChild(path string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	s, err := Open(ctx, db, "sqlite", Options{})
	if err != nil {
		panic(err)
	}
	var outMu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for host := int64(1); host <= 8; host++ {
		ids, err := s.SeriesIDs(ctx, host, []Key{{"a", ""}, {"b", "x"}})
		if err != nil {
			panic(err)
		}
		wg.Go(func() {
			for i := int64(0); ; i++ {
				ts := t0 + i*60_000 // an hour per minute of snapshots: windows close quickly
				snap := Snapshot{TimeMs: ts, Samples: []Sample{{ids[0], float64(i)}, {ids[1], float64(i) / 3}}}
				if err := s.Append(ctx, host, []Snapshot{snap}); err != nil {
					panic(err)
				}
				outMu.Lock()
				w.WriteString("ack " + strconv.FormatInt(host, 10) + " " + strconv.FormatInt(ts, 10) + "\n")
				w.Flush()
				outMu.Unlock()
			}
		})
	}
	go func() {
		for i := int64(1); ; i++ {
			if err := s.Maintain(ctx, time.UnixMilli(t0+i*3*hour)); err != nil && !strings.Contains(err.Error(), "closed") {
				panic(err)
			}
			time.Sleep(20 * time.Millisecond) // real time only paces the child; nothing is asserted on it
		}
	}()
	wg.Wait()
}
