package alerting

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/alert"
	"github.com/vigil-mon/vigil/internal/meta"
	"github.com/vigil-mon/vigil/internal/notify"
)

// MessageItem is one alert in a message, as webhook receivers get it in "data.alerts".
type MessageItem struct {
	Event     alert.Event    `json:"event"`
	Severity  alert.Severity `json:"severity,omitempty"`
	Rule      string         `json:"rule"`
	RuleID    string         `json:"rule_id"`
	HostID    string         `json:"host_id,omitempty"`
	Host      string         `json:"host,omitempty"`
	Label     string         `json:"label,omitempty"`
	Value     float64        `json:"value"`
	Threshold float64        `json:"threshold,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Since     time.Time      `json:"since,omitzero"`
	At        time.Time      `json:"at"`
}

// MessageData is the webhook's "data" field.
type MessageData struct {
	Org    int64         `json:"org"`
	URL    string        `json:"url,omitempty"`
	Alerts []MessageItem `json:"alerts"`
}

// message renders one batch as a notify.Message: a subject summarising the batch, one line
// (or table row) per alert, and the items as structured data for webhooks.
func (s *Service) message(o *org, b alert.Batch) notify.Message {
	data := MessageData{Org: o.id, URL: s.alertsURL(), Alerts: make([]MessageItem, 0, len(b.Notifications))}
	sev := notify.SevInfo
	var text, rows strings.Builder
	for _, n := range b.Notifications {
		it := MessageItem{Event: n.Event, Severity: n.Severity, Rule: n.RuleName, RuleID: n.Key.RuleID, HostID: n.Key.HostID,
			Label: n.Key.Label, Value: n.Value, Threshold: n.Threshold, Since: n.Since, At: n.At, Reason: o.reason(n.Key)}
		if n.Key.HostID != "" {
			it.Host = o.hostName(n.Key.HostID)
		}
		data.Alerts = append(data.Alerts, it)
		if n.Event != alert.EventResolved {
			switch n.Severity {
			case alert.SevCritical:
				sev = notify.SevCritical
			case alert.SevWarning:
				sev = max(sev, notify.SevWarning)
			}
		}
		line := itemLine(it)
		fmt.Fprintf(&text, "%s\n", line)
		fmt.Fprintf(&rows, "<tr><td><b>%s</b></td><td>%s</td></tr>\n", html.EscapeString(strings.ToUpper(string(it.Event))), html.EscapeString(line))
	}
	subject := "[Vigil] " + b.Summary()
	if u := data.URL; u != "" {
		fmt.Fprintf(&text, "\n%s\n", u)
	}
	htmlBody := "<h2>" + html.EscapeString(subject) + "</h2>\n<table cellpadding=\"4\">\n" + rows.String() + "</table>\n"
	if u := data.URL; u != "" {
		htmlBody += `<p><a href="` + html.EscapeString(u) + `">Open the alerts page</a></p>` + "\n"
	}
	return notify.Message{Subject: subject, Text: text.String(), HTML: htmlBody, Severity: sev, Time: s.cfg.Now(), Data: data}
}

func itemLine(it MessageItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", strings.ToUpper(string(it.Event)))
	if it.Severity != "" {
		fmt.Fprintf(&b, " [%s]", it.Severity)
	}
	fmt.Fprintf(&b, " %s", it.Rule)
	if it.Host != "" {
		fmt.Fprintf(&b, " on %s", it.Host)
	}
	if it.Label != "" {
		fmt.Fprintf(&b, " (%s)", it.Label)
	}
	if it.Reason != "" {
		fmt.Fprintf(&b, ": %s", it.Reason)
	} else if it.Threshold != 0 {
		fmt.Fprintf(&b, ": value %.4g, threshold %.4g", it.Value, it.Threshold)
	}
	return b.String()
}

func (o *org) reason(k alert.Key) string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	for _, m := range []string{alert.MetricCheckUp, alert.MetricServiceUp} {
		if r, ok := o.reasons[alert.Key{RuleID: m, HostID: k.HostID, Label: k.Label}]; ok {
			return r
		}
	}
	return ""
}

func (s *Service) alertsURL() string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.cfg.PublicURL, "/") + "/alerts"
}

// deliver sends one batch on its own goroutine, retried by the dispatcher; the attempts go
// to the delivery log.
func (s *Service) deliver(o *org, b alert.Batch) {
	o.mu.RLock()
	disp := o.disp
	o.mu.RUnlock()
	m := s.message(o, b)
	s.sending.Go(func() {
		if err := disp.Deliver(s.sendCtx, b.Channel, m); err != nil {
			s.log.Warn("notification not delivered", "org", o.id, "channel", b.Channel, "alerts", len(b.Notifications), "err", o.redact(b.Channel, err.Error()))
		}
	})
}

// recorder writes the dispatcher's attempts to the delivery log with secrets taken out of
// error texts (a failing webhook's error quotes its URL, which may carry a token).
type recorder struct {
	s     *Service
	org   int64
	chans map[string]Channel
}

func (r recorder) Record(ctx context.Context, a notify.Attempt) {
	d := meta.Delivery{OrgID: r.org, Channel: a.Channel, Subject: a.Subject, Try: a.Try, OK: a.Err == nil, Test: a.Test,
		Duration: a.Duration, At: a.Start}
	if a.Err != nil {
		d.Error = redactText(r.chans[a.Channel], a.Err.Error())
	}
	if err := r.s.cfg.DB.AddDelivery(context.WithoutCancel(ctx), d); err != nil {
		r.s.log.Error("writing delivery log failed", "org", r.org, "channel", a.Channel, "err", err)
	}
}

func redactText(c Channel, s string) string {
	for _, secret := range c.secrets() {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return s
}

func (o *org) redact(channel, s string) string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return redactText(o.channels[channel], s)
}

// summary sends the optional daily summary once a day at cfg.Summary (local time) to every
// channel of each organization's default route: what is firing and what is acknowledged.
func (s *Service) summary(ctx context.Context, now time.Time) {
	if s.cfg.Summary == "" {
		return
	}
	at, err := time.Parse("15:04", s.cfg.Summary)
	if err != nil {
		return // validated by the flag parser
	}
	local := now.Local()
	day := local.Format(time.DateOnly)
	past := local.Hour()*60+local.Minute() >= at.Hour()*60+at.Minute()
	if !s.summaryInit {
		s.summaryInit = true
		if past {
			s.summaryDay = day // started after today's time: the first summary is tomorrow's
		}
	}
	if s.summaryDay == day || !past {
		return
	}
	s.summaryDay = day
	for _, o := range s.orgList() {
		o.mu.RLock()
		chans := append(append([]string(nil), o.route.Critical...), o.route.Warning...)
		disp := o.disp
		o.mu.RUnlock()
		if len(chans) == 0 {
			continue
		}
		var firing, acked, crit int
		var text strings.Builder
		for _, st := range o.eng.Active(now) {
			if st.State != alert.StateFiring {
				continue
			}
			firing++
			if st.AckedBy != "" {
				acked++
			}
			if st.Severity == alert.SevCritical {
				crit++
			}
			fmt.Fprintf(&text, "%s [%s] %s on %s %s\n", strings.ToUpper(string(st.State)), st.Severity, st.RuleName, o.hostName(st.Key.HostID), st.Key.Label)
		}
		subj := fmt.Sprintf("[Vigil] Daily summary: %d firing (%d critical, %d acknowledged)", firing, crit, acked)
		if firing == 0 {
			text.WriteString("Nothing is firing.\n")
		}
		m := notify.Message{Subject: subj, Text: text.String(), HTML: "<pre>" + html.EscapeString(text.String()) + "</pre>", Severity: notify.SevInfo, Time: now}
		seen := map[string]bool{}
		for _, c := range chans {
			if seen[c] {
				continue
			}
			seen[c] = true
			s.sending.Go(func() { _ = disp.Deliver(s.sendCtx, c, m) })
		}
	}
}
