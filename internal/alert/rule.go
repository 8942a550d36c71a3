package alert

import (
	"fmt"
	"path"
	"slices"
	"time"
)

// Kind says what a rule watches. The set is closed: every kind is listed here and handled in
// Engine.
type Kind string

// The rule kinds. Service and check rules read a 1 (up) / 0 (down) value observed under the
// pseudo-metrics MetricServiceUp and MetricCheckUp, so one state machine serves all four.
const (
	KindMetric      Kind = "metric"
	KindHostDown    Kind = "host_down"
	KindServiceDown Kind = "service_down"
	KindCheck       Kind = "check"
)

// Pseudo-metric names under which the hub feeds service state and uptime-check results to
// Engine.Observe (value 1 = up, 0 = down; the label is the service or check name).
const (
	MetricServiceUp = "service.up"
	MetricCheckUp   = "check.up"
)

// Aggregation reduces the samples inside a rule's window to one value.
type Aggregation string

// The aggregations.
const (
	AggAvg  Aggregation = "avg"
	AggMax  Aggregation = "max"
	AggMin  Aggregation = "min"
	AggLast Aggregation = "last"
)

// Comparison is how a value is compared with a threshold ("value > threshold").
type Comparison string

// The comparisons.
const (
	GT Comparison = ">"
	GE Comparison = ">="
	LT Comparison = "<"
	LE Comparison = "<="
)

// holds reports whether value v meets threshold t under c.
func (c Comparison) holds(v, t float64) bool {
	switch c {
	case GT:
		return v > t
	case GE:
		return v >= t
	case LT:
		return v < t
	case LE:
		return v <= t
	}
	return false
}

// upward reports whether larger values are worse (">" and ">=").
func (c Comparison) upward() bool { return c == GT || c == GE }

// Scope selects the (host, label) pairs a rule applies to. Empty fields match everything, so
// the zero Scope means "all hosts, every label".
type Scope struct {
	// Hosts lists host IDs; empty = any host.
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	// Tags lists host tags; a host matches when it carries any of them. Empty = any host.
	Tags []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// Label is a path.Match pattern over the series label: one mount ("/"), interface
	// ("eth*"), service ("nginx.service") or check name. Empty = any label.
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// HostWide restricts the rule to the host-wide series (label ""), e.g. total CPU rather
	// than each core.
	HostWide bool `yaml:"host_wide,omitempty" json:"host_wide,omitempty"`
}

// matches reports whether the scope covers host h and label.
func (s Scope) matches(h Host, label string) bool {
	if len(s.Hosts) > 0 && !slices.Contains(s.Hosts, h.ID) {
		return false
	}
	if len(s.Tags) > 0 && !slices.ContainsFunc(s.Tags, func(t string) bool { return slices.Contains(h.Tags, t) }) {
		return false
	}
	if s.HostWide && label != "" {
		return false
	}
	if s.Label != "" {
		ok, err := path.Match(s.Label, label)
		return err == nil && ok
	}
	return true
}

// Duration is a time.Duration that reads and writes as "5m" in YAML and JSON, so exported
// rules stay readable.
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText parses "90s", "5m", "1h30m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("parse duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Routing names the notification channels (by the hub's channel ID) per severity. It is a
// hint the hub resolves to delivery channels; the engine only copies it onto Notifications.
type Routing struct {
	Warning  []string `yaml:"warning,omitempty" json:"warning,omitempty"`
	Critical []string `yaml:"critical,omitempty" json:"critical,omitempty"`
	// EscalateTo is the channel an unacknowledged firing alert is escalated to after
	// EscalateAfter; empty disables escalation.
	EscalateTo    string   `yaml:"escalate_to,omitempty" json:"escalate_to,omitempty"`
	EscalateAfter Duration `yaml:"escalate_after,omitempty" json:"escalate_after,omitempty"`
}

// channels returns the channels for severity s.
func (r Routing) channels(s Severity) []string {
	if s == SevCritical {
		return r.Critical
	}
	return r.Warning
}

// Rule is one alert rule. The same model covers host metrics, host down, service down and
// uptime checks (DESIGN §5); fields that do not apply to a kind are left zero. Rules are
// plain data with YAML and JSON tags so they can be stored, served by the API and exported
// or imported as YAML.
type Rule struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Kind    Kind   `yaml:"kind" json:"kind"`
	Enabled bool   `yaml:"enabled" json:"enabled"`

	// Metric, Aggregation, Window and Comparison describe the condition of a metric rule:
	// Aggregation over the samples of the last Window, compared with the thresholds.
	Metric      string      `yaml:"metric,omitempty" json:"metric,omitempty"`
	Aggregation Aggregation `yaml:"aggregation,omitempty" json:"aggregation,omitempty"`
	Window      Duration    `yaml:"window,omitempty" json:"window,omitempty"`
	Comparison  Comparison  `yaml:"comparison,omitempty" json:"comparison,omitempty"`
	// Warning and Critical are the thresholds; either may be nil, not both.
	Warning  *float64 `yaml:"warning,omitempty" json:"warning,omitempty"`
	Critical *float64 `yaml:"critical,omitempty" json:"critical,omitempty"`
	// PerCore multiplies the thresholds (and Recovery) by the host's CPU cores, for load.
	PerCore bool `yaml:"per_core,omitempty" json:"per_core,omitempty"`
	// Recovery is the value the lowest configured threshold must be crossed back past before
	// the alert resolves (hysteresis); nil means the threshold itself. The same gap applies
	// to de-escalation from critical to warning.
	Recovery *float64 `yaml:"recovery,omitempty" json:"recovery,omitempty"`

	// For is how long the condition must hold before the alert fires.
	For Duration `yaml:"for,omitempty" json:"for,omitempty"`
	// MissedIntervals is, for host_down rules, how many collection intervals without any data
	// make a host down.
	MissedIntervals int `yaml:"missed_intervals,omitempty" json:"missed_intervals,omitempty"`
	// Severity is the severity of host_down, service_down and check alerts, which have no
	// thresholds; empty means critical.
	Severity Severity `yaml:"severity,omitempty" json:"severity,omitempty"`

	Scope Scope `yaml:"scope,omitempty" json:"scope,omitempty"`
	// Repeat re-sends a firing, unacknowledged alert this often; 0 sends once.
	Repeat  Duration `yaml:"repeat,omitempty" json:"repeat,omitempty"`
	Routing Routing  `yaml:"routing,omitempty" json:"routing,omitempty"`
}

// thresholds returns the effective warning and critical thresholds and the recovery gap for
// host h (PerCore applied). A nil threshold is reported as ok=false.
func (r *Rule) threshold(s Severity, cores int) (float64, bool) {
	p := r.Warning
	if s == SevCritical {
		p = r.Critical
	}
	if p == nil {
		return 0, false
	}
	return r.scale(*p, cores), true
}

func (r *Rule) scale(v float64, cores int) float64 {
	if r.PerCore {
		return v * float64(max(cores, 1))
	}
	return v
}

// gap is the hysteresis distance (always >= 0) between the lowest threshold and Recovery.
func (r *Rule) gap(cores int) float64 {
	if r.Recovery == nil {
		return 0
	}
	base := r.Warning
	if base == nil {
		base = r.Critical
	}
	if base == nil {
		return 0
	}
	g := r.scale(*base, cores) - r.scale(*r.Recovery, cores)
	if !r.Comparison.upward() {
		g = -g
	}
	return max(g, 0)
}

// severity returns the configured severity of a state rule (host, service, check).
func (r *Rule) severity() Severity {
	if r.Severity == "" {
		return SevCritical
	}
	return r.Severity
}

// usesMetric reports whether the rule is evaluated from Observe'd samples of metric m.
func (r *Rule) usesMetric(m string) bool {
	switch r.Kind {
	case KindMetric:
		return r.Metric == m
	case KindServiceDown:
		return m == MetricServiceUp
	case KindCheck:
		return m == MetricCheckUp
	}
	return false
}
