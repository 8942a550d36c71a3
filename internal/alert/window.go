package alert

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// maxWindowDuration bounds a recurring window, which also bounds the work of Active (one
// cron match per minute of the duration).
const maxWindowDuration = 7 * 24 * time.Hour

// Window mutes notifications: a silence or a maintenance window. One-off windows have Start
// and End; recurring ones have a Cron start expression, a Duration and a TimeZone, so
// "every Sunday 02:00 for 2 h in Europe/Berlin" stays at 02:00 local time across DST.
// Transitions are still recorded while muted; notifications that would have been sent are
// reconciled when the window ends (a still-firing alert is then notified once).
type Window struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Comment string `yaml:"comment,omitempty" json:"comment,omitempty"`
	// CreatedBy records who set the silence, for the history.
	CreatedBy string `yaml:"created_by,omitempty" json:"created_by,omitempty"`

	// Hosts, Tags and Rules scope the window; each non-empty list must match (a host in
	// Hosts, a host carrying one of Tags, a rule ID in Rules). All empty = everything.
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	Tags  []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Rules []string `yaml:"rules,omitempty" json:"rules,omitempty"`

	// One-off window.
	Start time.Time `yaml:"start,omitempty" json:"start,omitzero"`
	End   time.Time `yaml:"end,omitempty" json:"end,omitzero"`

	// Recurring window.
	Cron     string   `yaml:"cron,omitempty" json:"cron,omitempty"`
	Duration Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
	TimeZone string   `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
}

// Validate checks the window; errors are "field: message" joined.
func (w Window) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) { errs = append(errs, fieldErr(field, format, a...)) }
	if w.Name == "" {
		bad("name", "must not be empty")
	}
	recurring := w.Cron != ""
	switch {
	case recurring && (!w.Start.IsZero() || !w.End.IsZero()):
		bad("cron", "a window is either one-off (start, end) or recurring (cron), not both")
	case recurring:
		if _, err := parseCron(w.Cron); err != nil {
			bad("cron", "%v", err)
		}
		if w.Duration <= 0 || w.Duration.Std() > maxWindowDuration {
			bad("duration", "must be between 1m and %s, got %s", maxWindowDuration, w.Duration.Std())
		}
		if _, err := time.LoadLocation(w.TimeZone); err != nil {
			bad("time_zone", "unknown time zone %q", w.TimeZone)
		}
	default:
		if w.Start.IsZero() || w.End.IsZero() {
			bad("start", "a one-off window needs start and end (or give cron for a recurring one)")
		} else if !w.End.After(w.Start) {
			bad("end", "must be after start")
		}
	}
	return errors.Join(errs...)
}

// compiled is a validated Window ready for fast Active checks.
type compiled struct {
	Window
	spec cronSpec
	loc  *time.Location
}

func compileWindow(w Window) (compiled, error) {
	if err := w.Validate(); err != nil {
		return compiled{}, fmt.Errorf("window %q: %w", w.ID, err)
	}
	c := compiled{Window: w}
	if w.Cron != "" {
		c.spec, _ = parseCron(w.Cron)
		c.loc, _ = time.LoadLocation(w.TimeZone)
	}
	return c, nil
}

// active reports whether the window covers instant t. A recurring window is active when one
// of its start times lies in (t-Duration, t]; start times are matched on the local wall
// clock of each real minute, so a start inside a spring-forward gap does not happen that
// day and one inside a fall-back hour happens at its first occurrence only.
func (c *compiled) active(t time.Time) bool {
	if c.Cron == "" {
		return !t.Before(c.Start) && t.Before(c.End)
	}
	t = t.Truncate(time.Minute)
	seen := map[time.Time]bool{} // local wall-clock starts already counted (fall-back hour)
	from := t.Add(-c.Duration.Std() + time.Minute)
	for m := from.Add(-time.Hour); !m.After(t); m = m.Add(time.Minute) {
		l := m.In(c.loc)
		wall := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), 0, 0, time.UTC)
		if !c.spec.matches(l) || seen[wall] {
			continue
		}
		seen[wall] = true
		if !m.Before(from) {
			return true
		}
	}
	return false
}

// covers reports whether the window's scope includes rule r on host h.
func (c *compiled) covers(ruleID string, h Host) bool {
	if len(c.Hosts) > 0 && !slices.Contains(c.Hosts, h.ID) {
		return false
	}
	if len(c.Tags) > 0 && !slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(h.Tags, t) }) {
		return false
	}
	return len(c.Rules) == 0 || slices.Contains(c.Rules, ruleID)
}
