// Package alert is Vigil's alert engine: rules, their evaluation as a pure state machine,
// silences and maintenance windows, and grouping of notification intents (DESIGN §1 alert
// path, §5). It does no I/O and never reads the clock, so the hub owns time and storage and
// tests are deterministic.
//
// Wiring (hub):
//
//	eng := alert.NewEngine(alert.Config{})
//	eng.SetRules(rules, known)   // known: metric names from collect.Catalog
//	eng.SetWindows(windows)      // silences and maintenance windows
//	eng.SetHost(alert.Host{ID: id, Tags: tags, Cores: cores, Interval: 10 * time.Second})
//	ts, ns := eng.Observe(hostID, alert.Labels{Metric: "fs.used_pct", Label: "/"}, at, v)
//	ts, ns = eng.Heartbeat(hostID, at)                   // snapshot or hello
//	ts, ns = eng.Observe(hostID, alert.Labels{Metric: alert.MetricCheckUp, Label: check}, at, 0)
//	ts, ns = eng.Tick(now)                               // every few seconds
//	tr, err := eng.Ack(key, user, comment, now)          // from the API
//
// Store every Transition (the history of who did what), pass Notifications to a Grouper
// (g.Add(now, ns...)), and on each tick send g.Due(now) through the notify package: one
// message per Batch, to the channel the Batch names. Active lists current alerts for the UI.
//
// Lifecycle per (rule, host, label): ok → pending (condition met) → firing (held for For)
// → resolved (recovered past the hysteresis threshold) → ok on the next evaluation. A
// firing alert may escalate warning → critical or de-escalate. Notifications are reconciled
// from state rather than emitted per transition, so while an alert is flapping, silenced, in
// maintenance or its host is down (dependency), nothing is sent, and when the hold ends the
// current state is sent once. Acknowledging stops repeats and escalation until resolution.
package alert
