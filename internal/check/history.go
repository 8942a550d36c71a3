package check

import (
	"math"
	"time"
)

// Event is a state change of a check, as the metadata store keeps it.
type Event struct {
	At      time.Time
	Up      bool
	Message string
}

// Incident is a period a check was down. End is nil while it lasts.
type Incident struct {
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end"`
	DurationS int64      `json:"duration_s"`
	Message   string     `json:"message"`
}

// Incidents turns state changes (oldest first; the first may precede from, giving the state the
// range starts in) into the down periods overlapping [from, to], newest first. An incident
// still open at now is reported with End nil and its duration so far.
func Incidents(events []Event, from, to, now time.Time) []Incident {
	var out []Incident
	var open *Incident
	for _, e := range events {
		switch {
		case !e.Up && open == nil:
			open = &Incident{Start: e.At, Message: e.Message}
		case e.Up && open != nil:
			end := e.At
			open.End = &end
			if !end.Before(from) && !open.Start.After(to) {
				open.DurationS = int64(end.Sub(open.Start) / time.Second)
				out = append(out, *open)
			}
			open = nil
		}
	}
	if open != nil && !open.Start.After(to) {
		open.DurationS = int64(now.Sub(open.Start) / time.Second)
		out = append(out, *open)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if out == nil {
		out = []Incident{}
	}
	return out
}

// UptimeWindows are the periods uptime is reported over.
var UptimeWindows = []struct {
	Name string
	D    time.Duration
}{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}, {"30d", 30 * 24 * time.Hour}, {"90d", 90 * 24 * time.Hour}}

// UptimePct averages the state series (1 up, 0 down per probe; NaN where no probe ran) into a
// percentage, weighting each point by weights[i] probes when given. ok is false without data.
func UptimePct(values, weights []float64) (pct float64, ok bool) {
	var sum, n float64
	for i, v := range values {
		if math.IsNaN(v) {
			continue
		}
		w := 1.0
		if weights != nil {
			w = weights[i]
		}
		sum += v * w
		n += w
	}
	if n == 0 {
		return 0, false
	}
	return 100 * sum / n, true
}
