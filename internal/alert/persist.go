package alert

import (
	"fmt"
	"slices"
	"time"
)

// Saved is the durable part of one alert instance: enough for a restarted hub to carry on
// where it stopped, so an alert that was firing and notified before the restart is not
// notified again, an acknowledgement survives, and repeats and escalation keep their clocks.
// Samples are not saved: a metric window refills within one window of the restart, and until
// it has, the instance keeps its state rather than resolving.
type Saved struct {
	Key         Key       `json:"key"`
	State       State     `json:"state"`
	Severity    Severity  `json:"severity,omitempty"`
	Value       float64   `json:"value"`
	Since       time.Time `json:"since"`
	FiringSince time.Time `json:"firing_since,omitzero"`
	Notified    Severity  `json:"notified,omitempty"`
	LastSent    time.Time `json:"last_sent,omitzero"`
	Escalated   bool      `json:"escalated,omitempty"`
	AckedBy     string    `json:"acked_by,omitempty"`
	AckComment  string    `json:"ack_comment,omitempty"`
}

// Save returns every instance that is not plainly ok (or that still owes a resolution), in
// key order. The hub stores it periodically and at shutdown.
func (e *Engine) Save() []Saved {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Saved
	for _, s := range e.series {
		if s.state == StateOK && s.notified == SevNone {
			continue
		}
		out = append(out, Saved{Key: s.key, State: s.state, Severity: s.sev, Value: s.value, Since: s.since,
			FiringSince: s.firingSince, Notified: s.notified, LastSent: s.lastSent, Escalated: s.escalated,
			AckedBy: s.ackedBy, AckComment: s.ackComment})
	}
	slices.SortFunc(out, func(a, b Saved) int { return compareKeys(a.Key, b.Key) })
	return out
}

// Restore loads saved instances after SetRules. Instances of rules that no longer exist (or
// are disabled) are skipped and counted in the returned number; the hub logs it.
func (e *Engine) Restore(saved []Saved) (skipped int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	byID := map[string]*Rule{}
	for _, r := range e.rules {
		byID[r.ID] = r
	}
	for _, sv := range saved {
		r := byID[sv.Key.RuleID]
		if r == nil {
			skipped++
			continue
		}
		s := e.get(sv.Key, r)
		s.state, s.sev, s.value, s.since, s.firingSince = sv.State, sv.Severity, sv.Value, sv.Since, sv.FiringSince
		s.notified, s.lastSent, s.escalated, s.ackedBy, s.ackComment = sv.Notified, sv.LastSent, sv.Escalated, sv.AckedBy, sv.AckComment
		s.lvl = sv.Severity
		if sv.State != StateFiring && sv.State != StatePending {
			s.lvl = SevNone
		}
		if r.Kind == KindHostDown && sv.State == StateFiring {
			e.host(sv.Key.HostID).down = true
		}
	}
	return skipped
}

// SetLastSeen tells the engine when a host was last heard of before this engine existed
// (from the metadata store at hub start), so a host that never comes back after a restart
// still goes down after its missed intervals. A later time already known wins.
func (e *Engine) SetLastSeen(hostID string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if h := e.host(hostID); at.After(h.lastSeen) {
		h.lastSeen = at
	}
}

// Unack withdraws an acknowledgement: repeats and escalation resume. The Transition records
// who did it for the history.
func (e *Engine) Unack(k Key, actor, comment string, at time.Time) (Transition, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.series[k]
	if s == nil || s.state != StateFiring {
		return Transition{}, fmt.Errorf("withdraw acknowledgement of %+v: %w", k, ErrNotFiring)
	}
	if s.ackedBy == "" {
		return Transition{}, fmt.Errorf("withdraw acknowledgement of %+v: %w", k, ErrNotAcked)
	}
	s.ackedBy, s.ackComment = "", ""
	return Transition{Key: k, RuleName: s.rule.Name, From: StateFiring, To: StateFiring, Severity: s.sev,
		Value: s.value, At: at, Reason: "acknowledgement withdrawn", Actor: actor, Comment: comment}, nil
}
