package check

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestVerdict(t *testing.T) {
	U, D, X := LocUp, LocDown, LocUnknown
	for _, tc := range []struct {
		name      string
		states    []LocState
		quorum    int
		up, known bool
	}{
		{"hub alone up", []LocState{U}, 1, true, true},
		{"hub alone down", []LocState{D}, 1, false, true},
		{"hub alone unknown", []LocState{X}, 1, false, false},
		{"one of three down", []LocState{U, D, U}, 2, true, true},
		{"two of three down", []LocState{D, D, U}, 2, false, true},
		{"offline locations are not down", []LocState{D, X, X}, 2, false, false},
		{"offline plus an up one", []LocState{D, X, U}, 2, true, true},
		{"quorum one: any down", []LocState{U, U, D}, 1, false, true},
		{"all unknown", []LocState{X, X, X}, 2, false, false},
		{"all down", []LocState{D, D, D}, 3, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up, known := Verdict(tc.states, tc.quorum)
			if up != tc.up || known != tc.known {
				t.Errorf("got up=%v known=%v, want up=%v known=%v", up, known, tc.up, tc.known)
			}
		})
	}
}

func TestLocationsSpec(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   Spec
		where  []int64
		quorum int
		field  string
	}{
		{"absent: the hub", Spec{}, []int64{Hub}, 1, ""},
		{"hub and two agents: majority 2", Spec{Locations: &Locations{Hub: true, Hosts: []int64{9, 4}}}, []int64{Hub, 4, 9}, 2, ""},
		{"four agents: majority 3", Spec{Locations: &Locations{Hosts: []int64{1, 2, 3, 4}}}, []int64{1, 2, 3, 4}, 3, ""},
		{"explicit quorum", Spec{Locations: &Locations{Hub: true, Hosts: []int64{4}}, Quorum: 1}, []int64{Hub, 4}, 1, ""},
		{"hub only, normalised away", Spec{Locations: &Locations{Hub: true}}, []int64{Hub}, 1, ""},
		{"none", Spec{Locations: &Locations{}}, nil, 1, "locations"},
		{"bad id", Spec{Locations: &Locations{Hosts: []int64{0}}}, nil, 1, "locations"},
		{"quorum too high", Spec{Locations: &Locations{Hosts: []int64{1, 2}}, Quorum: 3}, nil, 1, "quorum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.spec
			s.Name, s.Type, s.Host, s.Port, s.IntervalS = "x", TypeTCP, "example.com", 80, 60
			s.Normalize()
			err := s.Validate()
			if tc.field != "" {
				fe, ok := err.(*FieldError)
				if !ok || fe.Field != tc.field {
					t.Fatalf("got %v, want an error on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Where(); len(got) != len(tc.where) || (len(got) > 0 && got[len(got)-1] != tc.where[len(tc.where)-1]) || got[0] != tc.where[0] {
				t.Errorf("Where: got %v, want %v", got, tc.where)
			}
			if q := s.EffectiveQuorum(); q != tc.quorum {
				t.Errorf("quorum: got %d, want %d", q, tc.quorum)
			}
		})
	}
}

// TestSchedulerQuorum drives a check on three locations (the hub, agents 4 and 9, quorum 2)
// with reported results: one failing location leaves it up, two take it down, an agent going
// offline withdraws its down vote, and the hub never probes a check that is not on it.
func TestSchedulerQuorum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newRecorder()
		script := &scripted{statuses: []Status{Up}}
		s := NewScheduler(SchedulerConfig{Sink: rec, Observer: rec, NewProber: func(int64, Spec) (Prober, error) { return script, nil }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		spec := Spec{Name: "site", Type: TypeTCP, Host: "h", Port: 1, IntervalS: 60, TimeoutMs: 5000,
			Locations: &Locations{Hub: true, Hosts: []int64{4, 9}}}
		if err := s.Set(Check{ID: 5, OrgID: 3, Spec: spec}, true); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the hub's probe: up
		report := func(loc int64, st Status) {
			t.Helper()
			if !s.Report(ctx, 5, loc, Result{Time: time.Now(), Status: st, Message: "agent says " + st.String()}) {
				t.Fatalf("report from %d not taken", loc)
			}
		}
		state := func() string {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			return rec.observed[len(rec.observed)-1]
		}
		report(4, Down)
		if got := state(); !strings.Contains(got, "up=true") || !strings.Contains(got, "host:4: agent says down") {
			t.Errorf("one location down: got %q, want up naming host:4", got)
		}
		if st := s.Locations(5); st[1].State != LocDown || st[0].State != LocUp || st[2].State != LocUnknown {
			t.Errorf("locations: got %+v, want up, down, unknown", st)
		}
		report(9, Down)
		if got := state(); !strings.Contains(got, "up=false") || !strings.Contains(got, "down from 2 of 3 locations (quorum 2)") {
			t.Errorf("two locations down: got %q, want down by quorum", got)
		}
		s.Offline(ctx, 9)
		if got := state(); !strings.Contains(got, "up=true") {
			t.Errorf("after agent 9 went offline: got %q, want up (its vote is unknown, not down)", got)
		}
		if s.Report(ctx, 5, 77, Result{Time: time.Now(), Status: Down}) {
			t.Error("a report from a location the check does not have was taken")
		}

		// A check on agents only: the hub never probes it, and an assignment lists it.
		remote := Spec{Name: "remote", Type: TypeTCP, Host: "h", Port: 1, IntervalS: 60, TimeoutMs: 5000, Locations: &Locations{Hosts: []int64{4}}}
		if err := s.Set(Check{ID: 6, OrgID: 3, Spec: remote}, true); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		if a := s.Assigned(4); len(a) != 2 || a[6].Locations != nil {
			t.Errorf("assigned to agent 4: got %+v, want checks 5 and 6 without locations", a)
		}
		if a := s.Assigned(9); len(a) != 1 {
			t.Errorf("assigned to agent 9: got %d checks, want 1", len(a))
		}
		cancel()
		<-done
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if n := len(rec.results[6]); n != 0 {
			t.Errorf("the hub probed a check that runs only on an agent %d times", n)
		}
		if want := []string{"5 true", "5 false", "5 true"}; len(rec.transitions) != 3 || !strings.HasPrefix(rec.transitions[1], want[1]) {
			t.Errorf("transitions: got %v, want %v", rec.transitions, want)
		}
	})
}
