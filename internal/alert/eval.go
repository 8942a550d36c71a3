package alert

import (
	"fmt"
	"time"
)

// series is the state of one alert instance (rule, host, label).
type series struct {
	key     Key
	rule    *Rule
	samples []sample // inside the rule's window, oldest first
	lvl     Severity // level of the condition at the last evaluation
	value   float64  // aggregated value at the last evaluation

	state       State
	sev         Severity  // severity while pending or firing
	since       time.Time // entered the current state
	firingSince time.Time

	changes  []time.Time // entries into firing or resolved, for flap detection
	flapping bool

	notified   Severity // severity last notified; SevNone = nothing or a resolution
	lastSent   time.Time
	escalated  bool
	ackedBy    string
	ackComment string
}

type sample struct {
	at time.Time
	v  float64
}

// add appends a sample and drops those older than the rule's window.
func (s *series) add(at time.Time, v float64) {
	s.samples = append(s.samples, sample{at, v})
	cut := 0
	w := s.rule.Window.Std()
	for cut < len(s.samples)-1 && (w <= 0 || s.rule.Aggregation == AggLast || !s.samples[cut].at.After(at.Add(-w))) {
		cut++
	}
	cut = max(cut, len(s.samples)-maxSamples)
	if cut > 0 {
		s.samples = append(s.samples[:0], s.samples[cut:]...)
	}
}

// aggregate reduces the window's samples per the rule.
func (s *series) aggregate() float64 {
	last := s.samples[len(s.samples)-1].v
	acc := last
	for _, x := range s.samples[:len(s.samples)-1] {
		switch s.rule.Aggregation {
		case AggAvg:
			acc += x.v
		case AggMax:
			acc = max(acc, x.v)
		case AggMin:
			acc = min(acc, x.v)
		}
	}
	if s.rule.Aggregation == AggAvg {
		return acc / float64(len(s.samples))
	}
	if s.rule.Aggregation == AggLast || s.rule.Aggregation == "" {
		return last
	}
	return acc
}

// level computes the condition's severity after a new sample, with hysteresis: once firing
// at a severity, the value must cross that threshold shifted by the recovery gap before the
// severity drops.
func (s *series) level(h *hostState, _ time.Time) Severity {
	r := s.rule
	s.value = s.aggregate()
	if r.Kind != KindMetric {
		if s.value < 0.5 {
			s.lvl = r.severity()
		} else {
			s.lvl = SevNone
		}
		return s.lvl
	}
	cmp, v := r.Comparison, s.value
	raw := SevNone
	for _, sev := range []Severity{SevCritical, SevWarning} {
		if t, ok := r.threshold(sev, h.Cores); ok && cmp.holds(v, t) {
			raw = sev
			break
		}
	}
	cur := SevNone
	if s.state == StateFiring {
		cur = s.sev
	}
	s.lvl = raw
	if raw.rank() < cur.rank() {
		gap := r.gap(h.Cores)
		if !cmp.upward() {
			gap = -gap
		}
		for _, sev := range []Severity{SevCritical, SevWarning} {
			if sev.rank() > cur.rank() || sev.rank() <= raw.rank() {
				continue
			}
			if t, ok := r.threshold(sev, h.Cores); ok && cmp.holds(v, t-gap) {
				s.lvl = sev
				break
			}
		}
	}
	return s.lvl
}

// evaluate runs the state machine one step with the condition at level lvl.
func (e *Engine) evaluate(s *series, h *hostState, lvl Severity, now time.Time, out *output) {
	s.lvl = lvl
	move := func(to State, sev Severity, reason string) {
		out.ts = append(out.ts, Transition{Key: s.key, RuleName: s.rule.Name, From: s.state, To: to,
			Severity: sev, Value: s.value, At: now, Reason: reason})
		s.state, s.sev, s.since = to, sev, now
		if to == StateFiring || to == StateResolved {
			s.changes = append(s.changes, now)
			e.checkFlapping(s, now, out)
		}
	}
	switch s.state {
	case StateOK, StateResolved:
		if lvl == SevNone {
			if s.state == StateResolved {
				move(StateOK, SevNone, "condition still clear")
			}
			return
		}
		move(StatePending, lvl, fmt.Sprintf("condition met (value %g)", s.value))
		fallthrough
	case StatePending:
		if lvl == SevNone {
			move(StateOK, SevNone, "condition cleared before it held for "+s.rule.For.Std().String())
			return
		}
		s.sev = lvl
		if now.Sub(s.since) >= s.rule.For.Std() {
			move(StateFiring, lvl, "condition held for "+s.rule.For.Std().String())
			s.firingSince, s.escalated, s.ackedBy, s.ackComment = now, false, "", ""
		}
	case StateFiring:
		switch {
		case lvl == SevNone:
			move(StateResolved, SevNone, fmt.Sprintf("recovered (value %g)", s.value))
		case lvl.rank() > s.sev.rank():
			move(StateFiring, lvl, "escalated to "+string(lvl))
		case lvl.rank() < s.sev.rank():
			move(StateFiring, lvl, "de-escalated to "+string(lvl))
		}
	}
	e.reconcile(s, h, now, out)
}

// flapCount drops changes older than the flap window and returns how many remain.
func (e *Engine) flapCount(s *series, now time.Time) int {
	cut := 0
	for cut < len(s.changes) && !s.changes[cut].After(now.Add(-e.cfg.FlapWindow)) {
		cut++
	}
	s.changes = append(s.changes[:0], s.changes[cut:]...)
	return len(s.changes)
}

func (e *Engine) checkFlapping(s *series, now time.Time, out *output) {
	if n := e.flapCount(s, now); !s.flapping && n > e.cfg.FlapLimit {
		s.flapping = true
		out.ts = append(out.ts, Transition{Key: s.key, RuleName: s.rule.Name, From: s.state, To: s.state,
			Severity: s.sev, Value: s.value, At: now,
			Reason: fmt.Sprintf("flapping: %d changes in %s, notifications held", n, e.cfg.FlapWindow)})
	}
}

// settle ends flapping once changes in the window fall to half the limit.
func (e *Engine) settle(s *series, now time.Time, out *output) {
	if s.flapping && e.flapCount(s, now) <= e.cfg.FlapLimit/2 {
		s.flapping = false
		out.ts = append(out.ts, Transition{Key: s.key, RuleName: s.rule.Name, From: s.state, To: s.state,
			Severity: s.sev, Value: s.value, At: now, Reason: "flapping stopped, notifications resumed"})
	}
}
