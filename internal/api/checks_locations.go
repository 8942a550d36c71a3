package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
)

// locationsError checks that every agent a check runs on is a host of the organization: a
// check must not run on (or reveal the existence of) another organization's host. The
// error's field is "locations".
func (a *API) locationsError(ctx context.Context, orgID int64, s check.Spec) (*apiError, error) {
	if s.Locations == nil {
		return nil, nil
	}
	for _, id := range s.Locations.Hosts {
		_, err := a.cfg.Meta.GetHost(ctx, orgID, id)
		if errors.Is(err, meta.ErrNotFound) {
			return &apiError{Error: fmt.Sprintf("no host with id %d in this organization", id), Field: "locations"}, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// checkLocations answers 400 when a location is not a host of the organization; it returns
// true when all are.
func (a *API) checkLocations(w http.ResponseWriter, r *http.Request, orgID int64, s check.Spec) bool {
	ae, err := a.locationsError(r.Context(), orgID, s)
	switch {
	case err != nil:
		a.internal(w, r, "check locations", err)
	case ae != nil:
		writeError(w, http.StatusBadRequest, ae.Error, ae.Field)
	default:
		return true
	}
	return false
}

// locationJSON is one location's latest view of a check.
type locationJSON struct {
	Location   string     `json:"location"` // "hub" or "host:<id>"
	HostID     *int64     `json:"host_id"`
	HostName   string     `json:"host_name,omitempty"`
	State      string     `json:"state"` // up, degraded, down, unknown
	Reason     string     `json:"reason"`
	Time       *time.Time `json:"time"`
	ResponseMs *float64   `json:"response_ms"`
	Failures   int        `json:"failures"`
}

// locationViews returns each location's latest view of a check, with host names.
func (a *API) locationViews(ctx context.Context, orgID, id int64) []locationJSON {
	if a.cfg.Checks == nil {
		return nil
	}
	out := []locationJSON{}
	for _, l := range a.cfg.Checks.Locations(id) {
		v := locationJSON{Location: check.LocationName(l.Location), State: l.State.String(), Reason: l.Reason, Failures: l.Failures}
		if l.Location != check.Hub {
			hid := l.Location
			v.HostID = &hid
			if h, err := a.cfg.Meta.GetHost(ctx, orgID, hid); err == nil {
				v.HostName = h.Name
			}
		}
		if l.Last != nil {
			t := l.Last.Time
			v.Time = &t
			if l.Last.Status.IsUp() {
				ms := float64(l.Last.Duration.Microseconds()) / 1000
				v.ResponseMs = &ms
			}
			if l.State == check.LocUp && l.Last.Status == check.Degraded {
				v.State = "degraded"
			}
		}
		out = append(out, v)
	}
	return out
}
