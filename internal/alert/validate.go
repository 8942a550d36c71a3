package alert

import (
	"errors"
	"fmt"
	"path"
)

// FieldError is one validation problem, named by the field's YAML/JSON name so the API can
// point at the input the user got wrong. Its text is "field: message".
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, a...)}
}

// Fields returns the field names of every FieldError in err (which may be an errors.Join of
// several), for callers that render errors per input.
func Fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		var fe *FieldError
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		} else if errors.As(e, &fe) {
			out = append(out, fe.Field)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// Validate checks a rule. knownMetric says whether a metric name exists in the agent's
// catalogue (the hub passes one built from collect.Catalog); it may be nil to skip that
// check. All problems are returned, joined, each as a *FieldError.
func (r Rule) Validate(knownMetric func(name string) bool) error {
	var errs []error
	bad := func(field, format string, a ...any) { errs = append(errs, fieldErr(field, format, a...)) }
	if r.ID == "" {
		bad("id", "must not be empty")
	}
	if r.Name == "" {
		bad("name", "must not be empty")
	}
	for _, d := range []struct {
		field string
		v     Duration
	}{{"window", r.Window}, {"for", r.For}, {"repeat", r.Repeat}, {"routing.escalate_after", r.Routing.EscalateAfter}} {
		if d.v < 0 {
			bad(d.field, "must not be negative, got %s", d.v.Std())
		}
	}
	if r.Scope.Label != "" {
		if _, err := path.Match(r.Scope.Label, ""); err != nil {
			bad("scope.label", "bad pattern %q: %v", r.Scope.Label, err)
		}
	}
	if r.Routing.EscalateAfter > 0 && r.Routing.EscalateTo == "" {
		bad("routing.escalate_to", "must name a channel when escalate_after is set")
	}
	switch r.Kind {
	case KindMetric:
		errs = append(errs, r.validateMetric(knownMetric)...)
	case KindHostDown:
		if r.MissedIntervals < 1 {
			bad("missed_intervals", "must be at least 1, got %d", r.MissedIntervals)
		}
	case KindServiceDown, KindCheck:
	default:
		bad("kind", "unknown kind %q (want metric, host_down, service_down or check)", r.Kind)
	}
	if r.Kind != KindMetric {
		switch r.Severity {
		case SevNone, SevWarning, SevCritical:
		default:
			bad("severity", "unknown severity %q (want warning or critical)", r.Severity)
		}
	}
	return errors.Join(errs...)
}

func (r Rule) validateMetric(knownMetric func(string) bool) []error {
	var errs []error
	bad := func(field, format string, a ...any) { errs = append(errs, fieldErr(field, format, a...)) }
	switch {
	case r.Metric == "":
		bad("metric", "must not be empty")
	case knownMetric != nil && !knownMetric(r.Metric):
		bad("metric", "unknown metric %q", r.Metric)
	}
	switch r.Aggregation {
	case AggAvg, AggMax, AggMin, AggLast:
	default:
		bad("aggregation", "unknown aggregation %q (want avg, max, min or last)", r.Aggregation)
	}
	if r.Aggregation != AggLast && r.Aggregation != "" && r.Window == 0 {
		bad("window", "must be positive for aggregation %q", r.Aggregation)
	}
	switch r.Comparison {
	case GT, GE, LT, LE:
	default:
		bad("comparison", "unknown comparison %q (want >, >=, < or <=)", r.Comparison)
		return errs
	}
	if r.Warning == nil && r.Critical == nil {
		bad("warning", "at least one of warning and critical must be set")
		return errs
	}
	if r.Warning != nil && r.Critical != nil {
		w, c := *r.Warning, *r.Critical
		if r.Comparison.upward() && w > c {
			bad("warning", "must not be above critical for %q (warning %g, critical %g)", r.Comparison, w, c)
		}
		if !r.Comparison.upward() && w < c {
			bad("warning", "must not be below critical for %q (warning %g, critical %g)", r.Comparison, w, c)
		}
	}
	if r.Recovery != nil {
		base := r.Warning
		if base == nil {
			base = r.Critical
		}
		if r.Comparison.upward() && *r.Recovery > *base {
			bad("recovery", "must not be above the threshold %g for %q", *base, r.Comparison)
		}
		if !r.Comparison.upward() && *r.Recovery < *base {
			bad("recovery", "must not be below the threshold %g for %q", *base, r.Comparison)
		}
	}
	return errs
}
