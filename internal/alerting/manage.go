package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Errors callers (the API) branch on; validation problems are *alert.FieldError values.
var (
	ErrNotFound = meta.ErrNotFound
	ErrConflict = meta.ErrConflict
)

// ActiveAlert is an alert instance that is not ok, with its host's name for display.
type ActiveAlert struct {
	alert.Status
	Host string `json:"host,omitempty"`
}

// Active returns the organization's current alerts (pending, firing, just resolved).
func (s *Service) Active(ctx context.Context, orgID int64) ([]ActiveAlert, error) {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return nil, err
	}
	st := o.eng.Active(s.cfg.Now())
	out := make([]ActiveAlert, len(st))
	for i, a := range st {
		out[i] = ActiveAlert{Status: a}
		if a.Key.HostID != "" {
			out[i].Host = o.hostName(a.Key.HostID)
		}
	}
	return out, nil
}

// HostAlerts is what a host view shows: how many alerts fire on the host and the worst
// severity among them.
type HostAlerts struct {
	Firing   int            `json:"firing"`
	Severity alert.Severity `json:"severity,omitempty"`
}

// HostAlerts returns, per host ID, the firing alerts of an organization's hosts; hosts
// without firing alerts are absent.
func (s *Service) HostAlerts(ctx context.Context, orgID int64) map[int64]HostAlerts {
	out := map[int64]HostAlerts{}
	o, err := s.load(ctx, orgID)
	if err != nil {
		s.log.Warn("host alert counts unavailable", "org", orgID, "err", err)
		return out
	}
	for _, a := range o.eng.Active(s.cfg.Now()) {
		id, err := strconv.ParseInt(a.Key.HostID, 10, 64)
		if err != nil || a.State != alert.StateFiring {
			continue
		}
		out[id] = out[id].add(a.Severity)
	}
	return out
}

// add counts one more firing alert of severity sev.
func (h HostAlerts) add(sev alert.Severity) HostAlerts {
	h.Firing++
	if sev == alert.SevCritical || h.Severity == "" {
		h.Severity = sev
	}
	return h
}

// Ack acknowledges a firing alert (stops repeats and escalation) with the actor's comment;
// the action goes to the history.
func (s *Service) Ack(ctx context.Context, orgID int64, k alert.Key, actor, comment string) error {
	return s.manual(ctx, orgID, k, actor, comment, (*alert.Engine).Ack)
}

// Unack withdraws an acknowledgement.
func (s *Service) Unack(ctx context.Context, orgID int64, k alert.Key, actor, comment string) error {
	return s.manual(ctx, orgID, k, actor, comment, (*alert.Engine).Unack)
}

func (s *Service) manual(ctx context.Context, orgID int64, k alert.Key, actor, comment string,
	f func(*alert.Engine, alert.Key, string, string, time.Time) (alert.Transition, error)) error {
	if len(comment) > 1000 {
		return fieldErr("comment", "must be at most 1000 characters")
	}
	o, err := s.load(ctx, orgID)
	if err != nil {
		return err
	}
	tr, err := f(o.eng, k, actor, comment, s.cfg.Now())
	if err != nil {
		return err
	}
	s.handle(ctx, o, []alert.Transition{tr}, nil, tr.At)
	s.save(ctx, o)
	return nil
}

// Rules returns the organization's rules sorted by ID.
func (s *Service) Rules(ctx context.Context, orgID int64) ([]alert.Rule, error) {
	if _, err := s.load(ctx, orgID); err != nil {
		return nil, err
	}
	return loadDocs[alert.Rule](ctx, s.cfg.DB, meta.AlertRules, orgID)
}

// PutRule validates and stores a rule: created when create is set (ErrConflict if the ID
// exists), else replacing the rule with that ID (ErrNotFound if none). An empty ID on
// create is derived from the name.
func (s *Service) PutRule(ctx context.Context, orgID int64, r alert.Rule, create bool) (alert.Rule, error) {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return r, err
	}
	if create && r.ID == "" {
		r.ID = slug(r.Name)
	}
	o.mu.RLock()
	chans := o.channels
	o.mu.RUnlock()
	if err := errors.Join(r.Validate(s.cfg.KnownMetric), idErr(r.ID), routingErr("routing.", r.Routing, chans)); err != nil {
		return r, err
	}
	return r, s.putDoc(ctx, o, meta.AlertRules, r.ID, r, create)
}

// DeleteRule removes a rule and its alert instances (without notifications).
func (s *Service) DeleteRule(ctx context.Context, orgID int64, id string) error {
	return s.deleteDoc(ctx, orgID, meta.AlertRules, id)
}

// Silences returns the organization's silences and maintenance windows.
func (s *Service) Silences(ctx context.Context, orgID int64) ([]alert.Window, error) {
	if _, err := s.load(ctx, orgID); err != nil {
		return nil, err
	}
	return loadDocs[alert.Window](ctx, s.cfg.DB, meta.AlertSilences, orgID)
}

// PutSilence validates and stores a silence or maintenance window, like PutRule. An empty
// ID on create is generated.
func (s *Service) PutSilence(ctx context.Context, orgID int64, w alert.Window, create bool) (alert.Window, error) {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return w, err
	}
	if create && w.ID == "" {
		w.ID = slug(w.Name) + "-" + strconv.FormatInt(s.cfg.Now().Unix()%1e6, 36)
	}
	if err := errors.Join(w.Validate(), idErr(w.ID)); err != nil {
		return w, err
	}
	return w, s.putDoc(ctx, o, meta.AlertSilences, w.ID, w, create)
}

// DeleteSilence removes a silence; held notifications are reconciled on the next tick.
func (s *Service) DeleteSilence(ctx context.Context, orgID int64, id string) error {
	return s.deleteDoc(ctx, orgID, meta.AlertSilences, id)
}

// Channels returns the organization's channels with secrets redacted.
func (s *Service) Channels(ctx context.Context, orgID int64) ([]Channel, error) {
	if _, err := s.load(ctx, orgID); err != nil {
		return nil, err
	}
	cs, err := s.loadChannels(ctx, orgID)
	for i := range cs {
		cs[i] = cs[i].Redact()
	}
	return cs, err
}

// PutChannel validates and stores a channel. Secrets sent back as Redacted keep their stored
// value. The returned channel is redacted.
func (s *Service) PutChannel(ctx context.Context, orgID int64, c Channel, create bool) (Channel, error) {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return c, err
	}
	if create && c.ID == "" {
		c.ID = slug(c.Name)
	}
	var old *Channel
	if !create {
		o.mu.RLock()
		if prev, ok := o.channels[c.ID]; ok {
			old = &prev
		}
		o.mu.RUnlock()
		if old == nil {
			return c, fmt.Errorf("channel %q: %w", c.ID, ErrNotFound)
		}
	}
	if err := c.keepSecrets(old); err != nil {
		return c.Redact(), err
	}
	if err := c.Validate(); err != nil {
		return c.Redact(), err
	}
	stored, err := s.seal(orgID, c)
	if err != nil {
		return c.Redact(), err
	}
	return c.Redact(), s.putDoc(ctx, o, meta.AlertChannels, c.ID, stored, create)
}

// DeleteChannel removes a channel; it refuses (a field error on "id") while a rule, the
// default route or an escalation still names it.
func (s *Service) DeleteChannel(ctx context.Context, orgID int64, id string) error {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return err
	}
	o.mu.RLock()
	var users []string
	for _, r := range o.rules {
		if slices.Contains(r.Routing.Warning, id) || slices.Contains(r.Routing.Critical, id) || r.Routing.EscalateTo == id {
			users = append(users, "rule "+r.ID)
		}
	}
	if slices.Contains(o.route.Warning, id) || slices.Contains(o.route.Critical, id) {
		users = append(users, "the default route")
	}
	o.mu.RUnlock()
	if len(users) > 0 {
		return fieldErr("id", "channel %q is still used by %s", id, strings.Join(users, ", "))
	}
	return s.deleteDoc(ctx, orgID, meta.AlertChannels, id)
}

// TestChannel sends a test message through a channel once and returns the delivery error.
func (s *Service) TestChannel(ctx context.Context, orgID int64, id string) error {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return err
	}
	o.mu.RLock()
	_, ok := o.channels[id]
	disp := o.disp
	o.mu.RUnlock()
	if !ok {
		return fmt.Errorf("channel %q: %w", id, ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := disp.Test(ctx, id); err != nil {
		return errors.New(o.redact(id, err.Error()))
	}
	return nil
}

// DefaultRoute returns the channels for alerts whose rule names none.
func (s *Service) DefaultRoute(ctx context.Context, orgID int64) (Route, error) {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return Route{}, err
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	r := Route{Warning: slices.Clone(o.route.Warning), Critical: slices.Clone(o.route.Critical)}
	if r.Warning == nil {
		r.Warning = []string{}
	}
	if r.Critical == nil {
		r.Critical = []string{}
	}
	return r, nil
}

// SetDefaultRoute validates (every channel must exist) and stores the default route.
func (s *Service) SetDefaultRoute(ctx context.Context, orgID int64, r Route) error {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return err
	}
	o.mu.RLock()
	err = routingErr("", alert.Routing{Warning: r.Warning, Critical: r.Critical}, o.channels)
	o.mu.RUnlock()
	if err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	if err := s.cfg.DB.SetAlertSetting(ctx, orgID, meta.AlertSettingRoute, b); err != nil {
		return err
	}
	return s.reload(ctx, o)
}

func (s *Service) putDoc(ctx context.Context, o *org, k meta.AlertKind, id string, v any, create bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if create {
		err = s.cfg.DB.CreateAlertDoc(ctx, k, o.id, id, b)
	} else {
		err = s.cfg.DB.UpdateAlertDoc(ctx, k, o.id, id, b)
	}
	if err != nil {
		return err
	}
	return s.reload(ctx, o)
}

func (s *Service) deleteDoc(ctx context.Context, orgID int64, k meta.AlertKind, id string) error {
	o, err := s.load(ctx, orgID)
	if err != nil {
		return err
	}
	if err := s.cfg.DB.DeleteAlertDoc(ctx, k, orgID, id); err != nil {
		return err
	}
	return s.reload(ctx, o)
}

func idErr(id string) error {
	if !idPattern.MatchString(id) {
		return fieldErr("id", "must be 1–64 lowercase letters, digits, '.', '-' or '_', starting with a letter or digit")
	}
	return nil
}

// routingErr names the first unknown channel per routing field.
func routingErr(prefix string, r alert.Routing, chans map[string]Channel) error {
	var errs []error
	for _, f := range []struct {
		field string
		ids   []string
	}{{prefix + "warning", r.Warning}, {prefix + "critical", r.Critical}, {prefix + "escalate_to", []string{r.EscalateTo}}} {
		for _, id := range f.ids {
			if _, ok := chans[id]; id != "" && !ok {
				errs = append(errs, fieldErr(f.field, "unknown channel %q", id))
				break
			}
		}
	}
	return errors.Join(errs...)
}

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

// slug derives an ID from a name: "Disk usage /var" → "disk-usage-var".
func slug(name string) string {
	s := strings.Trim(slugStrip.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	return s
}
