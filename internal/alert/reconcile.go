package alert

import (
	"cmp"
	"slices"
	"time"
)

// reconcile decides which notifications series s needs at now. Instead of emitting on each
// transition it compares what was last notified with the current state, so anything held
// back (flapping, silence, maintenance, a down host) is caught up exactly once, with the
// state as it is when the hold ends, and alerts that fired and cleared while held are never
// sent.
func (e *Engine) reconcile(s *series, h *hostState, now time.Time, out *output) {
	if s.flapping || e.muted(s, h, now) {
		return
	}
	r := s.rule
	want := SevNone
	if s.state == StateFiring {
		want = s.sev
	}
	send := func(ev Event, sev Severity, chans []string) {
		t, _ := r.threshold(sev, h.Cores)
		out.ns = append(out.ns, Notification{Key: s.key, RuleName: r.Name, Event: ev, Severity: sev,
			Value: s.value, Threshold: t, Since: s.firingSince, At: now, Channels: slices.Clone(chans)})
	}
	switch {
	case want != s.notified:
		switch {
		case want == SevNone:
			send(EventResolved, s.notified, r.Routing.channels(s.notified))
		case s.notified == SevNone:
			send(EventFiring, want, r.Routing.channels(want))
		case want.rank() > s.notified.rank():
			send(EventEscalated, want, r.Routing.channels(want))
		default:
			send(EventDowngraded, want, r.Routing.channels(want))
		}
		s.notified, s.lastSent = want, now
	case want != SevNone && s.ackedBy == "" && r.Repeat > 0 && now.Sub(s.lastSent) >= r.Repeat.Std():
		send(EventRepeat, want, r.Routing.channels(want))
		s.lastSent = now
	}
	if want != SevNone && s.ackedBy == "" && !s.escalated && r.Routing.EscalateTo != "" &&
		now.Sub(s.firingSince) >= r.Routing.EscalateAfter.Std() {
		send(EventEscalation, want, []string{r.Routing.EscalateTo})
		s.escalated = true
	}
}

// muted reports whether notifications for s are held at now: by a silence or maintenance
// window, or, for services and checks, because their host is down or late (dependency).
// A host counts as late once no data arrived for 1.5 intervals: the checker usually sees a
// dead host before the host-down rule can, and holding dependents until the host is known
// alive or down is what keeps a storm of check alerts out of a host outage.
func (e *Engine) muted(s *series, h *hostState, now time.Time) bool {
	if k := s.rule.Kind; (k == KindServiceDown || k == KindCheck) && !h.lastSeen.IsZero() {
		if h.down || now.Sub(h.lastSeen) > h.Interval*3/2 {
			return true
		}
	}
	if len(e.windows) == 0 {
		return false
	}
	if m := now.Truncate(time.Minute); !m.Equal(e.winMinute) {
		e.winMinute = m
		e.winActive = e.winActive[:0]
		for i := range e.windows {
			e.winActive = append(e.winActive, e.windows[i].Cron != "" && e.windows[i].active(m))
		}
	}
	for i := range e.windows {
		w := &e.windows[i]
		if !w.covers(s.key.RuleID, h.Host) {
			continue
		}
		if w.Cron == "" && w.active(now) || w.Cron != "" && e.winActive[i] {
			return true
		}
	}
	return false
}

// Status is the current state of one alert instance, for the alerts page, the overview and
// the host page.
type Status struct {
	Key         Key       `json:"key"`
	RuleName    string    `json:"rule_name"`
	State       State     `json:"state"`
	Severity    Severity  `json:"severity,omitempty"`
	Value       float64   `json:"value"`
	Since       time.Time `json:"since"`
	Flapping    bool      `json:"flapping,omitempty"`
	Muted       bool      `json:"muted,omitempty"`
	AckedBy     string    `json:"acked_by,omitempty"`
	AckComment  string    `json:"ack_comment,omitempty"`
	FiringSince time.Time `json:"firing_since,omitzero"`
}

// Active returns every alert instance that is not ok (pending, firing, resolved), sorted by
// rule, host and label; now decides whether each is muted.
func (e *Engine) Active(now time.Time) []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Status
	for _, s := range e.series {
		if s.state == StateOK {
			continue
		}
		out = append(out, Status{Key: s.key, RuleName: s.rule.Name, State: s.state, Severity: s.sev,
			Value: s.value, Since: s.since, Flapping: s.flapping, Muted: e.muted(s, e.host(s.key.HostID), now),
			AckedBy: s.ackedBy, AckComment: s.ackComment, FiringSince: s.firingSince})
	}
	slices.SortFunc(out, func(a, b Status) int { return compareKeys(a.Key, b.Key) })
	return out
}

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.HostID, b.HostID), cmp.Compare(a.Label, b.Label))
}
