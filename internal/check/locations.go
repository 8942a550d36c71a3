package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Remote probes (DESIGN.md §6): a check may run on the hub and on chosen agents ("locations").
// Each location judges the check on its own, with the check's retries; the check is down only
// when at least Quorum locations find it down. A location that has no fresh result (its agent
// is offline, has not opted in to probes, or has not answered yet) is unknown: it counts
// neither way, so an agent going offline can never take a check down.

// Hub is the location id of the hub itself; other locations are host ids (always > 0).
const Hub int64 = 0

// MaxLocations bounds the agents one check runs on: each location is one more probe per
// interval against the target and one more series.
const MaxLocations = 16

// Locations lists where a check runs. The zero value (hub false, no hosts) is invalid; an
// absent Locations means the hub only.
type Locations struct {
	Hub   bool    `json:"hub" yaml:"hub"`
	Hosts []int64 `json:"hosts,omitempty" yaml:"hosts,omitempty"` // host ids of the same organization
}

// Where returns the check's locations: Hub (0) first if it runs on the hub, then host ids in
// ascending order.
func (s *Spec) Where() []int64 {
	if s.Locations == nil {
		return []int64{Hub}
	}
	var out []int64
	if s.Locations.Hub {
		out = append(out, Hub)
	}
	return append(out, s.Locations.Hosts...)
}

// Remote reports whether any location is an agent.
func (s *Spec) Remote() bool { return s.Locations != nil && len(s.Locations.Hosts) > 0 }

// EffectiveQuorum is the number of locations that must agree the check is down: Quorum, or a
// majority (more than half) of the locations when Quorum is 0.
func (s *Spec) EffectiveQuorum() int {
	if s.Quorum > 0 {
		return s.Quorum
	}
	return len(s.Where())/2 + 1
}

func (s *Spec) normalizeLocations() {
	l := s.Locations
	if l == nil {
		return
	}
	if len(l.Hosts) == 0 {
		l.Hosts = nil
	}
	slices.Sort(l.Hosts)
	if l.Hub && len(l.Hosts) == 0 {
		s.Locations = nil // the same as absent: keep one form so that specs compare equal
	}
}

func (s *Spec) validateLocations() error {
	if l := s.Locations; l != nil {
		if s.Type == TypePush {
			return fieldErr("locations", "push checks are judged on the hub, which receives the pushes; remove locations")
		}
		if !l.Hub && len(l.Hosts) == 0 {
			return fieldErr("locations", "choose at least one location: the hub or an agent")
		}
		if len(l.Hosts) > MaxLocations {
			return fieldErr("locations", "at most %d agents per check", MaxLocations)
		}
		for i, h := range l.Hosts {
			if h <= 0 {
				return fieldErr("locations", "host id %d is not a host's id", h)
			}
			if i > 0 && l.Hosts[i-1] == h {
				return fieldErr("locations", "host %d is listed twice", h)
			}
		}
	}
	if n := len(s.Where()); s.Quorum < 0 || s.Quorum > n {
		return fieldErr("quorum", "quorum must be 1–%d (the number of locations), or 0 for a majority; got %d", n, s.Quorum)
	}
	return nil
}

// ForAgent returns the spec an agent runs: the same probe, without what only the hub uses
// (locations, quorum, the owning host) so that the agent can validate it as an ordinary check.
func (s Spec) ForAgent() Spec {
	s.Locations, s.Quorum, s.HostID = nil, 0, nil
	return s
}

// LocationName is how messages and series labels name a location: "hub" or "host:<id>".
func LocationName(loc int64) string {
	if loc == Hub {
		return "hub"
	}
	return "host:" + strconv.FormatInt(loc, 10)
}

// ParseLocationName is the inverse of LocationName.
func ParseLocationName(s string) (int64, bool) {
	if s == "hub" {
		return Hub, true
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "host:"), 10, 64)
	if err != nil || id <= 0 || !strings.HasPrefix(s, "host:") {
		return 0, false
	}
	return id, true
}

// LocState is one location's view of a check.
type LocState int8

// Location states. Unknown counts neither up nor down in the quorum.
const (
	LocUnknown LocState = iota
	LocUp
	LocDown
)

func (s LocState) String() string {
	switch s {
	case LocUp:
		return "up"
	case LocDown:
		return "down"
	}
	return "unknown"
}

// MarshalText makes a LocState read as "up", "down" or "unknown" in JSON.
func (s LocState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Verdict combines location states: down when at least quorum locations are down; up when
// fewer are down and at least one is up; otherwise (every location unknown, or only some down)
// not known, which leaves the check's state as it was.
func Verdict(states []LocState, quorum int) (up, known bool) {
	var ups, downs int
	for _, st := range states {
		switch st {
		case LocUp:
			ups++
		case LocDown:
			downs++
		}
	}
	switch {
	case downs >= quorum:
		return false, true
	case ups > 0:
		return true, true
	}
	return false, false
}

// verdictMessage says why a check with several locations is in its state.
func verdictMessage(up bool, quorum int, where []int64, states []LocState, msgs []string) string {
	var downs []string
	for i, st := range states {
		if st == LocDown {
			downs = append(downs, LocationName(where[i])+": "+msgs[i])
		}
	}
	if up {
		if len(downs) == 0 {
			return fmt.Sprintf("up from every reporting location (%d)", len(where))
		}
		return fmt.Sprintf("up: %d of %d locations down, below the quorum of %d (%s)", len(downs), len(where), quorum, strings.Join(downs, "; "))
	}
	return fmt.Sprintf("down from %d of %d locations (quorum %d): %s", len(downs), len(where), quorum, strings.Join(downs, "; "))
}
