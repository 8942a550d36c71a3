package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// access is who may call a route.
type access int

const (
	public access = iota // no credentials
	viewer               // any signed-in member
	editor
	admin
	owner
)

type route struct {
	pattern string // Go 1.22 ServeMux pattern: "METHOD /path/{param}"
	access  access
	handler http.HandlerFunc
}

// routes is every route of the hub, with its access level. The OpenAPI document must list the
// same API routes (checked by TestOpenAPIMatchesRoutes).
func (a *API) routes() []route {
	return []route{
		{"GET /healthz", public, a.healthz},
		{"GET /metrics", public, a.metrics},
		{"GET /api/openapi.json", public, a.openapi},
		{"GET /api/agent", public, a.agent},
		{"GET /api/v1/setup", public, a.setupStatus},
		{"POST /api/v1/setup", public, a.setup},
		{"POST /api/v1/auth/login", public, a.login},
		{"GET /api/v1/auth/methods", public, a.authMethods},
		{"GET /api/v1/auth/oidc/start", public, a.oidcStart},
		{"GET /api/v1/auth/oidc/callback", public, a.oidcCallback},
		{"POST /api/v1/password-reset", public, a.requestPasswordReset},
		{"GET /api/v1/password-reset", public, a.passwordReset},
		{"POST /api/v1/password-reset/confirm", public, a.confirmPasswordReset},
		{"POST /api/v1/enroll", public, a.enroll},
		{"GET /api/v1/invitation", public, a.invitation},
		{"POST /api/v1/invitation/accept", public, a.acceptInvitation},
		{"POST /api/v1/auth/logout", viewer, a.logout},
		{"GET /api/v1/me", viewer, a.me},
		{"POST /api/v1/me/password", viewer, a.changePassword},
		{"GET /api/v1/me/orgs", viewer, a.myOrgs},
		{"GET /api/v1/me/totp", viewer, a.totpStatus},
		{"POST /api/v1/me/totp/setup", viewer, a.totpSetup},
		{"POST /api/v1/me/totp/enable", viewer, a.totpEnable},
		{"POST /api/v1/me/totp/disable", viewer, a.totpDisable},
		{"POST /api/v1/auth/switch", viewer, a.switchOrg},
		{"GET /api/v1/members", viewer, a.listMembers},
		{"PATCH /api/v1/members/{id}", admin, a.setMemberRole},
		{"DELETE /api/v1/members/{id}", admin, a.removeMember},
		{"POST /api/v1/invitations", admin, a.invite},
		{"GET /api/v1/audit", owner, a.listAudit},
		{"GET /api/v1/hosts", viewer, a.listHosts},
		{"POST /api/v1/hosts", editor, a.createHost},
		{"GET /api/v1/hosts/{id}", viewer, a.getHost},
		{"PATCH /api/v1/hosts/{id}", editor, a.updateHost},
		{"DELETE /api/v1/hosts/{id}", admin, a.deleteHost},
		{"POST /api/v1/hosts/{id}/token", admin, a.rotateHostToken},
		{"GET /api/v1/hosts/{id}/series", viewer, a.hostSeries},
		{"GET /api/v1/hosts/{id}/export.csv", viewer, a.exportCSV},
		{"GET /api/v1/hosts/{id}/processes", viewer, a.hostProcesses},
		{"GET /api/v1/hosts/{id}/processes/history", viewer, a.processHistory},
		{"GET /api/v1/hosts/{id}/process-events", viewer, a.processEvents},
		{"GET /api/v1/hosts/{id}/services", viewer, a.hostServices},
		{"GET /api/v1/hosts/{id}/containers", viewer, a.hostContainers},
		{"GET /api/v1/storage", admin, a.storageStats},
		{"POST /api/v1/storage/prune", admin, a.pruneStorage},
		{"GET /api/v1/enrollment-keys", admin, a.listEnrollmentKeys},
		{"POST /api/v1/enrollment-keys", admin, a.createEnrollmentKey},
		{"DELETE /api/v1/enrollment-keys/{id}", admin, a.revokeEnrollmentKey},
		{"GET /api/v1/tokens", viewer, a.listTokens},
		{"POST /api/v1/tokens", viewer, a.createToken},
		{"DELETE /api/v1/tokens/{id}", viewer, a.revokeToken},
		{"GET /api/v1/live", viewer, a.live},
		{"GET /api/v1/alerts", viewer, a.listAlerts},
		{"GET /api/v1/alerts/history", viewer, a.alertHistory},
		{"POST /api/v1/alerts/ack", editor, a.ackAlert},
		{"POST /api/v1/alerts/unack", editor, a.unackAlert},
		{"GET /api/v1/alerting/rules", viewer, a.listRules},
		{"POST /api/v1/alerting/rules", editor, a.createRule},
		{"PUT /api/v1/alerting/rules/{id}", editor, a.updateRule},
		{"DELETE /api/v1/alerting/rules/{id}", editor, a.deleteRule},
		{"GET /api/v1/alerting/channels", viewer, a.listChannels},
		{"POST /api/v1/alerting/channels", admin, a.createChannel},
		{"PUT /api/v1/alerting/channels/{id}", admin, a.updateChannel},
		{"DELETE /api/v1/alerting/channels/{id}", admin, a.deleteChannel},
		{"POST /api/v1/alerting/channels/{id}/test", editor, a.testChannel},
		{"GET /api/v1/alerting/silences", viewer, a.listSilences},
		{"POST /api/v1/alerting/silences", editor, a.createSilence},
		{"PUT /api/v1/alerting/silences/{id}", editor, a.updateSilence},
		{"DELETE /api/v1/alerting/silences/{id}", editor, a.deleteSilence},
		{"GET /api/v1/alerting/route", viewer, a.getRoute},
		{"PUT /api/v1/alerting/route", admin, a.setRoute},
		{"GET /api/v1/alerting/deliveries", viewer, a.listDeliveries},
		{"GET /api/v1/alerting/export", editor, a.exportAlerting},
		{"POST /api/v1/alerting/import", admin, a.importAlerting},
		{"GET /api/v1/checks", viewer, a.listChecks},
		{"POST /api/v1/checks", editor, a.createCheck},
		{"GET /api/v1/checks/export.yaml", viewer, a.exportChecks},
		{"POST /api/v1/checks/import", editor, a.importChecks},
		{"GET /api/v1/checks/{id}", viewer, a.getCheck},
		{"PUT /api/v1/checks/{id}", editor, a.updateCheck},
		{"DELETE /api/v1/checks/{id}", editor, a.deleteCheck},
		{"POST /api/v1/checks/{id}/push-token", editor, a.rotatePushToken},
		{"GET /api/v1/checks/{id}/series", viewer, a.checkSeries},
		{"GET /api/v1/checks/{id}/uptime", viewer, a.checkUptime},
		{"GET /api/v1/checks/{id}/events", viewer, a.checkEvents},
		{"GET /api/v1/checks/{id}/incidents", viewer, a.checkIncidents},
		{"GET /api/v1/push/{token}", public, a.push},
		{"POST /api/v1/push/{token}", public, a.push},
		{"GET /api/v1/status-pages", viewer, a.listStatusPages},
		{"POST /api/v1/status-pages", editor, a.createStatusPage},
		{"GET /api/v1/status-pages/{id}", viewer, a.getStatusPage},
		{"PUT /api/v1/status-pages/{id}", editor, a.updateStatusPage},
		{"DELETE /api/v1/status-pages/{id}", editor, a.deleteStatusPage},
		{"GET /api/v1/status/{slug}", public, a.publicStatus},
		{"GET /api/v1/status/{slug}/badge.svg", public, a.publicBadge},
		{"/api/", public, a.notFound},
		{"/", public, a.ui},
	}
}

var roleFor = map[access]string{viewer: meta.RoleViewer, editor: meta.RoleEditor, admin: meta.RoleAdmin, owner: meta.RoleOwner}

// guard authenticates and authorizes before the handler runs.
func (a *API) guard(rt route) http.Handler {
	if rt.access == public {
		return rt.handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.auth.Authenticate(r)
		switch {
		case errors.Is(err, auth.ErrNoCredentials), errors.Is(err, auth.ErrBadCredentials):
			writeError(w, http.StatusUnauthorized, err.Error(), "")
			return
		case errors.Is(err, auth.ErrCSRF), errors.Is(err, auth.ErrReadOnly):
			writeError(w, http.StatusForbidden, err.Error(), "")
			return
		case err != nil:
			a.internal(w, r, "authenticate", err)
			return
		}
		if !p.Allows(roleFor[rt.access]) {
			writeError(w, http.StatusForbidden, "your role ("+p.Role+") may not do this; it needs "+roleFor[rt.access]+" or above", "")
			return
		}
		rt.handler(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Meta.SQL().PingContext(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "database unreachable", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *API) metrics(w http.ResponseWriter, r *http.Request) {
	if a.metricsHandler == nil {
		writeError(w, http.StatusNotFound, "this hub exports no metrics (no registry configured)", "")
		return
	}
	a.metricsHandler.ServeHTTP(w, r)
}

func (a *API) agent(w http.ResponseWriter, r *http.Request) {
	serveOptional(w, r, a.cfg.AgentHandler, "agent")
}
func (a *API) live(w http.ResponseWriter, r *http.Request) {
	serveOptional(w, r, a.cfg.LiveHandler, "live")
}

// serveOptional hands the request to a handler the composition root may leave out (tools and
// tests that build the API alone), answering 503 instead of panicking when it is absent.
func serveOptional(w http.ResponseWriter, r *http.Request, h http.Handler, what string) {
	if h == nil {
		writeError(w, http.StatusServiceUnavailable, "this hub does not serve "+what+" connections", "")
		return
	}
	h.ServeHTTP(w, r)
}

// notFound answers API paths no route matched: 405 with Allow when the path exists for other
// methods, 404 otherwise, both as JSON (the mux's own answers are plain text).
func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		if _, pattern := a.mux.Handler(&http.Request{Method: m, URL: r.URL, Host: r.Host}); pattern != "" && pattern != "/api/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; use "+strings.Join(allowed, " or "), "")
		return
	}
	writeError(w, http.StatusNotFound, "no API route "+r.Method+" "+r.URL.Path, "")
}
