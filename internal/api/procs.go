package api

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/meta"
)

// HostReports serves what agents connected to this hub reported last, from memory: the
// process table (the full table while someone watches), services and containers. Without it,
// or for a host connected to another hub, the metadata store's copy is served (a process
// sample a minute; services and containers when they change and every few minutes).
type HostReports interface {
	Latest(hostID int64) (meta.ProcSample, bool)
	LatestServices(hostID int64) ([]meta.ServiceStatus, []meta.ContainerStatus, bool)
}

// processSorts are the columns the process table can be sorted by, each with its natural
// order (largest first for amounts, A–Z for names).
var processSorts = map[string]struct {
	less func(a, b meta.Proc) int
	desc bool
}{
	"cpu":   {func(a, b meta.Proc) int { return cmp.Compare(a.CPU, b.CPU) }, true},
	"rss":   {func(a, b meta.Proc) int { return cmp.Compare(a.RSS, b.RSS) }, true},
	"read":  {func(a, b meta.Proc) int { return cmp.Compare(a.ReadBps, b.ReadBps) }, true},
	"write": {func(a, b meta.Proc) int { return cmp.Compare(a.WriteBps, b.WriteBps) }, true},
	"pid":   {func(a, b meta.Proc) int { return cmp.Compare(a.PID, b.PID) }, false},
	"name":  {func(a, b meta.Proc) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }, false},
	"user":  {func(a, b meta.Proc) int { return strings.Compare(a.User, b.User) }, false},
}

func (a *API) hostProcesses(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	sortBy := cmp.Or(q.Get("sort"), "cpu")
	by, ok := processSorts[sortBy]
	if !ok {
		writeError(w, http.StatusBadRequest, "sort must be one of cpu, rss, read, write, pid, name, user", "sort")
		return
	}
	desc := by.desc
	switch q.Get("order") {
	case "":
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		writeError(w, http.StatusBadRequest, "order must be asc or desc", "order")
		return
	}
	limit, ok := intParam(w, q.Get("limit"), "limit", 500, 1, 10000)
	if !ok {
		return
	}
	filter := strings.ToLower(q.Get("q"))
	if len(filter) > 200 {
		writeError(w, http.StatusBadRequest, "q longer than 200 characters", "q")
		return
	}
	var sample meta.ProcSample
	found := false
	if a.cfg.Processes != nil {
		sample, found = a.cfg.Processes.Latest(h.ID)
	}
	if !found {
		s, err := a.cfg.Meta.LatestProcSample(r.Context(), h.ID)
		switch {
		case errors.Is(err, meta.ErrNotFound):
			writeJSON(w, http.StatusOK, meta.ProcSample{Procs: []meta.Proc{}})
			return
		case err != nil:
			a.internal(w, r, "load processes", err)
			return
		}
		sample = s
	}
	procs := make([]meta.Proc, 0, len(sample.Procs))
	for _, p := range sample.Procs {
		if filter == "" || strings.Contains(strings.ToLower(p.Name), filter) || strings.Contains(strings.ToLower(p.Cmdline), filter) ||
			strings.Contains(strings.ToLower(p.User), filter) || strconv.FormatUint(uint64(p.PID), 10) == filter {
			procs = append(procs, p)
		}
	}
	slices.SortStableFunc(procs, func(x, y meta.Proc) int {
		c := by.less(x, y)
		if desc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(x.PID, y.PID))
	})
	sample.Procs = procs[:min(limit, len(procs))]
	writeJSON(w, http.StatusOK, sample)
}

func (a *API) processHistory(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	pid, err := strconv.ParseUint(q.Get("pid"), 10, 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, "pid must be a process id", "pid")
		return
	}
	start, err := strconv.ParseInt(q.Get("start"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "start must be the process's start time in unix milliseconds (start_ms of the process table)", "start")
		return
	}
	from, to, ok := a.timeRange(w, r, 48*time.Hour)
	if !ok {
		return
	}
	p, pts, err := a.cfg.Meta.ProcHistory(r.Context(), h.ID, uint32(pid), start, from, to)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no stored samples of process "+strconv.FormatUint(pid, 10)+" started at "+strconv.FormatInt(start, 10), "pid")
		return
	}
	if err != nil {
		a.internal(w, r, "load process history", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"process": p, "points": pts})
}

func (a *API) processEvents(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	from, to, ok := a.timeRange(w, r, 24*time.Hour)
	if !ok {
		return
	}
	limit, ok := intParam(w, r.URL.Query().Get("limit"), "limit", 500, 1, 5000)
	if !ok {
		return
	}
	evs, err := a.cfg.Meta.ProcEvents(r.Context(), h.ID, from, to, limit)
	if err != nil {
		a.internal(w, r, "load process events", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
}

func (a *API) hostServices(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	if a.cfg.Processes != nil {
		if svcs, _, ok := a.cfg.Processes.LatestServices(h.ID); ok {
			writeJSON(w, http.StatusOK, map[string]any{"services": sortedServices(svcs)})
			return
		}
	}
	svcs, err := a.cfg.Meta.Services(r.Context(), h.ID)
	if err != nil {
		a.internal(w, r, "load services", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": svcs})
}

func (a *API) hostContainers(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	if a.cfg.Processes != nil {
		if _, cs, ok := a.cfg.Processes.LatestServices(h.ID); ok {
			cs = slices.Clone(cs)
			slices.SortFunc(cs, func(a, b meta.ContainerStatus) int {
				return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
			})
			writeJSON(w, http.StatusOK, map[string]any{"containers": cs})
			return
		}
	}
	cs, err := a.cfg.Meta.Containers(r.Context(), h.ID)
	if err != nil {
		a.internal(w, r, "load containers", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"containers": cs})
}

// sortedServices orders services as the store does: by kind, then name.
func sortedServices(svcs []meta.ServiceStatus) []meta.ServiceStatus {
	out := slices.Clone(svcs)
	slices.SortFunc(out, func(a, b meta.ServiceStatus) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name))
	})
	return out
}

// timeRange reads from and to (unix ms or RFC 3339), defaulting to the last def.
func (a *API) timeRange(w http.ResponseWriter, r *http.Request, def time.Duration) (from, to int64, ok bool) {
	now := a.cfg.Now().UnixMilli()
	from, to = now-def.Milliseconds(), now
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, ok := parseTime(v)
			if !ok || t < 0 {
				writeError(w, http.StatusBadRequest, p.name+" must be unix milliseconds or an RFC 3339 time", p.name)
				return 0, 0, false
			}
			*p.dst = t
		}
	}
	if to < from {
		writeError(w, http.StatusBadRequest, "to must not be before from", "to")
		return 0, 0, false
	}
	return from, to, true
}

// intParam parses an optional integer query parameter within [lo, hi].
func intParam(w http.ResponseWriter, v, name string, def, lo, hi int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		writeError(w, http.StatusBadRequest, name+" must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi), name)
		return 0, false
	}
	return n, true
}
