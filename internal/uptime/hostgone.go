package uptime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
)

// HostDeleted takes a deleted host out of every check that names it, in the stored spec and in
// the scheduler at once (not at the next edit or restart): as the host a check belongs to
// (host_id: the alert engine would keep suppressing its alerts by a host that no longer
// exists) and as a location. A check left with no location is moved to the hub and paused, so
// that it neither runs from somewhere nobody chose nor silently stops; the owner decides. A
// quorum above the remaining locations falls back to a majority.
func (r *Service) HostDeleted(ctx context.Context, hostID int64) error {
	all, err := r.db.ListChecks(ctx, 0)
	if err != nil {
		return fmt.Errorf("checks naming deleted host %d: %w", hostID, err)
	}
	var errs []error
	for _, m := range all {
		s, err := SpecOf(m)
		if err != nil {
			continue // invalid stored specs are not scheduled either
		}
		if !withoutHost(&s, hostID) {
			continue
		}
		raw, err := json.Marshal(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m, _, err = r.db.UpdateCheck(ctx, m.OrgID, m.ID, meta.CheckInput{Name: s.Name, Type: s.Type, HostID: s.HostID, Spec: raw})
		if errors.Is(err, meta.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err == nil {
			err = r.set(m, false)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("check %d without deleted host %d: %w", m.ID, hostID, err))
			continue
		}
		r.log.Info("deleted host taken out of a check", "check_id", m.ID, "host_id", hostID, "paused", s.Paused)
	}
	return errors.Join(errs...)
}

// withoutHost removes hostID from a spec and reports whether it was there.
func withoutHost(s *check.Spec, hostID int64) bool {
	changed := false
	if s.HostID != nil && *s.HostID == hostID {
		s.HostID, changed = nil, true
	}
	if l := s.Locations; l != nil && slices.Contains(l.Hosts, hostID) {
		l.Hosts = slices.DeleteFunc(slices.Clone(l.Hosts), func(h int64) bool { return h == hostID })
		changed = true
		if !l.Hub && len(l.Hosts) == 0 {
			l.Hub, s.Paused = true, true
		}
		s.Normalize()
		if s.Quorum > len(s.Where()) {
			s.Quorum = 0
		}
	}
	return changed
}
