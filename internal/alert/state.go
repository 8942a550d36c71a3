package alert

import "time"

// Severity of a firing alert. The empty severity means "not firing".
type Severity string

// The severities, in increasing order.
const (
	SevNone     Severity = ""
	SevWarning  Severity = "warning"
	SevCritical Severity = "critical"
)

// rank orders severities so escalation and de-escalation can be told apart.
func (s Severity) rank() int {
	switch s {
	case SevWarning:
		return 1
	case SevCritical:
		return 2
	}
	return 0
}

// State is where one series (rule, host, label) is in the alert lifecycle.
type State string

// The lifecycle states: ok → pending → firing → resolved → ok. Pending means the condition
// holds but not yet for the rule's For duration; Resolved lasts until the next evaluation.
const (
	StateOK       State = "ok"
	StatePending  State = "pending"
	StateFiring   State = "firing"
	StateResolved State = "resolved"
)

// Key identifies one alert instance: a rule applied to one host and one label (mount,
// interface, service, check; "" for host-wide metrics).
type Key struct {
	RuleID string `json:"rule_id"`
	HostID string `json:"host_id"`
	Label  string `json:"label,omitempty"`
}

// Host is what the engine needs to know about a monitored host: its tags (for scopes and
// windows), its cores (for per-core thresholds) and its collection interval (for host down).
type Host struct {
	ID       string
	Tags     []string
	Cores    int
	Interval time.Duration
}

// Transition is one entry of the alert history: a state or severity change, or a manual
// action (acknowledge), with the reason and, for manual actions, the actor. The hub stores
// every Transition it gets back from the engine.
type Transition struct {
	Key      Key       `json:"key"`
	RuleName string    `json:"rule_name"`
	From     State     `json:"from"`
	To       State     `json:"to"`
	Severity Severity  `json:"severity,omitempty"`
	Value    float64   `json:"value"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
	// Actor and Comment are set for manual actions such as acknowledge.
	Actor   string `json:"actor,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Event says why a Notification is sent.
type Event string

// The notification events.
const (
	EventFiring     Event = "firing"     // newly firing
	EventEscalated  Event = "escalated"  // warning → critical
	EventDowngraded Event = "downgraded" // critical → warning
	EventResolved   Event = "resolved"
	EventRepeat     Event = "repeat"     // still firing, repeat interval passed
	EventEscalation Event = "escalation" // unacknowledged past EscalateAfter: extra channel
)

// Notification is the engine's intent to tell someone about one alert. It names channels by
// ID (from the rule's Routing); turning it into a message and delivering it is the hub's and
// the notify package's job. Pass Notifications through a Grouper to batch them.
type Notification struct {
	Key       Key       `json:"key"`
	RuleName  string    `json:"rule_name"`
	Event     Event     `json:"event"`
	Severity  Severity  `json:"severity,omitempty"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold,omitempty"`
	Since     time.Time `json:"since"`
	At        time.Time `json:"at"`
	Channels  []string  `json:"channels"`
}
