package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Checks runs uptime checks; uptime.Service implements it. The API stores a check first, then
// tells Checks, so a restart finds everything the API acknowledged.
type Checks interface {
	Set(m meta.Check) error
	Remove(ctx context.Context, id int64) error
	Pushed(id int64, p meta.CheckPush)
	Last(id int64) (check.Result, int, bool)
	Locations(id int64) []check.LocationStatus
}

// checkJSON is a check as the API shows it.
type checkJSON struct {
	ID         int64         `json:"id"`
	Spec       check.Spec    `json:"spec"`
	State      string        `json:"state"`
	StateSince *time.Time    `json:"state_since"`
	Message    string        `json:"message"`
	Last       *lastResult   `json:"last"`
	LastPush   *time.Time    `json:"last_push,omitempty"`
	Recent     []recentPoint `json:"recent,omitempty"`
	Uptime24h  *float64      `json:"uptime_24h,omitempty"`
	// LocationStates is each location's latest view (the check page only).
	LocationStates []locationJSON `json:"location_states,omitempty"`
	CreatedAt      time.Time      `json:"created_at"`
}

type lastResult struct {
	check.Result
	ResponseMs float64 `json:"response_ms"`
	Failures   int     `json:"failures"`
}

// recentPoint is one bar of the checks list: the share of probes up in that slot (0..1) and the
// mean response time; null where no probe ran.
type recentPoint struct {
	Time       int64    `json:"time"`
	Up         *float64 `json:"up"`
	ResponseMs *float64 `json:"response_ms"`
}

func (a *API) checksOr503(w http.ResponseWriter) bool {
	if a.cfg.Checks == nil {
		writeError(w, http.StatusServiceUnavailable, "this hub does not run uptime checks", "")
		return false
	}
	return true
}

func (a *API) checkView(ctx context.Context, m meta.Check, withRecent bool) checkJSON {
	v := checkJSON{ID: m.ID, State: m.State, StateSince: m.StateSince, Message: m.StateMsg, CreatedAt: m.CreatedAt}
	if s, err := check.DecodeSpec(m.Spec); err == nil {
		v.Spec = s
	} else {
		v.Spec = check.Spec{Name: m.Name, Type: m.Type}
		v.Message = "stored spec is invalid: " + err.Error()
	}
	if m.Push != nil {
		v.LastPush = &m.Push.At
	}
	if v.State == "" {
		v.State = "pending"
	}
	if a.cfg.Checks != nil {
		if r, fails, ok := a.cfg.Checks.Last(m.ID); ok {
			v.Last = &lastResult{Result: r, ResponseMs: float64(r.Duration.Microseconds()) / 1000, Failures: fails}
			if r.Status == check.Degraded && v.State == "up" {
				v.State = "degraded"
			}
		}
	}
	if withRecent {
		v.Recent = a.recent(ctx, m.ID, v.Spec.IntervalS)
		if pct, ok := a.uptime24h(ctx, m.ID); ok {
			v.Uptime24h = &pct
		}
	}
	return v
}

// recentBars is how many bars the checks list shows per check.
const recentBars = 30

// recent returns the last recentBars probe slots of a check (one per interval).
func (a *API) recent(ctx context.Context, id int64, intervalS int) []recentPoint {
	step := int64(max(intervalS, 1)) * 1000
	now := a.cfg.Now().UnixMilli()
	res, err := a.cfg.Series.QuerySeries(ctx, check.SeriesOwner(id), SeriesQuery{
		Names: []string{check.SeriesState, check.SeriesResponse, check.SeriesLocResponse}, From: now - step*recentBars, To: now, Step: step})
	if err != nil {
		a.log.Warn("recent check results unavailable", "check_id", id, "err", err)
		return nil
	}
	out := make([]recentPoint, len(res.Times))
	for i, t := range res.Times {
		out[i].Time = t
		var locSum, locN float64 // a check with agents: the mean over its locations
		for _, s := range res.Series {
			if v := s.Values[i]; !math.IsNaN(v) {
				switch s.Name {
				case check.SeriesState:
					out[i].Up = &v
				case check.SeriesResponse:
					out[i].ResponseMs = &v
				case check.SeriesLocResponse:
					locSum, locN = locSum+v, locN+1
				}
			}
		}
		if out[i].ResponseMs == nil && locN > 0 {
			mean := locSum / locN
			out[i].ResponseMs = &mean
		}
	}
	if len(out) > recentBars {
		out = out[len(out)-recentBars:]
	}
	return out
}

// uptimeTTL is how long the checks list reuses a check's 24 h uptime: the list is polled by
// every open browser, and one more probe barely moves a 24 h figure.
const uptimeTTL = time.Minute

type cachedUptime struct {
	pct     float64
	ok      bool
	expires time.Time
}

// uptime24h is uptime over the last day, cached for uptimeTTL.
func (a *API) uptime24h(ctx context.Context, id int64) (float64, bool) {
	now := a.cfg.Now()
	a.uptimeMu.Lock()
	c, hit := a.uptimeCache[id]
	a.uptimeMu.Unlock()
	if hit && now.Before(c.expires) {
		return c.pct, c.ok
	}
	pct, ok := a.uptime(ctx, id, 24*time.Hour)
	if !ok {
		return pct, ok // a new check: its first result is due any moment, so do not cache "no data"
	}
	a.uptimeMu.Lock()
	if a.uptimeCache == nil || len(a.uptimeCache) > 100_000 {
		a.uptimeCache = map[int64]cachedUptime{}
	}
	a.uptimeCache[id] = cachedUptime{pct: pct, ok: ok, expires: now.Add(uptimeTTL)}
	a.uptimeMu.Unlock()
	return pct, ok
}

// uptime is the share of probes up over the window ending now, in percent.
func (a *API) uptime(ctx context.Context, id int64, window time.Duration) (float64, bool) {
	now := a.cfg.Now().UnixMilli()
	res, err := a.cfg.Series.QuerySeries(ctx, check.SeriesOwner(id), SeriesQuery{
		Names: []string{check.SeriesState}, From: now - window.Milliseconds(), To: now, Step: window.Milliseconds() / 24})
	if err != nil || len(res.Series) == 0 {
		return 0, false
	}
	return check.UptimePct(res.Series[0].Values, nil)
}

func (a *API) listChecks(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	list, err := a.cfg.Meta.ListChecks(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list checks", err)
		return
	}
	out := make([]checkJSON, len(list))
	for i, m := range list {
		out[i] = a.checkView(r.Context(), m, true)
	}
	writeJSON(w, http.StatusOK, map[string]any{"checks": out})
}

// decodeCheck reads a spec body, answering 400 with the field at fault.
func (a *API) decodeCheck(w http.ResponseWriter, r *http.Request) (check.Spec, bool) {
	var raw json.RawMessage
	if !decode(w, r, &raw) {
		return check.Spec{}, false
	}
	s, err := check.DecodeSpec(raw)
	return s, a.specError(w, err)
}

// specError answers a spec's validation error; it returns true when there was none.
func (a *API) specError(w http.ResponseWriter, err error) bool {
	var fe *check.FieldError
	switch {
	case err == nil:
		return true
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, fe.Msg, fe.Field)
	default:
		writeError(w, http.StatusBadRequest, err.Error(), "")
	}
	return false
}

// saveCheck answers the conflict and foreign-host cases of create and update.
func (a *API) saveCheckError(w http.ResponseWriter, r *http.Request, s check.Spec, err error) {
	switch {
	case errors.Is(err, meta.ErrConflict):
		writeError(w, http.StatusConflict, "a check named "+strconv.Quote(s.Name)+" already exists", "name")
	case errors.Is(err, meta.ErrNotFound):
		writeError(w, http.StatusBadRequest, "no host with that id in this organization", "host_id")
	default:
		a.internal(w, r, "save check", err)
	}
}

// pushURL is the URL a push check's job calls.
func (a *API) pushURL(token string) string {
	if token == "" {
		return ""
	}
	return a.cfg.PublicURL + "/api/v1/push/" + token
}

func (a *API) createCheck(w http.ResponseWriter, r *http.Request) {
	if !a.checksOr503(w) {
		return
	}
	s, ok := a.decodeCheck(w, r)
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if !a.checkLocations(w, r, p.OrgID, s) {
		return
	}
	m, token, err := a.storeCheck(r.Context(), p.OrgID, 0, s)
	if err != nil {
		a.saveCheckError(w, r, s, err)
		return
	}
	a.audit(r, "check.create", s.Name, s.Type+" check id "+strconv.FormatInt(m.ID, 10))
	writeJSON(w, http.StatusCreated, map[string]any{"check": a.checkView(r.Context(), m, false), "push_url": a.pushURL(token)})
}

// storeCheck creates (id 0) or replaces a check and schedules it.
func (a *API) storeCheck(ctx context.Context, orgID, id int64, s check.Spec) (meta.Check, string, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return meta.Check{}, "", err
	}
	in := meta.CheckInput{Name: s.Name, Type: s.Type, HostID: s.HostID, Spec: raw}
	var m meta.Check
	var token string
	if id == 0 {
		m, token, err = a.cfg.Meta.CreateCheck(ctx, orgID, in)
	} else {
		m, token, err = a.cfg.Meta.UpdateCheck(ctx, orgID, id, in)
	}
	if err != nil {
		return meta.Check{}, "", err
	}
	if err := a.cfg.Checks.Set(m); err != nil {
		return meta.Check{}, "", err
	}
	return m, token, nil
}

// orgCheck loads a check of the caller's organization; any other answers 404.
func (a *API) orgCheck(w http.ResponseWriter, r *http.Request) (meta.Check, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return meta.Check{}, false
	}
	p, _ := auth.FromContext(r.Context())
	m, err := a.cfg.Meta.GetCheck(r.Context(), p.OrgID, id)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no check with id "+strconv.FormatInt(id, 10), "id")
		return meta.Check{}, false
	}
	if err != nil {
		a.internal(w, r, "load check", err)
		return meta.Check{}, false
	}
	return m, true
}

func (a *API) getCheck(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	v := a.checkView(r.Context(), m, true)
	v.LocationStates = a.locationViews(r.Context(), m.OrgID, m.ID)
	writeJSON(w, http.StatusOK, map[string]any{"check": v})
}

func (a *API) updateCheck(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok || !a.checksOr503(w) {
		return
	}
	s, ok := a.decodeCheck(w, r)
	if !ok || !a.checkLocations(w, r, m.OrgID, s) {
		return
	}
	m, token, err := a.storeCheck(r.Context(), m.OrgID, m.ID, s)
	if err != nil {
		a.saveCheckError(w, r, s, err)
		return
	}
	a.audit(r, "check.update", s.Name, "check id "+strconv.FormatInt(m.ID, 10))
	writeJSON(w, http.StatusOK, map[string]any{"check": a.checkView(r.Context(), m, false), "push_url": a.pushURL(token)})
}

func (a *API) deleteCheck(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok || !a.checksOr503(w) {
		return
	}
	if err := a.cfg.Meta.DeleteCheck(r.Context(), m.OrgID, m.ID); err != nil {
		a.internal(w, r, "delete check", err)
		return
	}
	if err := a.cfg.Checks.Remove(r.Context(), m.ID); err != nil {
		a.internal(w, r, "delete check results", err)
		return
	}
	a.audit(r, "check.delete", m.Name, "check id "+strconv.FormatInt(m.ID, 10))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) rotatePushToken(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	if m.Type != check.TypePush {
		writeError(w, http.StatusBadRequest, "only push checks have a push URL", "type")
		return
	}
	token, err := a.cfg.Meta.RotatePushToken(r.Context(), m.OrgID, m.ID)
	if err != nil {
		a.internal(w, r, "rotate push token", err)
		return
	}
	a.audit(r, "check.push_rotate", m.Name, "old push URL revoked")
	writeJSON(w, http.StatusOK, map[string]any{"push_url": a.pushURL(token)})
}

// checkSeries answers the response-time and state series of a check (same shape as a host's).
func (a *API) checkSeries(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	sq, ok := a.seriesQuery(w, r)
	if !ok {
		return
	}
	sq.Names = []string{check.SeriesResponse, check.SeriesState, check.SeriesLocResponse, check.SeriesLocState}
	res, err := a.cfg.Series.QuerySeries(r.Context(), check.SeriesOwner(m.ID), sq)
	if err != nil {
		a.internal(w, r, "query check series", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (a *API) checkUptime(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uptime": a.uptimes(r.Context(), m.ID)})
}

// uptimes reports uptime over every window; null where no probe ran in it.
func (a *API) uptimes(ctx context.Context, id int64) map[string]*float64 {
	out := map[string]*float64{}
	for _, win := range check.UptimeWindows {
		if pct, ok := a.uptime(ctx, id, win.D); ok {
			out[win.Name] = &pct
		} else {
			out[win.Name] = nil
		}
	}
	return out
}

// eventRange parses from/to (default: the last 90 days).
func (a *API) eventRange(w http.ResponseWriter, r *http.Request) (time.Time, time.Time, bool) {
	now := a.cfg.Now()
	from, to := now.Add(-90*24*time.Hour), now
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			ms, ok := parseTime(v)
			if !ok || ms < 0 {
				writeError(w, http.StatusBadRequest, p.name+" must be unix milliseconds or an RFC 3339 time", p.name)
				return from, to, false
			}
			*p.dst = time.UnixMilli(ms).UTC()
		}
	}
	if to.Before(from) {
		writeError(w, http.StatusBadRequest, "to must not be before from", "to")
		return from, to, false
	}
	return from, to, true
}

// maxEvents bounds one history answer.
const maxEvents = 1000

func (a *API) checkEvents(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	from, to, ok := a.eventRange(w, r)
	if !ok {
		return
	}
	ev, err := a.cfg.Meta.CheckEvents(r.Context(), m.ID, from, to, maxEvents)
	if err != nil {
		a.internal(w, r, "read check history", err)
		return
	}
	if len(ev) > 0 && ev[0].At.Before(from) {
		ev = ev[1:] // the state before the range is context, not history of the range
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": ev})
}

func (a *API) checkIncidents(w http.ResponseWriter, r *http.Request) {
	m, ok := a.orgCheck(w, r)
	if !ok {
		return
	}
	from, to, ok := a.eventRange(w, r)
	if !ok {
		return
	}
	inc, err := a.incidents(r.Context(), m.ID, from, to)
	if err != nil {
		a.internal(w, r, "read check incidents", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": inc})
}

func (a *API) incidents(ctx context.Context, id int64, from, to time.Time) ([]check.Incident, error) {
	ev, err := a.cfg.Meta.CheckEvents(ctx, id, from, to, maxEvents)
	if err != nil {
		return nil, err
	}
	events := make([]check.Event, len(ev))
	for i, e := range ev {
		events[i] = check.Event{At: e.At, Up: e.Up, Message: e.Message}
	}
	return check.Incidents(events, from, to, a.cfg.Now()), nil
}

// push records a call of a push check's URL. It is public: the secret token in the path is the
// credential. ?status=down (or "fail") reports the job's own failure, ?msg= says why.
func (a *API) push(w http.ResponseWriter, r *http.Request) {
	if !a.checksOr503(w) {
		return
	}
	token := r.PathValue("token")
	if !strings.HasPrefix(token, "vgp_") || len(token) > 100 {
		writeError(w, http.StatusNotFound, "no push check with this URL", "token")
		return
	}
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBody)) // a job may post its output; it is not kept
	}
	status := strings.ToLower(r.URL.Query().Get("status"))
	if status != "" && status != "up" && status != "ok" && status != "down" && status != "fail" {
		writeError(w, http.StatusBadRequest, "status must be up, ok, down or fail", "status")
		return
	}
	msg := r.URL.Query().Get("msg")
	if len(msg) > 200 {
		msg = msg[:200]
	}
	down := status == "down" || status == "fail"
	m, err := a.cfg.Meta.RecordPush(r.Context(), token, a.cfg.Now(), down, msg)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no push check with this URL", "token")
		return
	}
	if err != nil {
		a.internal(w, r, "record push", err)
		return
	}
	a.cfg.Checks.Pushed(m.ID, *m.Push)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
