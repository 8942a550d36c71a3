package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/api"
	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/meta"
)

// runAdminCreate creates an owner without a browser, reading the password from stdin so it never
// appears in the process list or shell history.
func runAdminCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "owner's email address (required)")
	org := fs.String("org", "Default", "name of the owner's new organization")
	dbf := addDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *email == "" {
		fmt.Fprintln(stderr, "vigil admin create: --email is required; the password is read from standard input")
		return errUsage
	}
	addr := strings.ToLower(strings.TrimSpace(*email))
	if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
		return fmt.Errorf("--email %q: want a plain address like you@example.com", *email)
	}
	if o := strings.TrimSpace(*org); o == "" || len(o) > 100 {
		return fmt.Errorf("--org %q: want 1–100 characters", *org)
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from standard input: %w", err)
	}
	hash, err := auth.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		return fmt.Errorf("password from standard input: %w", err)
	}
	db, err := dbf.openMeta(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, o, err := db.CreateOwner(ctx, addr, hash, strings.TrimSpace(*org))
	if errors.Is(err, meta.ErrConflict) {
		return fmt.Errorf("a user %s already exists", addr)
	}
	if err != nil {
		return fmt.Errorf("create owner %s: %w", addr, err)
	}
	fmt.Fprintf(stdout, "Created owner %s (user id %d) of organization %q (id %d).\n", u.Email, u.ID, o.Name, o.ID)
	return nil
}

// runTokenCreate issues an API token for a user's primary organization.
func runTokenCreate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "user the token acts for (required)")
	name := fs.String("name", "", "what the token is for (required)")
	scope := fs.String("scope", meta.ScopeRead, "read or write")
	days := fs.Int("expires-days", 0, "expire after this many days (0 = never)")
	dbf := addDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *email == "" || *name == "" {
		fmt.Fprintln(stderr, "vigil token create: --email and --name are required")
		return errUsage
	}
	if *scope != meta.ScopeRead && *scope != meta.ScopeWrite {
		return fmt.Errorf("--scope %q: want read or write", *scope)
	}
	if *days < 0 || *days > 3650 {
		return fmt.Errorf("--expires-days %d: want 0 (never) to 3650", *days)
	}
	db, err := dbf.openMeta(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	u, _, err := db.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	o, _, err := db.PrimaryMembership(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("organization of %s: %w", *email, err)
	}
	var exp *time.Time
	if *days > 0 {
		t := time.Now().Add(time.Duration(*days) * 24 * time.Hour)
		exp = &t
	}
	tok, secret, err := db.CreateAPIToken(ctx, o.ID, u.ID, *name, *scope, exp)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API token %q (id %d, %s) for %s in %q. Shown once, keep it safe:\n\n    %s\n\nUse it as: Authorization: Bearer %s\n", tok.Name, tok.ID, tok.Scope, u.Email, o.Name, secret, secret)
	return nil
}

// runHostAdd registers a host and prints the agent command.
func runHostAdd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vigil host add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "host name (required)")
	var tags []string
	fs.Func("tag", "tag for grouping and filtering, e.g. web or env=prod (repeatable)", func(v string) error {
		tags = append(tags, v)
		return nil
	})
	orgID := fs.Int64("org-id", 0, "organization (default: the first one)")
	public := fs.String("public-url", envOr("VIGIL_PUBLIC_URL", "http://localhost:8080"), "URL agents use to reach the hub [VIGIL_PUBLIC_URL]")
	dbf := addDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *name == "" {
		fmt.Fprintln(stderr, "vigil host add: --name is required")
		return errUsage
	}
	if !api.ValidHostName(*name) {
		return fmt.Errorf("--name %q: want 1–100 letters, digits, spaces, dots, dashes or underscores", *name)
	}
	tags, err := meta.NormalizeTags(tags)
	if err != nil {
		return fmt.Errorf("--tag: %w", err)
	}
	db, err := dbf.openMeta(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *orgID == 0 {
		if *orgID, err = db.FirstOrgID(ctx); err != nil {
			return fmt.Errorf("no organization yet: complete setup or run vigil admin create first: %w", err)
		}
	}
	h, token, err := db.CreateHost(ctx, *orgID, *name)
	if errors.Is(err, meta.ErrConflict) {
		return fmt.Errorf("a host named %q already exists in organization %d; `vigil host add` never replaces one (rotate its token in the web UI)", *name, *orgID)
	}
	if err == nil && len(tags) > 0 {
		h, err = db.UpdateHost(ctx, *orgID, h.ID, meta.HostUpdate{Tags: tags})
	}
	if err != nil {
		return fmt.Errorf("add host %q: %w", *name, err)
	}
	if len(h.Tags) > 0 {
		fmt.Fprintf(stdout, "Tags: %s\n", strings.Join(h.Tags, ", "))
	}
	fmt.Fprintf(stdout, "Host %q added (host id %d). Agent token (shown once): %s\n\nRun on that server:\n\n    %s\n",
		h.Name, h.ID, token, api.AgentCommand(strings.TrimRight(*public, "/"), token))
	return nil
}
