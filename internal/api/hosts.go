package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

type hostJSON struct {
	meta.Host
	Online bool    `json:"online"`
	Latest *Latest `json:"latest"`
	// Alerts is the host's firing alerts (count and worst severity) when alerting runs.
	Alerts *alerting.HostAlerts `json:"alerts,omitempty"`
}

func (a *API) hostView(h meta.Host) hostJSON {
	v := hostJSON{Host: h, Online: a.cfg.Fleet.Online(h.ID)}
	if l, ok := a.cfg.Fleet.Latest(h.ID); ok {
		v.Latest = &l
	}
	if len(bytes.TrimSpace(v.Facts)) == 0 {
		v.Facts = []byte("{}")
	}
	return v
}

func (a *API) listHosts(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	hosts, err := a.cfg.Meta.ListHosts(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list hosts", err)
		return
	}
	out := make([]hostJSON, len(hosts))
	for i, h := range hosts {
		out[i] = a.hostView(h)
	}
	a.withAlerts(r, out)
	writeJSON(w, http.StatusOK, map[string]any{"hosts": out})
}

// ValidHostName accepts what people call servers: letters, digits, spaces and . - _, up to 100
// bytes. The admin CLI applies the same rule as the API.
func ValidHostName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for _, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune(".-_ ", c) {
			return false
		}
	}
	return true
}

const badHostName = "name must be 1–100 letters, digits, spaces, dots, dashes or underscores"

// hostTags normalizes tags from a request body, answering 400 with field "tags" when one is bad.
func hostTags(w http.ResponseWriter, tags []string) ([]string, bool) {
	out, err := meta.NormalizeTags(tags)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "tags")
		return nil, false
	}
	return out, true
}

func (a *API) createHost(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if !decode(w, r, &body) {
		return
	}
	name := strings.TrimSpace(body.Name)
	if !ValidHostName(name) {
		writeError(w, http.StatusBadRequest, badHostName, "name")
		return
	}
	tags, ok := hostTags(w, body.Tags)
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	h, token, err := a.cfg.Meta.CreateHost(r.Context(), p.OrgID, name)
	if errors.Is(err, meta.ErrConflict) {
		writeError(w, http.StatusConflict, "a host named "+strconv.Quote(name)+" already exists", "name")
		return
	}
	if err == nil && len(tags) > 0 {
		h, err = a.cfg.Meta.UpdateHost(r.Context(), p.OrgID, h.ID, meta.HostUpdate{Tags: tags})
	}
	if err != nil {
		a.internal(w, r, "create host", err)
		return
	}
	a.log.Info("host created", "host", name, "host_id", h.ID, "by", p.Email)
	a.audit(r, "host.create", name, "host id "+strconv.FormatInt(h.ID, 10))
	writeJSON(w, http.StatusCreated, map[string]any{
		"host": a.hostView(h), "token": token,
		"command": AgentCommand(a.cfg.PublicURL, token),
	})
}

// AgentCommand is the exact command to run the agent for a new host.
func AgentCommand(publicURL, token string) string {
	return "vigil-agent --hub " + publicURL + " --token " + token
}

// pathID parses the {id} path parameter; an invalid id answers 404 like a missing one.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "no such id: "+strconv.Quote(r.PathValue("id")), "id")
		return 0, false
	}
	return id, true
}

// orgHost loads a host of the caller's organization; any other answers 404.
func (a *API) orgHost(w http.ResponseWriter, r *http.Request) (meta.Host, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return meta.Host{}, false
	}
	p, _ := auth.FromContext(r.Context())
	h, err := a.cfg.Meta.GetHost(r.Context(), p.OrgID, id)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no host with id "+strconv.FormatInt(id, 10), "id")
		return meta.Host{}, false
	}
	if err != nil {
		a.internal(w, r, "load host", err)
		return meta.Host{}, false
	}
	return h, true
}

func (a *API) getHost(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	v := []hostJSON{a.hostView(h)}
	a.withAlerts(r, v)
	writeJSON(w, http.StatusOK, map[string]any{"host": v[0], "latest": v[0].Latest})
}

// updateHost renames a host and/or replaces its tags; fields left out of the body stay.
func (a *API) updateHost(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	var body struct {
		Name *string  `json:"name"`
		Tags []string `json:"tags"`
	}
	if !decode(w, r, &body) {
		return
	}
	var u meta.HostUpdate
	if body.Name != nil {
		name := strings.TrimSpace(*body.Name)
		if !ValidHostName(name) {
			writeError(w, http.StatusBadRequest, badHostName, "name")
			return
		}
		u.Name = &name
	}
	if body.Tags != nil {
		if u.Tags, ok = hostTags(w, body.Tags); !ok {
			return
		}
	}
	if u.Name == nil && u.Tags == nil {
		writeError(w, http.StatusBadRequest, "nothing to change: send name and/or tags", "")
		return
	}
	updated, err := a.cfg.Meta.UpdateHost(r.Context(), h.OrgID, h.ID, u)
	if errors.Is(err, meta.ErrConflict) {
		writeError(w, http.StatusConflict, "a host named "+strconv.Quote(*u.Name)+" already exists", "name")
		return
	}
	if err != nil {
		a.internal(w, r, "update host", err)
		return
	}
	detail := "tags " + strings.Join(updated.Tags, ",")
	if u.Name != nil && h.Name != updated.Name {
		detail = "renamed from " + strconv.Quote(h.Name) + "; " + detail
	}
	a.audit(r, "host.update", updated.Name, detail)
	writeJSON(w, http.StatusOK, map[string]any{"host": a.hostView(updated)})
}

func (a *API) deleteHost(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Meta.DeleteHost(r.Context(), h.OrgID, h.ID); err != nil {
		a.internal(w, r, "delete host", err)
		return
	}
	if err := a.cfg.Hosts.DeleteHostData(r.Context(), h.ID); err != nil {
		a.internal(w, r, "delete host data", err)
		return
	}
	p, _ := auth.FromContext(r.Context())
	a.log.Info("host deleted", "host", h.Name, "host_id", h.ID, "by", p.Email)
	a.audit(r, "host.delete", h.Name, "host id "+strconv.FormatInt(h.ID, 10))
	w.WriteHeader(http.StatusNoContent)
}

// rotateHostToken revokes the host's agent token and issues a new one; the agent connected with
// the old token is disconnected at once and refused from then on.
func (a *API) rotateHostToken(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	token, err := a.cfg.Meta.RotateHostToken(r.Context(), h.OrgID, h.ID)
	if err != nil {
		a.internal(w, r, "rotate agent token", err)
		return
	}
	if a.cfg.Agents != nil {
		a.cfg.Agents.Disconnect(h.ID, "agent token revoked")
	}
	p, _ := auth.FromContext(r.Context())
	a.log.Info("agent token rotated; old token revoked", "host", h.Name, "host_id", h.ID, "by", p.Email)
	a.audit(r, "host.token_rotate", h.Name, "old agent token revoked")
	writeJSON(w, http.StatusOK, map[string]any{"host": a.hostView(h), "token": token, "command": AgentCommand(a.cfg.PublicURL, token)})
}

// parseTime accepts unix milliseconds or RFC 3339.
func parseTime(s string) (int64, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UnixMilli(), true
	}
	return 0, false
}

const maxRange = 3 * 366 * 24 * time.Hour

func (a *API) hostSeries(w http.ResponseWriter, r *http.Request) {
	h, ok := a.orgHost(w, r)
	if !ok {
		return
	}
	sq, ok := a.seriesQuery(w, r)
	if !ok {
		return
	}
	res, err := a.cfg.Series.QuerySeries(r.Context(), h.ID, sq)
	if err != nil {
		a.internal(w, r, "query series", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// SeriesResult is the columnar chart data of docs/api.md.
type SeriesResult struct {
	From   int64        `json:"from"`
	To     int64        `json:"to"`
	Step   int64        `json:"step"`
	Tier   string       `json:"tier"`
	Times  []int64      `json:"times"`
	Series []SeriesData `json:"series"`
}

// SeriesData is one series; NaN values (no data) are written as JSON null.
type SeriesData struct {
	Name   string    `json:"name"`
	Label  string    `json:"label"`
	Unit   string    `json:"unit"`
	Values []float64 `json:"-"`
}

// MarshalJSON writes values with null for NaN and ±Inf, which JSON cannot represent.
func (s SeriesData) MarshalJSON() ([]byte, error) {
	b := []byte(`{"name":`)
	b = appendJSONString(b, s.Name)
	b = append(b, `,"label":`...)
	b = appendJSONString(b, s.Label)
	b = append(b, `,"unit":`...)
	b = appendJSONString(b, s.Unit)
	b = append(b, `,"values":[`...)
	for i, v := range s.Values {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	return append(b, "]}"...), nil
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // strings always marshal
	return append(b, q...)
}

// seriesQuery parses from, to, step and names, answering 400 naming the bad parameter.
func (a *API) seriesQuery(w http.ResponseWriter, r *http.Request) (SeriesQuery, bool) {
	q := r.URL.Query()
	now := a.cfg.Now().UnixMilli()
	sq := SeriesQuery{From: now - time.Hour.Milliseconds(), To: now}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"from", &sq.From}, {"to", &sq.To}, {"step", &sq.Step}} {
		if v := q.Get(p.name); v != "" {
			t, ok := parseTime(v)
			if !ok || t < 0 {
				writeError(w, http.StatusBadRequest, p.name+" must be unix milliseconds or an RFC 3339 time", p.name)
				return sq, false
			}
			*p.dst = t
		}
	}
	if sq.To < sq.From {
		writeError(w, http.StatusBadRequest, "to must not be before from", "to")
		return sq, false
	}
	if sq.To-sq.From > maxRange.Milliseconds() {
		writeError(w, http.StatusBadRequest, "range longer than 3 years", "from")
		return sq, false
	}
	if names := q.Get("names"); names != "" {
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n != "" {
				if len(n) > 100 {
					writeError(w, http.StatusBadRequest, "metric name longer than 100 characters", "names")
					return sq, false
				}
				sq.Names = append(sq.Names, n)
			}
		}
	}
	return sq, true
}
