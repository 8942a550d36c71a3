package hub

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/api"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/hoststate"
	"github.com/vigil-mon/vigil/internal/ingest"
	"github.com/vigil-mon/vigil/internal/live"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/uptime"
	"github.com/vigil-mon/vigil/internal/wire"
)

// The adapters below translate between packages that each define the small interface they consume
// (STYLE.md 7); keeping the translation here keeps those packages independent of each other.

var (
	_ ingest.Hosts     = hostsAdapter{}
	_ ingest.Store     = (*series.Store)(nil)
	_ ingest.Observer  = (*live.Hub)(nil)
	_ live.Commander   = (*ingest.Handler)(nil)
	_ api.SeriesReader = seriesAdapter{}
	_ api.Fleet        = fleetAdapter{}
	_ api.HostRemover  = hostRemover{}
)

// observers fans ingest's observer calls out to the live hub and alerting, in order.
type observers []ingest.Observer

var (
	_ ingest.Observer           = observers{}
	_ check.Observer            = (*alerting.Service)(nil)
	_ hoststate.ServiceObserver = (*alerting.Service)(nil)
)

func (o observers) HostOnline(hostID, orgID int64, online bool) {
	for _, x := range o {
		x.HostOnline(hostID, orgID, online)
	}
}

func (o observers) HostSnapshot(hostID, orgID int64, timeMs int64, keys []series.Key, values []wire.Value) {
	for _, x := range o {
		x.HostSnapshot(hostID, orgID, timeMs, keys, values)
	}
}

func (o observers) Watched(hostID int64) bool {
	for _, x := range o {
		if x.Watched(hostID) {
			return true
		}
	}
	return false
}

// knownMetric tells rule validation which metrics the agent's catalogue has.
func knownMetric() func(string) bool {
	names := map[string]bool{}
	for _, m := range collect.Catalog() {
		names[m.Name] = true
	}
	return func(n string) bool { return names[n] }
}

type hostsAdapter struct{ db *meta.DB }

func (a hostsAdapter) Authenticate(ctx context.Context, token string) (ingest.Host, error) {
	h, err := a.db.HostByAgentToken(ctx, token)
	if errors.Is(err, meta.ErrNotFound) {
		return ingest.Host{}, ingest.ErrUnknownToken
	}
	if err != nil {
		return ingest.Host{}, err
	}
	return ingest.Host{ID: h.ID, OrgID: h.OrgID, Name: h.Name}, nil
}

func (a hostsAdapter) ApplyHostUpdates(ctx context.Context, updates []ingest.HostUpdate) error {
	out := make([]meta.AgentReport, len(updates))
	for i, u := range updates {
		out[i] = meta.AgentReport{HostID: u.HostID, LastSeen: u.LastSeen, Facts: u.Facts, AgentVersion: u.AgentVersion}
		if u.Facts != nil && !json.Valid(u.Facts) {
			out[i].Facts = json.RawMessage("{}")
		}
	}
	return a.db.ApplyAgentReports(ctx, out)
}

func hostOrg(db *meta.DB) func(ctx context.Context, hostID int64) (int64, error) {
	return func(ctx context.Context, hostID int64) (int64, error) {
		h, err := db.HostByID(ctx, hostID)
		if err != nil {
			return 0, err
		}
		return h.OrgID, nil
	}
}

func principalOrg(ctx context.Context) (int64, bool) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return 0, false
	}
	return p.OrgID, true
}

type seriesAdapter struct{ store *series.Store }

func (a seriesAdapter) QuerySeries(ctx context.Context, hostID int64, q api.SeriesQuery) (api.SeriesResult, error) {
	res, err := a.store.Query(ctx, series.Query{HostID: hostID, Names: q.Names, From: q.From, To: q.To, Step: q.Step, MaxPoints: apiMaxPoints})
	if err != nil {
		return api.SeriesResult{}, err
	}
	units := metricUnits()
	out := api.SeriesResult{From: res.From, To: res.To, Step: res.Step, Tier: res.Tier, Times: res.Times, Series: make([]api.SeriesData, len(res.Series))}
	for i, s := range res.Series {
		out.Series[i] = api.SeriesData{Name: s.Name, Label: s.Label, Unit: units[s.Name], Values: s.Values}
	}
	return out, nil
}

// apiMaxPoints caps the points per series the API returns: about one per pixel of a chart. It
// also keeps long ranges on the coarse tiers (30 days at 720 points is a 1-hour step), which is
// what keeps a 30-day query within its 100 ms budget (docs/benchmarks.md).
const apiMaxPoints = 720

// fleetAdapter serves the overview from the live hub, falling back to the store's newest
// snapshot for hosts that have not reported since the hub started.
type fleetAdapter struct {
	live  *live.Hub
	store *series.Store
}

func (a fleetAdapter) Online(hostID int64) bool { return a.live.Online(hostID) }

func (a fleetAdapter) Latest(hostID int64) (api.Latest, bool) {
	s, ok := a.live.Latest(hostID)
	if !ok {
		t, vals, found := a.store.Latest(hostID)
		if !found {
			return api.Latest{}, false
		}
		keys := make([]series.Key, 0, len(vals))
		values := make([]wire.Value, 0, len(vals))
		for k, v := range vals {
			values = append(values, wire.Value{ID: uint32(len(keys)), V: v})
			keys = append(keys, k)
		}
		s = live.Summarize(t, keys, values)
	}
	return api.Latest{Time: s.Time, CPUPct: s.CPUPct, MemPct: s.MemPct, DiskPct: s.DiskPct,
		NetRxBps: s.NetRxBps, NetTxBps: s.NetTxBps, Load1: s.Load1, UptimeS: s.UptimeS}, true
}

// hostRemover deletes a host's series, disconnects its agent and takes it out of the checks
// that name it when the API deletes the host.
type hostRemover struct {
	store  *series.Store
	ingest *ingest.Handler
	state  *hoststate.State
	checks *uptime.Service
}

func (r hostRemover) DeleteHostData(ctx context.Context, hostID int64) error {
	r.ingest.Disconnect(hostID, "host deleted")
	r.state.Forget(hostID) // its stored process data goes with the host row (ON DELETE CASCADE)
	return errors.Join(r.checks.HostDeleted(ctx, hostID), r.store.DeleteHost(ctx, hostID))
}

// metricScale tells the series store how many decimals each metric keeps, from the agent's
// catalogue; unknown metrics are stored as floats.
func metricScale() func(string) int {
	scales := map[string]int{}
	for _, m := range collect.Catalog() {
		scales[m.Name] = m.Scale
	}
	return func(name string) int {
		if s, ok := scales[name]; ok {
			return s
		}
		return -1
	}
}

func metricUnits() map[string]string {
	units := map[string]string{check.SeriesResponse: "ms"}
	for _, m := range collect.Catalog() {
		units[m.Name] = m.Unit
	}
	return units
}

var _ = math.NaN

// storageAdapter gives the API the series store's administrative side.
type storageAdapter struct{ store *series.Store }

var _ api.Storage = storageAdapter{}

func (a storageAdapter) ExportCSV(ctx context.Context, w io.Writer, hostID int64, q api.SeriesQuery) error {
	return a.store.WriteCSV(ctx, w, series.Query{HostID: hostID, Names: q.Names, From: q.From, To: q.To, Step: q.Step})
}

func (a storageAdapter) HostUsage(ctx context.Context) (map[int64]api.Usage, error) {
	st, err := a.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]api.Usage, len(st.PerHost))
	for _, h := range st.PerHost {
		out[h.HostID] = api.Usage{Samples: h.Samples, Bytes: h.Bytes}
	}
	return out, nil
}

func (a storageAdapter) DeleteBefore(ctx context.Context, hostID int64, before time.Time) error {
	return a.store.DeleteBefore(ctx, hostID, before)
}
