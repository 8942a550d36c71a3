package api

import (
	"context"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/vigil-mon/vigil/internal/check"
	"github.com/vigil-mon/vigil/internal/meta"
)

// publicPage is the JSON of GET /api/v1/status/{slug}. It carries names and states only:
// probe messages (which may name internal addresses) stay inside the organization.
type publicPage struct {
	Title       string              `json:"title"`
	Description string              `json:"description"`
	State       string              `json:"state"` // up, degraded, partial, down, unknown
	Items       []publicItem        `json:"items"`
	Incidents   []publicIncident    `json:"incidents"`
	Notices     []meta.StatusNotice `json:"notices"`
	UpdatedAt   time.Time           `json:"updated_at"`
}

type publicItem struct {
	Kind      string   `json:"kind"`
	Name      string   `json:"name"`
	State     string   `json:"state"` // up, degraded, down, unknown
	Uptime90d *float64 `json:"uptime_90d"`
	// Days is 90 daily uptime percentages, oldest first; null = no data. For a host, the
	// share of hours its agent reported (status_hosts.go).
	Days []*float64 `json:"days,omitempty"`
}

type publicIncident struct {
	Name      string     `json:"name"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end"`
	DurationS int64      `json:"duration_s"`
}

const statusDays = 90

func (a *API) buildPublicPage(ctx context.Context, page meta.StatusPage, now time.Time) (publicPage, error) {
	out := publicPage{Title: page.Title, Description: page.Description, Items: []publicItem{}, Incidents: []publicIncident{},
		Notices: []meta.StatusNotice{}, UpdatedAt: now.UTC()}
	for _, n := range page.Notices {
		if n.EndsAt.After(now) {
			out.Notices = append(out.Notices, n)
		}
	}
	day := int64(24 * time.Hour / time.Millisecond)
	from := (now.UnixMilli()/day - statusDays + 1) * day // midnight UTC, 89 days ago
	for _, it := range page.Items {
		switch it.Kind {
		case "host":
			h, err := a.cfg.Meta.GetHost(ctx, page.OrgID, it.ID)
			if err != nil {
				continue // deleted since the page was saved
			}
			state := "down"
			if a.cfg.Fleet.Online(h.ID) {
				state = "up"
			}
			days, pct, err := a.hostDays(ctx, h.ID, from, now.UnixMilli())
			if err != nil {
				return publicPage{}, err
			}
			out.Items = append(out.Items, publicItem{Kind: "host", Name: h.Name, State: state, Days: days, Uptime90d: pct})
		case "check":
			c, err := a.cfg.Meta.GetCheck(ctx, page.OrgID, it.ID)
			if err != nil {
				continue
			}
			pi := publicItem{Kind: "check", Name: c.Name, State: c.State, Days: make([]*float64, statusDays)}
			if pi.State == "" {
				pi.State = "unknown"
			}
			if a.cfg.Checks != nil && pi.State == "up" {
				if r, _, ok := a.cfg.Checks.Last(c.ID); ok && r.Status == check.Degraded {
					pi.State = "degraded"
				}
			}
			res, err := a.cfg.Series.QuerySeries(ctx, check.SeriesOwner(c.ID), SeriesQuery{
				Names: []string{check.SeriesState}, From: from, To: now.UnixMilli(), Step: day})
			if err != nil {
				return publicPage{}, err
			}
			if len(res.Series) > 0 {
				for i, t := range res.Times {
					if v := res.Series[0].Values[i]; !math.IsNaN(v) {
						if d := (t - from) / day; d >= 0 && d < statusDays {
							pct := 100 * v
							pi.Days[d] = &pct
						}
					}
				}
				if pct, ok := check.UptimePct(res.Series[0].Values, nil); ok {
					pi.Uptime90d = &pct
				}
			}
			incs, err := a.incidents(ctx, c.ID, time.UnixMilli(from), now)
			if err != nil {
				return publicPage{}, err
			}
			for _, inc := range incs {
				out.Incidents = append(out.Incidents, publicIncident{Name: c.Name, Start: inc.Start, End: inc.End, DurationS: inc.DurationS})
			}
			out.Items = append(out.Items, pi)
		}
	}
	out.State = overall(out.Items)
	return out, nil
}

// overall summarises item states: up when all are up, degraded when some are slow, partial
// when some are down, down when all are.
func overall(items []publicItem) string {
	counts := map[string]int{}
	for _, it := range items {
		counts[it.State]++
	}
	known := len(items) - counts["unknown"]
	switch {
	case known == 0:
		return "unknown"
	case counts["down"] == known:
		return "down"
	case counts["down"] > 0:
		return "partial"
	case counts["degraded"] > 0:
		return "degraded"
	}
	return "up"
}

// statusEntry is a built public page, kept for statusTTL.
type statusEntry struct {
	page    publicPage
	json    []byte
	expires time.Time
}

// statusCache holds built public pages by slug; bounded, since slugs come from the Internet.
type statusCache struct {
	mu sync.Mutex
	m  map[string]*statusEntry
}

func (c *statusCache) get(slug string, now time.Time) *statusEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[slug]; e != nil && now.Before(e.expires) {
		return e
	}
	return nil
}

func (c *statusCache) put(slug string, p publicPage, now time.Time) *statusEntry {
	b, _ := json.Marshal(p)
	e := &statusEntry{page: p, json: append(b, '\n'), expires: now.Add(statusTTL)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 1000 {
		c.m = map[string]*statusEntry{}
	}
	c.m[slug] = e
	return e
}

func (c *statusCache) forget(slug string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, slug)
}
