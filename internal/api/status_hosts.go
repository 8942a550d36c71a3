package api

import (
	"context"
	"math"
)

// A host's daily uptime on a status page is the share of its hours in which the agent sent
// data (any snapshot), from the first hour it ever reported: hosts have no probe results, and
// "the agent was reporting" is what a connected host means elsewhere on the page. Hours before
// the host's first data are not counted (null days), and the current hour counts only once it
// holds data, so a page looked at just after the hour does not show a dip.

// hostPresence are series every agent sends with every snapshot (the CPU total and uptime).
var hostPresence = []string{"cpu.used_pct", "system.uptime_s"}

const (
	hourMs = int64(3600_000)
	dayMs  = 24 * hourMs
)

// hostDays returns a host's daily uptime over the statusDays days starting at from (midnight
// UTC), oldest first, and its uptime over them; nil where it has no data.
func (a *API) hostDays(ctx context.Context, hostID, from, now int64) ([]*float64, *float64, error) {
	present := map[int64]bool{}
	// At most apiMaxPoints points per query: 29 days of hours per query keep the 1-hour step.
	for start := from; start <= now; start += 29 * dayMs {
		res, err := a.cfg.Series.QuerySeries(ctx, hostID, SeriesQuery{Names: hostPresence, From: start, To: min(start+29*dayMs-1, now), Step: hourMs})
		if err != nil {
			return nil, nil, err
		}
		for i, t := range res.Times {
			for _, s := range res.Series {
				if i < len(s.Values) && !math.IsNaN(s.Values[i]) {
					present[t-t%hourMs] = true
					break
				}
			}
		}
	}
	days, pct := presenceDays(present, from, now)
	return days, pct, nil
}

// presenceDays turns the hours with data into daily percentages (see above).
func presenceDays(present map[int64]bool, from, now int64) ([]*float64, *float64) {
	days := make([]*float64, statusDays)
	first := int64(math.MaxInt64)
	for h := range present {
		first = min(first, h)
	}
	var upAll, allHours int
	for d := range statusDays {
		up, hours := 0, 0
		for h := from + int64(d)*dayMs; h < from+int64(d+1)*dayMs && h <= now; h += hourMs {
			current := h+hourMs > now
			if h < first || (current && !present[h]) {
				continue
			}
			hours++
			if present[h] {
				up++
			}
		}
		if hours > 0 {
			pct := 100 * float64(up) / float64(hours)
			days[d] = &pct
		}
		upAll += up
		allHours += hours
	}
	if allHours == 0 {
		return days, nil
	}
	pct := 100 * float64(upAll) / float64(allHours)
	return days, &pct
}
