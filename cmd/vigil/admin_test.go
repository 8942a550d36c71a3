package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-mon/vigil/internal/hub"
	"github.com/vigil-mon/vigil/internal/meta"
)

// adminCLI runs one admin command like the shell would and returns its output.
func adminCLI(t *testing.T, cmd command, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := cmd(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestAdminCreate(t *testing.T) {
	dir := t.TempDir()
	db, err := hub.OpenMeta(context.Background(), hub.Database{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, needed, _ := db.SetupToken(context.Background()); !needed {
		t.Fatal("fresh database: setup not needed")
	}
	db.Close()

	tests := []struct {
		name, stdin string
		args        []string
		wantErr     string // "" = success
	}{
		{"no email", "a good password\n", []string{"--data", dir}, "usage"},
		{"bad email", "a good password\n", []string{"--data", dir, "--email", "not-an-address"}, "--email"},
		{"short password", "short\n", []string{"--data", dir, "--email", "a@b.cd"}, "at least 10"},
		{"empty stdin", "", []string{"--data", dir, "--email", "a@b.cd"}, "at least 10"},
		{"creates", "a good password\r\n", []string{"--data", dir, "--email", " Owner@Example.com ", "--org", "Acme"}, ""},
		{"duplicate", "a good password\n", []string{"--data", dir, "--email", "owner@example.com"}, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := adminCLI(t, runAdminCreate, tt.stdin, tt.args...)
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(out, "owner@example.com") || !strings.Contains(out, `"Acme"`) {
					t.Errorf("got %q, %v; want the owner and organization named", out, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}

	db, err = hub.OpenMeta(context.Background(), hub.Database{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if needed, _ := db.SetupNeeded(context.Background()); needed {
		t.Error("setup still needed after admin create")
	}
	_, hash, err := db.UserByEmail(context.Background(), "owner@example.com")
	if err != nil || !strings.HasPrefix(hash, "$argon2id$") {
		t.Errorf("got hash %q, %v; want an argon2id hash (the \\r\\n stripped from the password)", hash, err)
	}
}

func TestTokenCreate(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := adminCLI(t, runAdminCreate, "a good password\n", "--data", dir, "--email", "a@b.cd"); err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`vgt_[A-Za-z0-9_-]{43}`)
	tests := []struct {
		name      string
		args      []string
		wantScope string // "" = an error is expected
	}{
		{"read by default", []string{"--email", "a@b.cd", "--name", "ci"}, meta.ScopeRead},
		{"write, expiring", []string{"--email", "A@B.cd", "--name", "deploy", "--scope", "write", "--expires-days", "30"}, meta.ScopeWrite},
		{"bad scope", []string{"--email", "a@b.cd", "--name", "x", "--scope", "admin"}, ""},
		{"negative expiry", []string{"--email", "a@b.cd", "--name", "x", "--expires-days", "-1"}, ""},
		{"unknown user", []string{"--email", "nobody@b.cd", "--name", "x"}, ""},
		{"missing name", []string{"--email", "a@b.cd"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := adminCLI(t, runTokenCreate, "", append(tt.args, "--data", dir)...)
			if tt.wantScope == "" {
				if err == nil {
					t.Errorf("got success %q, want an error", out)
				}
				return
			}
			if err != nil || !secret.MatchString(out) || !strings.Contains(out, tt.wantScope) {
				t.Errorf("got %q, %v; want a %s token secret printed", out, err, tt.wantScope)
			}
		})
	}

	// The printed secret authenticates.
	out, _, _ := adminCLI(t, runTokenCreate, "", "--data", dir, "--email", "a@b.cd", "--name", "check")
	db, err := hub.OpenMeta(context.Background(), hub.Database{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tok, err := db.APITokenBySecret(context.Background(), secret.FindString(out))
	if err != nil || tok.Name != "check" {
		t.Errorf("printed secret: got %+v, %v; want the token named check", tok, err)
	}
}

func TestHostAdd(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := adminCLI(t, runHostAdd, "", "--data", dir, "--name", "web-1"); err == nil {
		t.Error("host add before any organization: got success, want an error")
	}
	if _, _, err := adminCLI(t, runAdminCreate, "a good password\n", "--data", dir, "--email", "a@b.cd"); err != nil {
		t.Fatal(err)
	}
	out, _, err := adminCLI(t, runHostAdd, "", "--data", dir, "--name", "web-1", "--public-url", "https://hub.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`host id (\d+)\). Agent token \(shown once\): (vgh_\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("got %q, want the host id and agent token", out)
	}
	wantCmd := "vigil-agent --hub https://hub.example.com --token " + m[2]
	if !strings.Contains(out, wantCmd) {
		t.Errorf("got %q, want the command %q", out, wantCmd)
	}
	db, err := hub.OpenMeta(context.Background(), hub.Database{}, dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := db.HostByAgentToken(context.Background(), m[2])
	db.Close()
	if err != nil || h.Name != "web-1" {
		t.Errorf("printed token: got %+v, %v; want host web-1", h, err)
	}
	out, _, err = adminCLI(t, runHostAdd, "", "--data", dir, "--name", "db-1", "--tag", "DB", "--tag", "env=prod")
	if err != nil || !strings.Contains(out, "Tags: db, env=prod") {
		t.Fatalf("host add --tag: got %q %v, want the tags printed", out, err)
	}
	db, _ = hub.OpenMeta(context.Background(), hub.Database{}, dir)
	hosts, _ := db.ListHosts(context.Background(), h.OrgID)
	db.Close()
	if len(hosts) != 2 || strings.Join(hosts[0].Tags, ",") != "db,env=prod" {
		t.Errorf("stored tags: got %+v, want db-1 with db,env=prod", hosts)
	}

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"duplicate", []string{"--name", "web-1"}},
		{"bad name", []string{"--name", "<script>"}},
		{"unknown org", []string{"--name", "web-2", "--org-id", "99"}},
		{"no name", nil},
		{"bad tag", []string{"--name", "web-3", "--tag", "not ok"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if out, _, err := adminCLI(t, runHostAdd, "", append(tt.args, "--data", dir)...); err == nil {
				t.Errorf("got success %q, want an error", out)
			}
		})
	}
}

// TestDataDirFromEnv checks --data defaults to $VIGIL_DATA.
func TestDataDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("VIGIL_DATA", dir)
	if _, _, err := adminCLI(t, runAdminCreate, "a good password\n", "--email", "a@b.cd"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := adminCLI(t, runAdminCreate, "a good password\n", "--data", dir, "--email", "a@b.cd"); err == nil || errors.Is(err, errUsage) {
		t.Errorf("got %v, want the account created through VIGIL_DATA to exist", err)
	}
}
