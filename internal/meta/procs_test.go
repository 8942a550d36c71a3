package meta

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProcData(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d.now = func() time.Time { return time.UnixMilli(1763850000000) }
			_, org, err := d.CreateOwner(ctx, "p@x.y", "hash", "Procs")
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := d.CreateHost(ctx, org.ID, "web-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.LatestProcSample(ctx, h.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("no samples yet: got %v, want ErrNotFound", err)
			}
			pg := Proc{PID: 812, StartMs: 1000, Name: "postgres", User: "postgres", Cmdline: "postgres -D /x", CPU: 30, RSS: 5 << 30, ReadBps: -1, WriteBps: -1}
			hog := Proc{PID: 1234, StartMs: 2000, Name: "cpuhog", User: "alice", Cmdline: "./cpuhog", CPU: 95, RSS: 1 << 20, ReadBps: 10, WriteBps: 0}
			for i, s := range []ProcSample{
				{TimeMs: 60000, Total: 90, Procs: []Proc{pg}},
				{TimeMs: 120000, Total: 91, Procs: []Proc{pg, hog}},
			} {
				if err := d.AddProcSample(ctx, h.ID, s); err != nil {
					t.Fatalf("sample %d: %v", i, err)
				}
			}
			// A sample stored twice (a retried write) is kept once.
			if err := d.AddProcSample(ctx, h.ID, ProcSample{TimeMs: 60000, Total: 90, Procs: []Proc{pg}}); err != nil {
				t.Fatal(err)
			}
			got, err := d.LatestProcSample(ctx, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := ProcSample{TimeMs: 120000, Total: 91, Procs: []Proc{hog, pg}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("latest sample (-want +got):\n%s", diff)
			}
			id, pts, err := d.ProcHistory(ctx, h.ID, 812, 1000, 0, 200000)
			if err != nil || id.Name != "postgres" || len(pts) != 2 || pts[1].RSS != 5<<30 || pts[0].TimeMs != 60000 {
				t.Errorf("history: got %+v %+v %v, want two points of postgres", id, pts, err)
			}
			if _, _, err := d.ProcHistory(ctx, h.ID, 812, 999, 0, 200000); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown identity: got %v, want ErrNotFound", err)
			}

			evs := []ProcEvent{
				{Kind: "start", TimeMs: 100, PID: 9, StartMs: 90, Name: "job", User: "root", Cmdline: "job --x"},
				{Kind: "exit", TimeMs: 200, PID: 9, StartMs: 90, Name: "job", User: "root", Cmdline: "job --x"},
			}
			if err := d.AddProcEvents(ctx, h.ID, evs); err != nil {
				t.Fatal(err)
			}
			if err := d.AddProcEvents(ctx, h.ID, evs[1:]); err != nil { // resent: kept once
				t.Fatal(err)
			}
			gotEv, err := d.ProcEvents(ctx, h.ID, 0, 1000, 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]ProcEvent{evs[1], evs[0]}, gotEv); diff != "" {
				t.Errorf("events, newest first (-want +got):\n%s", diff)
			}

			svc := func(state, reason string) []ServiceStatus {
				return []ServiceStatus{{Kind: "tcp", Name: "127.0.0.1:5432", State: state, Reason: reason}}
			}
			for _, step := range []struct {
				at          int64
				state       string
				wantSinceMs int64
			}{{1000, "healthy", 1000}, {2000, "healthy", 1000}, {3000, "down", 3000}} {
				if _, err := d.ReplaceServices(ctx, h.ID, step.at, svc(step.state, "r")); err != nil {
					t.Fatal(err)
				}
				got, err := d.Services(ctx, h.ID)
				if err != nil || len(got) != 1 || got[0].SinceMs != step.wantSinceMs || got[0].TimeMs != step.at || got[0].State != step.state {
					t.Errorf("at %d: got %+v %v, want %s since %d", step.at, got, err, step.state, step.wantSinceMs)
				}
			}
			if _, err := d.ReplaceServices(ctx, h.ID, 4000, nil); err != nil {
				t.Fatal(err)
			}
			if got, _ := d.Services(ctx, h.ID); len(got) != 0 {
				t.Errorf("services no longer reported: got %+v, want none", got)
			}

			c := ContainerStatus{ID: "abc", Name: "redis", Image: "redis:7", State: "running", Health: "healthy", Restarts: 2, CPU: 1.5, MemBytes: 8 << 20, MemLimit: 1 << 30, RxBps: 100, TxBps: 50}
			if err := d.ReplaceContainers(ctx, h.ID, 5000, []ContainerStatus{c}); err != nil {
				t.Fatal(err)
			}
			c.TimeMs = 5000
			if got, err := d.Containers(ctx, h.ID); err != nil || len(got) != 1 || got[0] != c {
				t.Errorf("containers: got %+v %v, want %+v", got, err, c)
			}

			n, err := d.PruneProcs(ctx, 100000, 150)
			if err != nil {
				t.Fatal(err)
			}
			// The 60 s sample (one row), no identity (both seen at 120 s), the start event.
			if n != 2 {
				t.Errorf("pruned %d rows, want 2", n)
			}
			if err := d.DeleteHost(ctx, org.ID, h.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}
