package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-mon/vigil/internal/meta"
)

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	c := e.owner(t)
	tests := []struct {
		name, method, path string
		want               int
		allow              string
	}{
		{"PUT on a collection", "PUT", "/api/v1/hosts", 405, "GET, POST"},
		{"PUT on a host", "PUT", "/api/v1/hosts/1", 405, "GET, PATCH, DELETE"},
		{"a right method still works", "GET", "/api/v1/setup", 200, ""},
		{"unknown path stays 404", "PUT", "/api/v1/nothing", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, nil)
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body apiError
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.want || resp.Header.Get("Allow") != tt.allow {
				t.Errorf("got %d Allow %q, want %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tt.want, tt.allow)
			}
			if tt.want >= 400 && body.Error == "" {
				t.Errorf("got no JSON error for %d", resp.StatusCode)
			}
		})
	}
}

// TestRetryAfterSeconds checks the 429 header is whole seconds, as HTTP requires (not "29.5s").
func TestRetryAfterSeconds(t *testing.T) {
	e := newEnv(t)
	e.owner(t)
	login := func() *http.Response {
		resp, err := http.Post(e.srv.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"owner@example.com","password":"wrong wrong wrong"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	var resp *http.Response
	for range 11 {
		resp = login()
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("got %d after 11 failures, want 429", resp.StatusCode)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Errorf("got Retry-After %q, want whole seconds in 1..30", resp.Header.Get("Retry-After"))
	}
}

// TestPasswordChecksAreRateLimited covers the signed-in forms that take a password: a stolen
// session must not become an unlimited password oracle.
func TestPasswordChecksAreRateLimited(t *testing.T) {
	for _, path := range []string{"/api/v1/me/password", "/api/v1/me/totp/disable"} {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t)
			c := e.owner(t)
			body := `{"current":"wrong wrong wrong","new":"another good password"}`
			if strings.Contains(path, "totp") {
				body = `{"password":"wrong wrong wrong"}`
			}
			code := 0
			for range 11 {
				code, _ = c.do(t, "POST", path, body)
			}
			if code != http.StatusTooManyRequests {
				t.Errorf("got %d after 11 wrong passwords, want 429", code)
			}
		})
	}
}

func TestBodyMustBeObject(t *testing.T) {
	for _, body := range []string{`[]`, `"name"`, `5`} {
		w := httptest.NewRecorder()
		var v struct {
			Name string `json:"name"`
		}
		if decode(w, httptest.NewRequest("POST", "/", strings.NewReader(body)), &v) {
			t.Fatalf("body %s: accepted, want 400", body)
		}
		var e apiError
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || !strings.Contains(e.Error, "JSON object") || e.Field != "" {
			t.Errorf("body %s: got %d %+v, want 400 saying a JSON object is needed", body, w.Code, e)
		}
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "text/plain")
	if decode(w, r, &struct{}{}) || w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: got %d, want 415", w.Code)
	}
}

// TestOptionalParts builds the API without the agent and live handlers, UI or metrics registry:
// their routes answer JSON errors instead of panicking.
func TestOptionalParts(t *testing.T) {
	db, err := meta.Open(context.Background(), "sqlite", "file:"+filepath.Join(t.TempDir(), "o.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := New(Config{Meta: db, Series: &fakeSeries{}, Fleet: fakeFleet{}, Hosts: &fakeRemover{}, Storage: &fakeStorage{}})
	for _, tt := range []struct {
		path string
		want int
	}{{"/api/agent", 503}, {"/metrics", 404}, {"/", 404}, {"/healthz", 200}} {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest("GET", tt.path, nil))
		if w.Code != tt.want || !json.Valid(w.Body.Bytes()) {
			t.Errorf("GET %s: got %d %q, want %d with JSON", tt.path, w.Code, w.Body, tt.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New without Meta: got no panic, want one naming the field")
		}
	}()
	New(Config{})
}

func TestUICacheHeaders(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ path, cache, body string }{
		{"/", "no-cache", "vigil"},
		{"/hosts/3", "no-cache", "vigil"},
		{"/index.html", "no-cache", "vigil"},
		{"/assets/app.js", "public, max-age=31536000, immutable", "js"},
	}
	for _, tt := range tests {
		resp, err := http.Get(e.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != tt.cache || !strings.Contains(b.String(), tt.body) {
			t.Errorf("GET %s: got %d Cache-Control %q, want 200 %q", tt.path, resp.StatusCode, resp.Header.Get("Cache-Control"), tt.cache)
		}
	}
	resp, err := http.Get(e.srv.URL + "/assets/missing.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("missing asset: got %d, want 404 (not index.html)", resp.StatusCode)
	}
	if resp, _ := http.Post(e.srv.URL+"/hosts", "text/plain", nil); resp.StatusCode != 405 {
		t.Errorf("POST to a UI path: got %d, want 405", resp.StatusCode)
	}
}
