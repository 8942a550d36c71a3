package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// Status pages: editors build them from the organization's hosts and checks; anyone can read
// them at /status/{slug} (UI) and /api/v1/status/{slug} (JSON) without signing in.

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

const (
	maxPageItems   = 100
	maxPageNotices = 20
)

type pageBody struct {
	Slug        string            `json:"slug"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Items       []meta.StatusItem `json:"items"`
	Notices     []noticeBody      `json:"notices"`
	notices     []meta.StatusNotice
}

// noticeBody takes times as text so that a bad one is reported with its field.
type noticeBody struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
}

// validate checks a page body, answering 400 naming the field; it returns false after answering.
func (b *pageBody) validate(w http.ResponseWriter) bool {
	b.Slug, b.Title = strings.TrimSpace(b.Slug), strings.TrimSpace(b.Title)
	bad := func(field, msg string) bool { writeError(w, http.StatusBadRequest, msg, field); return false }
	if !slugRE.MatchString(b.Slug) {
		return bad("slug", "slug must be 3–64 lowercase letters, digits and dashes, not starting or ending with a dash")
	}
	if b.Title == "" || utf8.RuneCountInString(b.Title) > 100 {
		return bad("title", "title must be 1–100 characters")
	}
	if len(b.Description) > 2000 {
		return bad("description", "description longer than 2000 bytes")
	}
	if len(b.Items) > maxPageItems {
		return bad("items", fmt.Sprintf("at most %d items", maxPageItems))
	}
	seen := map[meta.StatusItem]bool{}
	for i, it := range b.Items {
		field := fmt.Sprintf("items[%d]", i)
		if it.Kind != "check" && it.Kind != "host" {
			return bad(field+".kind", "kind must be check or host")
		}
		if it.ID <= 0 || seen[it] {
			return bad(field+".id", "each item must name a different host or check by id")
		}
		seen[it] = true
	}
	if len(b.Notices) > maxPageNotices {
		return bad("notices", fmt.Sprintf("at most %d notices", maxPageNotices))
	}
	b.notices = []meta.StatusNotice{}
	for i, n := range b.Notices {
		field := fmt.Sprintf("notices[%d]", i)
		start, errS := time.Parse(time.RFC3339, n.StartsAt)
		end, errE := time.Parse(time.RFC3339, n.EndsAt)
		switch {
		case strings.TrimSpace(n.Title) == "" || utf8.RuneCountInString(n.Title) > 200:
			return bad(field+".title", "a notice needs a title of 1–200 characters")
		case len(n.Body) > 4000:
			return bad(field+".body", "notice body longer than 4000 bytes")
		case errS != nil:
			return bad(field+".starts_at", "starts_at must be an RFC 3339 time, e.g. 2026-12-24T22:00:00Z")
		case errE != nil:
			return bad(field+".ends_at", "ends_at must be an RFC 3339 time, e.g. 2026-12-24T23:00:00Z")
		case !end.After(start):
			return bad(field+".ends_at", "ends_at must be after starts_at")
		}
		b.notices = append(b.notices, meta.StatusNotice{Title: strings.TrimSpace(n.Title), Body: n.Body, StartsAt: start.UTC(), EndsAt: end.UTC()})
	}
	return true
}

func (a *API) listStatusPages(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	pages, err := a.cfg.Meta.ListStatusPages(r.Context(), p.OrgID)
	if err != nil {
		a.internal(w, r, "list status pages", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pages": pages})
}

func (a *API) orgStatusPage(w http.ResponseWriter, r *http.Request) (meta.StatusPage, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return meta.StatusPage{}, false
	}
	p, _ := auth.FromContext(r.Context())
	page, err := a.cfg.Meta.GetStatusPage(r.Context(), p.OrgID, id)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no status page with id "+strconv.FormatInt(id, 10), "id")
		return meta.StatusPage{}, false
	}
	if err != nil {
		a.internal(w, r, "load status page", err)
		return meta.StatusPage{}, false
	}
	return page, true
}

func (a *API) getStatusPage(w http.ResponseWriter, r *http.Request) {
	if page, ok := a.orgStatusPage(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"page": page})
	}
}

func (a *API) createStatusPage(w http.ResponseWriter, r *http.Request) { a.saveStatusPage(w, r, 0) }

func (a *API) updateStatusPage(w http.ResponseWriter, r *http.Request) {
	if page, ok := a.orgStatusPage(w, r); ok {
		a.saveStatusPage(w, r, page.ID)
	}
}

func (a *API) saveStatusPage(w http.ResponseWriter, r *http.Request, id int64) {
	var b pageBody
	if !decode(w, r, &b) || !b.validate(w) {
		return
	}
	p, _ := auth.FromContext(r.Context())
	page, err := a.cfg.Meta.SaveStatusPage(r.Context(), p.OrgID, meta.StatusPage{
		ID: id, Slug: b.Slug, Title: b.Title, Description: b.Description, Items: b.Items, Notices: b.notices})
	switch {
	case errors.Is(err, meta.ErrConflict):
		writeError(w, http.StatusConflict, "the address /status/"+b.Slug+" is taken", "slug")
		return
	case errors.Is(err, meta.ErrNotFound):
		writeError(w, http.StatusBadRequest, "an item names no host or check of this organization", "items")
		return
	case err != nil:
		a.internal(w, r, "save status page", err)
		return
	}
	a.statusCache.forget(b.Slug)
	status, action := http.StatusOK, "status_page.update"
	if id == 0 {
		status, action = http.StatusCreated, "status_page.create"
	}
	a.audit(r, action, page.Slug, page.Title)
	writeJSON(w, status, map[string]any{"page": page})
}

func (a *API) deleteStatusPage(w http.ResponseWriter, r *http.Request) {
	page, ok := a.orgStatusPage(w, r)
	if !ok {
		return
	}
	if err := a.cfg.Meta.DeleteStatusPage(r.Context(), page.OrgID, page.ID); err != nil {
		a.internal(w, r, "delete status page", err)
		return
	}
	a.statusCache.forget(page.Slug)
	a.audit(r, "status_page.delete", page.Slug, page.Title)
	w.WriteHeader(http.StatusNoContent)
}

// publicStatus answers the JSON of a public page.
func (a *API) publicStatus(w http.ResponseWriter, r *http.Request) {
	v, ok := a.statusView(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=30")
	_, _ = w.Write(v.json)
}

// publicBadge answers an SVG badge of a page's overall state, for READMEs and wikis.
func (a *API) publicBadge(w http.ResponseWriter, r *http.Request) {
	v, ok := a.statusView(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_, _ = w.Write(badgeSVG("status", stateLabel[v.page.State], stateColor[v.page.State]))
}

var stateLabel = map[string]string{"up": "operational", "degraded": "degraded", "partial": "partial outage", "down": "major outage", "unknown": "unknown"}
var stateColor = map[string]string{"up": "#2e9e44", "degraded": "#d49b00", "partial": "#e0701b", "down": "#d33a2c", "unknown": "#8a8f98"}

// badgeSVG draws a two-part flat badge. Text is from fixed sets, but escaped all the same.
func badgeSVG(label, value, color string) []byte {
	lw, vw := 8+7*len(label), 10+7*len(value)
	esc := func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
	}
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`+
		`<rect width="%d" height="20" rx="3" fill="#555"/><rect x="%d" width="%d" height="20" rx="3" fill="%s"/>`+
		`<rect x="%d" width="4" height="20" fill="%s"/>`+
		`<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="%d" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>`,
		lw+vw, esc(label), esc(value), lw+vw, lw, vw, color, lw, color, 5, esc(label), lw+6, esc(value))
}

func (a *API) statusView(w http.ResponseWriter, r *http.Request) (*statusEntry, bool) {
	slug := r.PathValue("slug")
	if !slugRE.MatchString(slug) {
		writeError(w, http.StatusNotFound, "no status page "+strconv.Quote(slug), "slug")
		return nil, false
	}
	now := a.cfg.Now()
	if v := a.statusCache.get(slug, now); v != nil {
		return v, true
	}
	page, err := a.cfg.Meta.StatusPageBySlug(r.Context(), slug)
	if errors.Is(err, meta.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no status page "+strconv.Quote(slug), "slug")
		return nil, false
	}
	if err != nil {
		a.internal(w, r, "load status page", err)
		return nil, false
	}
	v, err := a.buildPublicPage(r.Context(), page, now)
	if err != nil {
		a.internal(w, r, "build status page", err)
		return nil, false
	}
	return a.statusCache.put(slug, v, now), true
}

// statusTTL is how long a built public page is served from memory: a page linked from
// somewhere popular must not turn each visit into 90-day queries.
const statusTTL = 30 * time.Second
