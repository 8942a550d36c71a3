package alerting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/notify"
)

// org is one organization's alerting: its engine and grouper, and its configuration as
// loaded from the store.
type org struct {
	id        int64
	refreshed time.Time // hosts last re-read
	eng       *alert.Engine
	group     *alert.Grouper
	dirty     atomic.Bool // engine state changed since the last save

	// unsaved holds history entries whose write failed (a cancelled request, a database
	// error); Step and shutdown write them again, so a transition is never only in memory
	// until the process ends. Bounded by maxUnsaved.
	histMu  sync.Mutex
	unsaved []meta.AlertEvent

	// published is the firing alerts per host last told to HostAlertsChanged.
	pubMu     sync.Mutex
	published map[int64]HostAlerts

	mu       sync.RWMutex // guards the fields below
	rules    []alert.Rule
	metrics  map[string]bool // metrics some enabled rule watches
	channels map[string]Channel
	disp     *notify.Dispatcher
	route    Route
	hosts    map[int64]*hostInfo
	reasons  map[alert.Key]string // last reason given with a check or service result
}

type hostInfo struct {
	name     string
	last     time.Time     // newest snapshot
	interval time.Duration // largest gap seen between snapshots, bounded
}

// minInterval and maxInterval bound the learned collection interval of a host. The ingest
// fan-out does not carry the agent's configured interval, so the service learns it as the
// largest gap between consecutive snapshots (live mode only shortens gaps, never lengthens
// them), starting from the agents' default of 10 s.
const (
	defaultInterval = 10 * time.Second
	maxInterval     = 10 * time.Minute
)

// load returns the organization's alerting, building it on first use: default rules are
// seeded (once in the org's life), configuration and saved state are read, and hosts get
// their last-seen times so those silent since before a restart still go down.
func (s *Service) load(ctx context.Context, orgID int64) (*org, error) {
	if o := s.loaded(orgID); o != nil {
		return o, nil
	}
	defaults := alert.DefaultRules()
	docs := make([]meta.AlertDoc, len(defaults))
	for i, r := range defaults {
		b, _ := json.Marshal(r)
		docs[i] = meta.AlertDoc{ID: r.ID, Body: b}
	}
	if seeded, err := s.cfg.DB.SeedAlertRules(ctx, orgID, docs); err != nil {
		return nil, err
	} else if seeded {
		s.log.Info("default alert rules added", "org", orgID, "rules", len(docs))
	}
	o := &org{id: orgID, eng: alert.NewEngine(alert.Config{DefaultInterval: defaultInterval}),
		group: alert.NewGrouper(s.cfg.GroupWait), hosts: map[int64]*hostInfo{}, reasons: map[alert.Key]string{}}
	if err := s.reload(ctx, o); err != nil {
		return nil, err
	}
	if raw, err := s.cfg.DB.GetAlertSetting(ctx, orgID, meta.AlertSettingState); err == nil {
		var saved []alert.Saved
		if err := json.Unmarshal(raw, &saved); err != nil {
			s.log.Warn("saved alert state unreadable; starting fresh", "org", orgID, "err", err)
		} else if n := o.eng.Restore(saved); n > 0 {
			s.log.Info("saved alert state of removed rules dropped", "org", orgID, "instances", n)
		}
	} else if !errors.Is(err, meta.ErrNotFound) {
		return nil, err
	}
	hosts, err := s.cfg.DB.ListHosts(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		s.setHost(o, h)
		if h.LastSeen != nil {
			o.eng.SetLastSeen(strconv.FormatInt(h.ID, 10), *h.LastSeen)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.orgs[orgID]; prev != nil { // loaded concurrently: keep the first
		return prev, nil
	}
	s.orgs[orgID] = o
	return o, nil
}

// reload reads rules, silences, channels and the default route from the store into o.
// Stored documents were validated when saved; one that no longer validates (a metric gone
// from the catalogue) is skipped with a warning rather than disabling every other rule.
func (s *Service) reload(ctx context.Context, o *org) error {
	rules, err := loadDocs[alert.Rule](ctx, s.cfg.DB, meta.AlertRules, o.id)
	if err != nil {
		return err
	}
	rules = slices.DeleteFunc(rules, func(r alert.Rule) bool {
		err := r.Validate(s.cfg.KnownMetric)
		if err != nil {
			s.log.Warn("stored alert rule no longer valid; skipped", "org", o.id, "rule", r.ID, "err", err)
		}
		return err != nil
	})
	if err := o.eng.SetRules(rules, s.cfg.KnownMetric); err != nil {
		return err
	}
	windows, err := loadDocs[alert.Window](ctx, s.cfg.DB, meta.AlertSilences, o.id)
	if err != nil {
		return err
	}
	windows = slices.DeleteFunc(windows, func(w alert.Window) bool { return w.Validate() != nil })
	if err := o.eng.SetWindows(windows); err != nil {
		return err
	}
	chans, err := s.loadChannels(ctx, o.id)
	if err != nil {
		return err
	}
	route := Route{}
	if raw, err := s.cfg.DB.GetAlertSetting(ctx, o.id, meta.AlertSettingRoute); err == nil {
		if err := json.Unmarshal(raw, &route); err != nil {
			return fmt.Errorf("read default route of org %d: %w", o.id, err)
		}
	} else if !errors.Is(err, meta.ErrNotFound) {
		return err
	}
	metrics := map[string]bool{}
	for _, r := range rules {
		if r.Enabled && r.Kind == alert.KindMetric {
			metrics[r.Metric] = true
		}
	}
	byID := map[string]Channel{}
	built := map[string]notify.Channel{}
	for _, c := range chans {
		byID[c.ID] = c
		nc, err := c.build()
		if err != nil {
			s.log.Warn("notification channel unusable; skipped", "org", o.id, "channel", c.ID, "type", c.Type)
			continue
		}
		built[c.ID] = nc
	}
	disp := notify.NewDispatcher(built, recorder{s: s, org: o.id, chans: byID})
	disp.MaxAttempts, disp.BaseDelay, disp.Now = s.cfg.MaxAttempts, s.cfg.RetryBase, s.cfg.Now
	o.mu.Lock()
	o.rules, o.metrics, o.channels, o.disp, o.route = rules, metrics, byID, disp, route
	o.mu.Unlock()
	return nil
}

func loadDocs[T any](ctx context.Context, db *meta.DB, k meta.AlertKind, orgID int64) ([]T, error) {
	docs, err := db.ListAlertDocs(ctx, k, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(docs))
	for _, d := range docs {
		var v T
		if err := json.Unmarshal(d.Body, &v); err != nil {
			return nil, fmt.Errorf("read %s %q of org %d: %w", k, d.ID, orgID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// refreshHost reads a host's name, cores and tags into the engine.
func (s *Service) refreshHost(ctx context.Context, o *org, hostID int64) {
	h, err := s.cfg.DB.GetHost(ctx, o.id, hostID)
	if err != nil {
		if !errors.Is(err, meta.ErrNotFound) {
			s.log.Warn("reading host for alerting failed", "host", hostID, "err", err)
		}
		return
	}
	s.setHost(o, h)
}

// refreshHosts re-reads every host of the organization, so renamed hosts and edited tags
// (scopes, silences) reach the engine without a reconnect.
func (s *Service) refreshHosts(ctx context.Context, o *org) {
	hosts, err := s.cfg.DB.ListHosts(ctx, o.id)
	if err != nil {
		s.log.Warn("reading hosts for alerting failed", "org", o.id, "err", err)
		return
	}
	exists := make(map[int64]bool, len(hosts))
	for _, h := range hosts {
		exists[h.ID] = true
		s.setHost(o, h)
	}
	// A deleted host's alerts end with it, without notifications.
	o.mu.Lock()
	var gone []int64
	for id := range o.hosts {
		if !exists[id] {
			gone = append(gone, id)
			delete(o.hosts, id)
		}
	}
	o.mu.Unlock()
	for _, id := range gone {
		o.eng.RemoveHost(strconv.FormatInt(id, 10))
		o.dirty.Store(true)
	}
}

func (s *Service) setHost(o *org, h meta.Host) {
	var facts struct {
		Cores int `json:"cores"`
	}
	_ = json.Unmarshal(h.Facts, &facts) // facts are the agent's; unknown cores count as 1
	o.mu.Lock()
	hi := o.hosts[h.ID]
	if hi == nil {
		hi = &hostInfo{interval: defaultInterval}
		o.hosts[h.ID] = hi
	}
	hi.name = h.Name
	interval := hi.interval
	o.mu.Unlock()
	o.eng.SetHost(alert.Host{ID: strconv.FormatInt(h.ID, 10), Tags: h.Tags, Cores: facts.Cores, Interval: interval})
}

// sawSnapshot records a snapshot's time, learns the interval, and reports whether the host
// is new to this org (so its facts should be read).
func (o *org) sawSnapshot(hostID int64, at time.Time) (unknown bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	hi := o.hosts[hostID]
	if hi == nil {
		o.hosts[hostID] = &hostInfo{last: at, interval: defaultInterval}
		return true
	}
	if !hi.last.IsZero() && at.After(hi.last) {
		if gap := at.Sub(hi.last); gap > hi.interval && gap <= maxInterval {
			hi.interval = gap.Round(time.Second)
			unknown = true // re-read so the engine gets the new interval
		}
	}
	if at.After(hi.last) {
		hi.last = at
	}
	return unknown
}

func (o *org) setReason(l alert.Labels, host, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := alert.Key{HostID: host, Label: l.Label, RuleID: l.Metric}
	if reason == "" {
		delete(o.reasons, k)
	} else if len(o.reasons) < 100_000 {
		o.reasons[k] = reason
	}
}

func (o *org) hostName(id string) string {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return id
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if h := o.hosts[n]; h != nil && h.name != "" {
		return h.name
	}
	return "host " + id
}

// handle stores transitions in the history and files notifications for grouping, filling
// in the default route for rules that name no channel.
func (s *Service) handle(ctx context.Context, o *org, ts []alert.Transition, ns []alert.Notification, now time.Time) {
	if len(ts) > 0 {
		o.dirty.Store(true)
		evs := make([]meta.AlertEvent, len(ts))
		for i, t := range ts {
			evs[i] = meta.AlertEvent{OrgID: o.id, RuleID: t.Key.RuleID, RuleName: t.RuleName, HostID: t.Key.HostID,
				Label: t.Key.Label, From: string(t.From), To: string(t.To), Severity: string(t.Severity), Value: t.Value,
				Reason: t.Reason, Actor: t.Actor, Comment: t.Comment, At: t.At}
		}
		if err := s.cfg.DB.AddAlertEvents(ctx, evs); err != nil {
			s.keepUnsaved(o, evs, err)
		}
		s.publishHostAlerts(o, ts)
	}
	if len(ns) == 0 {
		return
	}
	o.dirty.Store(true)
	o.mu.RLock()
	route := o.route
	o.mu.RUnlock()
	for i := range ns {
		if len(ns[i].Channels) == 0 {
			ns[i].Channels = route.channels(ns[i].Severity)
		}
	}
	ns = slices.DeleteFunc(ns, func(n alert.Notification) bool { return len(n.Channels) == 0 })
	o.group.Add(now, ns...)
}

// publishHostAlerts tells HostAlertsChanged the firing alerts of every host some transition
// in ts concerns whose count or worst severity differs from what was last told.
func (s *Service) publishHostAlerts(o *org, ts []alert.Transition) {
	if s.cfg.HostAlertsChanged == nil {
		return
	}
	touched := map[int64]bool{}
	for _, t := range ts {
		if id, err := strconv.ParseInt(t.Key.HostID, 10, 64); err == nil {
			touched[id] = true
		}
	}
	if len(touched) == 0 {
		return
	}
	// Per touched host, not Active over the whole fleet: this runs after every snapshot that
	// changed an alert, and at 10,000 hosts Active here took 64 % of the hub's CPU.
	cur := map[int64]HostAlerts{}
	for id := range touched {
		if n, sev := o.eng.FiringOn(strconv.FormatInt(id, 10)); n > 0 {
			cur[id] = HostAlerts{Firing: n, Severity: sev}
		}
	}
	o.pubMu.Lock()
	defer o.pubMu.Unlock()
	if o.published == nil {
		o.published = map[int64]HostAlerts{}
	}
	for id := range touched {
		if o.published[id] == cur[id] {
			continue
		}
		if cur[id].Firing == 0 {
			delete(o.published, id)
		} else {
			o.published[id] = cur[id]
		}
		s.cfg.HostAlertsChanged(o.id, id, cur[id])
	}
}

// maxUnsaved bounds the history kept in memory while the database refuses writes: about
// 40 MB, the transitions of a storm of 100,000 alerts.
const maxUnsaved = 100_000

// keepUnsaved files history entries whose write failed for the next flush, dropping the
// oldest beyond maxUnsaved (and saying how many).
func (s *Service) keepUnsaved(o *org, evs []meta.AlertEvent, err error) {
	o.histMu.Lock()
	defer o.histMu.Unlock()
	o.unsaved = append(o.unsaved, evs...)
	dropped := 0
	if n := len(o.unsaved) - maxUnsaved; n > 0 {
		dropped = n
		o.unsaved = slices.Delete(o.unsaved, 0, n)
	}
	s.log.Warn("storing alert history failed; will retry", "org", o.id, "transitions", len(evs),
		"pending", len(o.unsaved), "dropped", dropped, "err", err)
}

// flushHistory writes the history entries kept by keepUnsaved. It reports whether nothing
// is left pending.
func (s *Service) flushHistory(ctx context.Context, o *org) bool {
	o.histMu.Lock()
	evs := o.unsaved
	o.unsaved = nil
	o.histMu.Unlock()
	if len(evs) == 0 {
		return true
	}
	if err := s.cfg.DB.AddAlertEvents(ctx, evs); err != nil {
		o.histMu.Lock()
		o.unsaved = append(evs, o.unsaved...) // keep the order: older first
		o.histMu.Unlock()
		s.log.Error("storing pending alert history failed", "org", o.id, "transitions", len(evs), "err", err)
		return false
	}
	s.log.Info("pending alert history stored", "org", o.id, "transitions", len(evs))
	return true
}

func (s *Service) save(ctx context.Context, o *org) {
	b, err := json.Marshal(o.eng.Save())
	if err == nil {
		err = s.cfg.DB.SetAlertSetting(ctx, o.id, meta.AlertSettingState, b)
	}
	if err != nil {
		o.dirty.Store(true) // try again next tick
		s.log.Error("saving alert state failed", "org", o.id, "err", err)
	}
}

func (s *Service) orgList() []*org {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*org, 0, len(s.orgs))
	for _, o := range s.orgs {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *org) int { return int(a.id - b.id) })
	return out
}
