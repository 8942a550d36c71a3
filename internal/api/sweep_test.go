package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

type documentedRoute struct {
	method, path string
	public       bool
}

// documentedRoutes lists every operation of the OpenAPI document; an operation with an empty
// security list is public.
func documentedRoutes(t *testing.T) []documentedRoute {
	var doc struct {
		Paths map[string]map[string]struct {
			Security *[]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var out []documentedRoute
	for p, ops := range doc.Paths {
		for m, op := range ops {
			out = append(out, documentedRoute{strings.ToUpper(m), p, op.Security != nil && len(*op.Security) == 0})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].method+out[i].path < out[j].method+out[j].path })
	return out
}

// viewerWrites are the writes a viewer may make: about themselves and their own read tokens.
var viewerWrites = map[string]bool{
	"/api/v1/auth/logout": true, "/api/v1/me/password": true, "/api/v1/tokens": true, "/api/v1/tokens/{id}": true,
	"/api/v1/auth/switch": true, "/api/v1/me/totp/setup": true, "/api/v1/me/totp/enable": true, "/api/v1/me/totp/disable": true,
}

// TestAuthorizationSweep drives every documented route: without credentials each non-public one
// answers 401; as a viewer every write answers 403; with another organization's ids every route
// with an {id} answers 404. No route answers 500.
func TestAuthorizationSweep(t *testing.T) {
	e := newEnv(t)
	owner := e.owner(t)
	ctx := context.Background()
	_, body := owner.do(t, "POST", "/api/v1/hosts", `{"name":"mine"}`)
	_ = body

	hash, _ := auth.HashPassword(pw)
	viewerUser, err := e.db.CreateUser(ctx, "viewer@example.com", hash)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := e.db.FirstOrgID(ctx)
	if err := e.db.AddMember(ctx, org, viewerUser.ID, meta.RoleViewer); err != nil {
		t.Fatal(err)
	}
	viewer := e.browser(t)
	if code, _ := viewer.do(t, "POST", "/api/v1/auth/login", `{"email":"viewer@example.com","password":"`+pw+`"}`); code != 200 {
		t.Fatalf("viewer login: got %d", code)
	}
	other, otherOrg, err := e.db.CreateOwner(ctx, "other@example.org", hash, "Other")
	if err != nil {
		t.Fatal(err)
	}
	_ = other
	theirs, _, _ := e.db.CreateHost(ctx, otherOrg.ID, "theirs")
	theirToken, _, _ := e.db.CreateAPIToken(ctx, otherOrg.ID, other.ID, "theirs", meta.ScopeWrite, nil)
	theirCheck, _, _ := e.db.CreateCheck(ctx, otherOrg.ID, meta.CheckInput{Name: "theirs", Type: "tcp", Spec: []byte(`{"name":"theirs","type":"tcp","host":"127.0.0.1","port":1,"interval_s":60}`)})
	theirPage, _ := e.db.SaveStatusPage(ctx, otherOrg.ID, meta.StatusPage{Slug: "theirs", Title: "theirs"})
	theirKey, _, _ := e.db.CreateEnrollmentKey(ctx, otherOrg.ID, "theirs", 5, time.Now().Add(time.Hour))
	ownerUser, _, _ := e.db.UserByEmail(ctx, "owner@example.com")
	ownersToken, _, _ := e.db.CreateAPIToken(ctx, org, ownerUser.ID, "owner's", meta.ScopeWrite, nil)
	if code, _ := viewer.do(t, "DELETE", "/api/v1/tokens/"+itoa(ownersToken.ID), ""); code != 403 {
		t.Errorf("viewer revoking the owner's token: got %d, want 403", code)
	}
	if code, _ := viewer.do(t, "GET", "/api/v1/audit", ""); code != 403 {
		t.Errorf("viewer reading the audit log: got %d, want 403", code)
	}

	anon := &client{e: e, hc: http.DefaultClient}
	bodyFor := map[string]string{
		"/api/v1/hosts":             `{"name":"x"}`,
		"/api/v1/hosts/{id}":        `{"tags":["x"]}`,
		"/api/v1/tokens":            `{"name":"x","scope":"read"}`,
		"/api/v1/storage/prune":     `{"before":"1000"}`,
		"/api/v1/enrollment-keys":   `{"name":"k","max_uses":1,"expires_in_days":1}`,
		"/api/v1/members/{id}":      `{"role":"viewer"}`,
		"/api/v1/invitations":       `{"email":"new@example.com","role":"viewer"}`,
		"/api/v1/auth/switch":       `{"org_id":1}`,
		"/api/v1/checks":            `{"name":"c","type":"tcp","host":"127.0.0.1","port":1,"interval_s":60}`,
		"/api/v1/checks/{id}":       `{"name":"c","type":"tcp","host":"127.0.0.1","port":1,"interval_s":60}`,
		"/api/v1/checks/import":     "checks: []\n",
		"/api/v1/status-pages":      `{"slug":"sweep","title":"x"}`,
		"/api/v1/status-pages/{id}": `{"slug":"sweep","title":"x"}`,
	}
	for _, r := range documentedRoutes(t) {
		if r.path == "/api/agent" || r.path == "/api/v1/live" || r.path == "/metrics" {
			continue // WebSockets and the metrics exposition are covered by their own tests
		}
		write := r.method != "GET"
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			own := strings.ReplaceAll(r.path, "{id}", "1")
			if !r.public {
				if code, _ := anon.do(t, r.method, own, bodyFor[r.path]); code != 401 {
					t.Errorf("without credentials: got %d, want 401", code)
				}
			}
			if write && !r.public && !viewerWrites[r.path] {
				if code, _ := viewer.do(t, r.method, own, bodyFor[r.path]); code != 403 {
					t.Errorf("as viewer: got %d, want 403", code)
				}
			}
			if strings.Contains(r.path, "{id}") {
				foreign := strings.ReplaceAll(r.path, "{id}", itoa(theirs.ID))
				if strings.HasPrefix(r.path, "/api/v1/tokens/") {
					foreign = strings.ReplaceAll(r.path, "{id}", itoa(theirToken.ID))
				}
				if strings.HasPrefix(r.path, "/api/v1/members/") {
					foreign = strings.ReplaceAll(r.path, "{id}", itoa(other.ID))
				}
				if strings.HasPrefix(r.path, "/api/v1/status-pages/") {
					foreign = strings.ReplaceAll(r.path, "{id}", itoa(theirPage.ID))
				}
				if strings.HasPrefix(r.path, "/api/v1/checks/") {
					foreign = strings.ReplaceAll(r.path, "{id}", itoa(theirCheck.ID))
				}
				if strings.HasPrefix(r.path, "/api/v1/enrollment-keys/") {
					foreign = strings.ReplaceAll(r.path, "{id}", itoa(theirKey.ID))
				}
				if code, _ := owner.do(t, r.method, foreign, bodyFor[r.path]); code != 404 {
					t.Errorf("with another organization's id: got %d, want 404", code)
				}
			}
		})
	}
}
