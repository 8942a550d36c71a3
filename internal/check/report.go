package check

import (
	"context"
	"slices"
	"time"
)

// locEntry is one location's view of a check: its newest result and its state after the
// check's retries, judged exactly as a hub-only check always was.
type locEntry struct {
	up      *bool // nil: not established yet
	fails   int   // probes failed in a row
	last    *Result
	at      time.Time // when last arrived, by the scheduler's clock
	offline bool      // the agent disconnected (or stopped accepting probes) since
}

// setLocations keeps the views of locations the check still has (their retry count restarts,
// as for a changed spec) and starts empty views for new ones.
func (e *entry) setLocations(where []int64) {
	old := e.locs
	e.locs = make(map[int64]*locEntry, len(where))
	for _, loc := range where {
		l := old[loc]
		if l == nil {
			l = &locEntry{}
		}
		l.fails = 0
		e.locs[loc] = l
	}
}

// staleAfter is how old a remote location's result may be before the location counts as
// unknown: two missed intervals plus the timeout and some slack for the network. An agent
// that stopped reporting must not hold a check down (or up) forever.
func staleAfter(s Spec) time.Duration {
	return 2*sec(s.IntervalS) + ms(s.TimeoutMs) + 15*time.Second
}

// state is the location's vote in the quorum.
func (l *locEntry) state(loc int64, s Spec, now time.Time) LocState {
	switch {
	case l.up == nil, l.offline:
		return LocUnknown
	case loc != Hub && now.Sub(l.at) > staleAfter(s):
		return LocUnknown
	case *l.up:
		return LocUp
	}
	return LocDown
}

// reason says why a location is unknown, or repeats its newest result's message.
func (l *locEntry) reason(loc int64, s Spec, now time.Time) string {
	switch {
	case l.offline:
		return "agent offline or not accepting probes"
	case l.last == nil && loc != Hub:
		return "no result from this agent yet (is it running with --probes?)"
	case l.last == nil:
		return "no result yet"
	case loc != Hub && now.Sub(l.at) > staleAfter(s):
		return "no result from this agent for " + now.Sub(l.at).Round(time.Second).String()
	}
	return l.last.Message
}

// Report hands the scheduler a probe result from a remote location (an agent); results of
// checks or locations the scheduler does not know are ignored (a check edited meanwhile).
// It returns whether the result was taken.
func (s *Scheduler) Report(ctx context.Context, checkID, loc int64, r Result) bool {
	s.mu.Lock()
	e := s.entries[checkID]
	ok := e != nil && loc != Hub && e.locs[loc] != nil && !e.check.Spec.Paused
	s.mu.Unlock()
	if ok {
		s.report(ctx, e, checkID, loc, r)
	}
	return ok
}

// Offline marks an agent's locations unknown (it disconnected, or does not accept probes) and
// re-judges the checks it votes in: its down vote no longer counts.
func (s *Scheduler) Offline(ctx context.Context, hostID int64) {
	s.mu.Lock()
	var affected []*entry
	for _, e := range s.entries {
		if l := e.locs[hostID]; l != nil && !l.offline {
			l.offline = true
			affected = append(affected, e)
		}
	}
	s.mu.Unlock()
	for _, e := range affected {
		s.rejudge(ctx, e)
	}
}

// report applies one location's result: that location's retries, then the quorum over every
// location; it stores the result, and a transition of the check, and tells the observer.
func (s *Scheduler) report(ctx context.Context, e *entry, id, loc int64, r Result) {
	s.mu.Lock()
	l := e.locs[loc]
	if s.entries[id] != e || l == nil { // removed, or the location was dropped meanwhile
		s.mu.Unlock()
		return
	}
	c := e.check
	l.last, l.at, l.offline = &r, time.Now(), false
	e.last = &r
	if r.Status.IsUp() {
		l.fails = 0
		l.up = ptr(true)
	} else {
		l.fails++
		if l.fails > c.Spec.Retries {
			l.up = ptr(false)
		}
	}
	changed, state, msg := s.judge(e, r.Message)
	c = e.check
	s.mu.Unlock()

	if err := s.cfg.Sink.Record(ctx, c, loc, r, state); err != nil {
		s.log.Error("could not store a check result", "check_id", id, "location", LocationName(loc), "err", err)
	}
	s.settled(ctx, c, changed, state, r, msg)
}

// rejudge applies the quorum again without a new result (a location went offline).
func (s *Scheduler) rejudge(ctx context.Context, e *entry) {
	s.mu.Lock()
	if s.entries[e.check.ID] != e {
		s.mu.Unlock()
		return
	}
	changed, state, msg := s.judge(e, "")
	c := e.check
	s.mu.Unlock()
	if changed != nil {
		s.settled(ctx, c, changed, state, Result{Time: time.Now(), Status: Down}, msg)
	}
}

// judge computes the check's state by quorum (under s.mu). changed is the new state when it
// differs from the recorded one; state is the state now (nil: never established). A check
// with only the hub keeps the probe's own message, as before remote probes existed.
func (s *Scheduler) judge(e *entry, probeMsg string) (changed, state *bool, msg string) {
	spec := e.check.Spec
	where := spec.Where()
	now := time.Now()
	states := make([]LocState, len(where))
	msgs := make([]string, len(where))
	for i, loc := range where {
		l := e.locs[loc]
		states[i] = l.state(loc, spec, now)
		msgs[i] = l.reason(loc, spec, now)
	}
	up, known := Verdict(states, spec.EffectiveQuorum())
	msg = probeMsg
	if len(where) > 1 || where[0] != Hub {
		msg = verdictMessage(up, spec.EffectiveQuorum(), where, states, msgs)
	}
	if known && (e.check.Up == nil || *e.check.Up != up) {
		e.check.Up = ptr(up)
		changed = ptr(up)
	}
	if e.check.Up != nil {
		state = ptr(*e.check.Up)
	}
	return changed, state, msg
}

// settled stores a transition and tells the observer the state.
func (s *Scheduler) settled(ctx context.Context, c Check, changed, state *bool, r Result, msg string) {
	r.Message = msg
	if changed != nil {
		s.transition(ctx, c, *changed, r)
	}
	if state != nil && s.cfg.Observer != nil {
		s.cfg.Observer.ObserveCheck(c.OrgID, c.ID, c.HostID, c.Spec.Name, *state, msg, r.Time)
	}
}

// LocationStatus is one location's latest view of a check, for the API.
type LocationStatus struct {
	Location int64
	State    LocState
	Reason   string
	Last     *Result
	Failures int
}

// Locations returns each location's view of a check, in Spec.Where order.
func (s *Scheduler) Locations(id int64) []LocationStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[id]
	if e == nil {
		return nil
	}
	spec := e.check.Spec
	now := time.Now()
	var out []LocationStatus
	for _, loc := range spec.Where() {
		l := e.locs[loc]
		st := LocationStatus{Location: loc, State: l.state(loc, spec, now), Reason: l.reason(loc, spec, now), Failures: l.fails}
		if l.last != nil {
			r := *l.last
			st.Last = &r
		}
		out = append(out, st)
	}
	return out
}

// Assigned returns, for one agent, the checks it runs (not paused), by id.
func (s *Scheduler) Assigned(hostID int64) map[int64]Spec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]Spec{}
	for id, e := range s.entries {
		if !e.check.Spec.Paused && slices.Contains(e.check.Spec.Where(), hostID) && hostID != Hub {
			out[id] = e.check.Spec.ForAgent()
		}
	}
	return out
}
