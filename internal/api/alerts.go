package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/alerting"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// The alerting routes (issue 5): active alerts and history, acknowledge, and the
// configuration — rules, channels, silences, default route — with YAML export and import.
// The alerting service validates; these handlers translate its errors: a *alert.FieldError
// becomes 400 naming the field, ErrNotFound 404, ErrConflict and "not firing" 409.

// alertsOn answers 503 when the hub runs without alerting (tools, some tests).
func (a *API) alertsOn(w http.ResponseWriter) bool {
	if a.cfg.Alerting == nil {
		writeError(w, http.StatusServiceUnavailable, "this hub runs without alerting", "")
		return false
	}
	return true
}

func (a *API) alertErr(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch fields := alert.Fields(err); {
	case len(fields) > 0:
		writeError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "\n", "; "), fields[0])
	case errors.Is(err, alerting.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such "+what, "")
	case errors.Is(err, alerting.ErrConflict):
		writeError(w, http.StatusConflict, "a "+what+" with this id already exists", "id")
	case errors.Is(err, alert.ErrNotFiring), errors.Is(err, alert.ErrNotAcked):
		writeError(w, http.StatusConflict, err.Error(), "")
	default:
		a.internal(w, r, "change "+what, err)
	}
}

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	act, err := a.cfg.Alerting.Active(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list alerts", err)
		return
	}
	if act == nil {
		act = []alerting.ActiveAlert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": act})
}

type ackBody struct {
	RuleID  string `json:"rule_id"`
	HostID  string `json:"host_id"`
	Label   string `json:"label"`
	Comment string `json:"comment"`
}

func (a *API) ackAlert(w http.ResponseWriter, r *http.Request)   { a.ackOrUnack(w, r, true) }
func (a *API) unackAlert(w http.ResponseWriter, r *http.Request) { a.ackOrUnack(w, r, false) }

func (a *API) ackOrUnack(w http.ResponseWriter, r *http.Request, ack bool) {
	if !a.alertsOn(w) {
		return
	}
	var b ackBody
	if !decode(w, r, &b) {
		return
	}
	if b.RuleID == "" {
		writeError(w, http.StatusBadRequest, "rule_id is required", "rule_id")
		return
	}
	p, _ := auth.FromContext(r.Context())
	k := alert.Key{RuleID: b.RuleID, HostID: b.HostID, Label: b.Label}
	f := a.cfg.Alerting.Unack
	if ack {
		f = a.cfg.Alerting.Ack
	}
	if err := f(r.Context(), p.OrgID, k, p.Email, strings.TrimSpace(b.Comment)); err != nil {
		a.alertErr(w, r, "alert", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (a *API) alertHistory(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	q := r.URL.Query()
	f := meta.AlertEventFilter{RuleID: q.Get("rule"), HostID: q.Get("host"), Severity: q.Get("severity"), State: q.Get("state")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, p.name+" must be an RFC 3339 time such as 2026-12-04T10:00:00Z", p.name)
				return
			}
			*p.dst = t
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"before", &f.BeforeID}, {"limit", new(int64)}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, p.name+" must be a non-negative integer", p.name)
				return
			}
			*p.dst = n
			if p.name == "limit" {
				f.Limit = int(min(n, 1000))
			}
		}
	}
	p, _ := auth.FromContext(r.Context())
	ev, err := a.cfg.Meta.ListAlertEvents(r.Context(), p.OrgID, f)
	if err != nil {
		a.internal(w, r, "list alert history", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": ev})
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ds, err := a.cfg.Meta.ListDeliveries(r.Context(), p.OrgID, r.URL.Query().Get("channel"), limit)
	if err != nil {
		a.internal(w, r, "list deliveries", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

// docExists answers 404 unless the organization has the document; PUT and DELETE check it
// before reading the body so that another organization's IDs are never told apart from
// invalid input.
func (a *API) docExists(w http.ResponseWriter, r *http.Request, k meta.AlertKind, what string) (string, bool) {
	p, _ := auth.FromContext(r.Context())
	id := r.PathValue("id")
	if _, err := a.cfg.Meta.GetAlertDoc(r.Context(), k, p.OrgID, id); err != nil {
		if errors.Is(err, meta.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no "+what+" "+strconv.Quote(id), "")
		} else {
			a.internal(w, r, "find "+what, err)
		}
		return id, false
	}
	return id, true
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	rules, err := a.cfg.Alerting.Rules(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list rules", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules})
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request) { a.putRule(w, r, true) }
func (a *API) updateRule(w http.ResponseWriter, r *http.Request) { a.putRule(w, r, false) }

func (a *API) putRule(w http.ResponseWriter, r *http.Request, create bool) {
	if !a.alertsOn(w) {
		return
	}
	id := ""
	if !create {
		var ok bool
		if id, ok = a.docExists(w, r, meta.AlertRules, "rule"); !ok {
			return
		}
	}
	var rule alert.Rule
	if !decode(w, r, &rule) {
		return
	}
	if !create {
		if rule.ID != "" && rule.ID != id {
			writeError(w, http.StatusBadRequest, "id cannot be changed; create a new rule instead", "id")
			return
		}
		rule.ID = id
	}
	p, _ := auth.FromContext(r.Context())
	saved, err := a.cfg.Alerting.PutRule(r.Context(), p.OrgID, rule, create)
	if err != nil {
		a.alertErr(w, r, "rule", err)
		return
	}
	a.auditAlerting(r, map[bool]string{true: "alert_rule.create", false: "alert_rule.update"}[create], saved.ID)
	writeJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[create], map[string]any{"rule": saved})
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request) {
	a.deleteAlertDoc(w, r, meta.AlertRules, "rule", "alert_rule.delete")
}

func (a *API) deleteAlertDoc(w http.ResponseWriter, r *http.Request, k meta.AlertKind, what, action string) {
	if !a.alertsOn(w) {
		return
	}
	id, ok := a.docExists(w, r, k, what)
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	var err error
	switch k {
	case meta.AlertRules:
		err = a.cfg.Alerting.DeleteRule(r.Context(), p.OrgID, id)
	case meta.AlertChannels:
		err = a.cfg.Alerting.DeleteChannel(r.Context(), p.OrgID, id)
	case meta.AlertSilences:
		err = a.cfg.Alerting.DeleteSilence(r.Context(), p.OrgID, id)
	}
	if err != nil {
		a.alertErr(w, r, what, err)
		return
	}
	a.auditAlerting(r, action, id)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listChannels(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	cs, err := a.cfg.Alerting.Channels(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list channels", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": cs})
}

func (a *API) createChannel(w http.ResponseWriter, r *http.Request) { a.putChannel(w, r, true) }
func (a *API) updateChannel(w http.ResponseWriter, r *http.Request) { a.putChannel(w, r, false) }

func (a *API) putChannel(w http.ResponseWriter, r *http.Request, create bool) {
	if !a.alertsOn(w) {
		return
	}
	id := ""
	if !create {
		var ok bool
		if id, ok = a.docExists(w, r, meta.AlertChannels, "channel"); !ok {
			return
		}
	}
	var c alerting.Channel
	if !decode(w, r, &c) {
		return
	}
	if !create {
		if c.ID != "" && c.ID != id {
			writeError(w, http.StatusBadRequest, "id cannot be changed; create a new channel instead", "id")
			return
		}
		c.ID = id
	}
	p, _ := auth.FromContext(r.Context())
	saved, err := a.cfg.Alerting.PutChannel(r.Context(), p.OrgID, c, create)
	if err != nil {
		a.alertErr(w, r, "channel", err)
		return
	}
	a.auditAlerting(r, map[bool]string{true: "alert_channel.create", false: "alert_channel.update"}[create], saved.ID)
	writeJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[create], map[string]any{"channel": saved})
}

func (a *API) deleteChannel(w http.ResponseWriter, r *http.Request) {
	a.deleteAlertDoc(w, r, meta.AlertChannels, "channel", "alert_channel.delete")
}

// testChannel sends a test message once. A delivery failure is the answer the user asked
// for, not an API error: 200 with ok false and the (redacted) reason.
func (a *API) testChannel(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	id, ok := a.docExists(w, r, meta.AlertChannels, "channel")
	if !ok {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if err := a.cfg.Alerting.TestChannel(r.Context(), p.OrgID, id); err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (a *API) listSilences(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	ws, err := a.cfg.Alerting.Silences(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list silences", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"silences": ws})
}

func (a *API) createSilence(w http.ResponseWriter, r *http.Request) { a.putSilence(w, r, true) }
func (a *API) updateSilence(w http.ResponseWriter, r *http.Request) { a.putSilence(w, r, false) }

func (a *API) putSilence(w http.ResponseWriter, r *http.Request, create bool) {
	if !a.alertsOn(w) {
		return
	}
	id := ""
	if !create {
		var ok bool
		if id, ok = a.docExists(w, r, meta.AlertSilences, "silence"); !ok {
			return
		}
	}
	var s alert.Window
	if !decode(w, r, &s) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if !create {
		s.ID = id
	}
	if create && s.CreatedBy == "" {
		s.CreatedBy = p.Email
	}
	saved, err := a.cfg.Alerting.PutSilence(r.Context(), p.OrgID, s, create)
	if err != nil {
		a.alertErr(w, r, "silence", err)
		return
	}
	a.auditAlerting(r, map[bool]string{true: "alert_silence.create", false: "alert_silence.update"}[create], saved.ID)
	writeJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[create], map[string]any{"silence": saved})
}

func (a *API) deleteSilence(w http.ResponseWriter, r *http.Request) {
	a.deleteAlertDoc(w, r, meta.AlertSilences, "silence", "alert_silence.delete")
}

func (a *API) getRoute(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	rt, err := a.cfg.Alerting.DefaultRoute(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "read default route", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"route": rt})
}

func (a *API) setRoute(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	var rt alerting.Route
	if !decode(w, r, &rt) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	if err := a.cfg.Alerting.SetDefaultRoute(r.Context(), p.OrgID, rt); err != nil {
		a.alertErr(w, r, "route", err)
		return
	}
	a.auditAlerting(r, "alert_route.update", "default")
	a.getRoute(w, r)
}

func (a *API) exportAlerting(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	y, err := a.cfg.Alerting.Export(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "export alerting configuration", err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vigil-alerting.yaml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(y)
}

// importAlerting replaces rules, channels, silences and the default route with a YAML
// bundle (as exported), all or nothing.
func (a *API) importAlerting(w http.ResponseWriter, r *http.Request) {
	if !a.alertsOn(w) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody), "")
		return
	}
	p, _ := auth.FromContext(r.Context())
	b, err := a.cfg.Alerting.Import(r.Context(), p.OrgID, body)
	if err != nil {
		a.alertErr(w, r, "configuration", err)
		return
	}
	a.auditAlerting(r, "alerting.import", fmt.Sprintf("%d rules, %d channels, %d silences", len(b.Rules), len(b.Channels), len(b.Silences)))
	writeJSON(w, http.StatusOK, map[string]int{"rules": len(b.Rules), "channels": len(b.Channels), "silences": len(b.Silences)})
}

// auditAlerting records a configuration change in the audit log.
func (a *API) auditAlerting(r *http.Request, action, target string) { a.audit(r, action, target, "") }

// withAlerts adds each host's firing-alert count and worst severity to host views.
func (a *API) withAlerts(r *http.Request, views []hostJSON) {
	if a.cfg.Alerting == nil || len(views) == 0 {
		return
	}
	p, _ := auth.FromContext(r.Context())
	counts := a.cfg.Alerting.HostAlerts(r.Context(), p.OrgID)
	for i := range views {
		c := counts[views[i].ID]
		views[i].Alerts = &c
	}
}
