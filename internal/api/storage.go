package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Storage is the series store's administrative side.
type Storage interface {
	ExportCSV(ctx context.Context, w io.Writer, hostID int64, q SeriesQuery) error
	// HostUsage returns samples and encoded bytes per host, across tiers.
	HostUsage(ctx context.Context) (map[int64]Usage, error)
	DeleteBefore(ctx context.Context, hostID int64, before time.Time) error
}

// Usage is what one host's data costs.
type Usage struct {
	Samples int64 `json:"samples"`
	Bytes   int64 `json:"bytes"`
}

// exportCSV streams a host's series as CSV (timestamp_ms,series,value), the format that
// `vigil bench codec` reads.
func (a *API) exportCSV(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	sq, ok := a.seriesQuery(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(h.Name)+`.csv"`)
	if err := a.cfg.Storage.ExportCSV(r.Context(), w, h.ID, sq); err != nil {
		// Headers are gone once rows stream; the truncated file and the log say what happened.
		a.log.Error("CSV export failed", "host_id", h.ID, "err", err)
	}
}

func safeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

type hostUsage struct {
	HostID int64  `json:"host_id"`
	Name   string `json:"name"`
	Usage
}

type checkUsage struct {
	CheckID int64  `json:"check_id"`
	Name    string `json:"name"`
	Usage
}

// storageStats reports the organization's hosts' and uptime checks' data volume (check results
// are series too, stored under the owner -check id). Only the caller's organization is
// counted: other tenants' volumes are not theirs to see.
func (a *API) storageStats(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	hosts, err := a.cfg.Meta.ListHosts(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list hosts", err)
		return
	}
	usage, err := a.cfg.Storage.HostUsage(r.Context())
	if err != nil {
		a.internal(w, r, "read storage statistics", err)
		return
	}
	checks, err := a.cfg.Meta.ListChecks(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list checks", err)
		return
	}
	out := struct {
		Total  Usage        `json:"total"`
		Hosts  []hostUsage  `json:"hosts"`
		Checks []checkUsage `json:"checks"`
	}{Hosts: []hostUsage{}, Checks: []checkUsage{}}
	for _, h := range hosts {
		u := usage[h.ID]
		out.Hosts = append(out.Hosts, hostUsage{HostID: h.ID, Name: h.Name, Usage: u})
		out.Total.Samples += u.Samples
		out.Total.Bytes += u.Bytes
	}
	for _, c := range checks {
		u := usage[check.SeriesOwner(c.ID)]
		out.Checks = append(out.Checks, checkUsage{CheckID: c.ID, Name: c.Name, Usage: u})
		out.Total.Samples += u.Samples
		out.Total.Bytes += u.Bytes
	}
	writeJSON(w, http.StatusOK, out)
}

// pruneStorage deletes data older than a time, for one host, or for every host and uptime check
// of the organization.
func (a *API) pruneStorage(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Before string `json:"before"`
		HostID *int64 `json:"host_id"`
	}
	if !decode(w, r, &body) {
		return
	}
	ms, ok := parseTime(body.Before)
	if !ok {
		writeError(w, http.StatusBadRequest, "before must be unix milliseconds or an RFC 3339 time", "before")
		return
	}
	before := time.UnixMilli(ms)
	if before.After(a.cfg.Now()) {
		writeError(w, http.StatusBadRequest, "before is in the future; to delete everything of a host, delete the host", "before")
		return
	}
	p, _ := auth.FromContext(r.Context())
	var ids, owners []int64 // owners: the checks' series, pruned with "every host"
	if body.HostID != nil {
		h, err := a.cfg.Meta.GetHost(r.Context(), p.OrgID, *body.HostID)
		if errors.Is(err, meta.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no host with id "+strconv.FormatInt(*body.HostID, 10), "host_id")
			return
		}
		if err != nil {
			a.internal(w, r, "load host", err)
			return
		}
		ids = []int64{h.ID}
	} else {
		hosts, err := a.cfg.Meta.ListHosts(r.Context(), p.OrgID)
		if err != nil {
			a.internal(w, r, "list hosts", err)
			return
		}
		for _, h := range hosts {
			ids = append(ids, h.ID)
		}
		checks, err := a.cfg.Meta.ListChecks(r.Context(), p.OrgID)
		if err != nil {
			a.internal(w, r, "list checks", err)
			return
		}
		for _, c := range checks {
			owners = append(owners, check.SeriesOwner(c.ID))
		}
	}
	for _, id := range append(slices.Clone(ids), owners...) {
		if err := a.cfg.Storage.DeleteBefore(r.Context(), id, before); err != nil {
			a.internal(w, r, "delete old data", err)
			return
		}
	}
	a.log.Info("deleted old series data", "before", before.UTC().Format(time.RFC3339), "hosts", len(ids), "checks", len(owners), "by", p.Email)
	a.audit(r, "storage.prune", strconv.Itoa(len(ids))+" hosts, "+strconv.Itoa(len(owners))+" checks", "data before "+before.UTC().Format(time.RFC3339))
	writeJSON(w, http.StatusOK, map[string]any{"hosts": len(ids), "checks": len(owners), "before": before.UTC()})
}
