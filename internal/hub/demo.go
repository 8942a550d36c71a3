package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/demo"
	"github.com/vigil-mon/vigil/internal/meta"
)

// DemoConfig turns the hub into a demonstration: simulated servers and a read-only login.
type DemoConfig struct{ Hosts int }

// Demo credentials are public on purpose: the account is a viewer of the demo organization.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "vigil-demo-1"
)

var demoNames = []string{"web", "api", "db", "cache", "worker", "queue", "search", "mail", "proxy", "backup", "ci", "metrics"}

// startDemo creates the demo organization, its viewer and the simulated hosts, then runs them.
func startDemo(ctx context.Context, db *meta.DB, hubURL string, cfg *DemoConfig, out io.Writer, log *slog.Logger) error {
	ownerHash, err := auth.HashPassword(meta.NewSecret("")) // nobody signs in as the owner
	if err != nil {
		return err
	}
	org, err := db.FirstOrgID(ctx)
	if errors.Is(err, meta.ErrNotFound) {
		var o meta.Org
		_, o, err = db.CreateOwner(ctx, "owner@demo.invalid", ownerHash, "Demo")
		org = o.ID
	}
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	viewerHash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, demoEmail, viewerHash)
	if errors.Is(err, meta.ErrConflict) {
		u, _, err = db.UserByEmail(ctx, demoEmail)
	}
	if err != nil {
		return fmt.Errorf("demo user: %w", err)
	}
	if err := db.AddMember(ctx, org, u.ID, meta.RoleViewer); err != nil {
		return err
	}
	hosts := make([]demo.Host, cfg.Hosts)
	for i := range hosts {
		name := fmt.Sprintf("%s-%d", demoNames[i%len(demoNames)], i/len(demoNames)+1)
		_, token, err := db.EnsureHostToken(ctx, org, name)
		if err != nil {
			return fmt.Errorf("demo host %s: %w", name, err)
		}
		hosts[i] = demo.Host{Name: name, Token: token, Seed: uint64(i + 1), FillingDisk: i == 2, Down: i == cfg.Hosts-1 && cfg.Hosts > 2}
	}
	fmt.Fprintf(out, "\nDemo: %d simulated servers plus this machine, with a day of history.\nSign in at %s/login as %s with password %s (read-only).\n\n", cfg.Hosts, hubURL, demoEmail, demoPassword)
	go demo.Run(ctx, demo.Config{HubURL: hubURL, Logger: log}, hosts)
	return nil
}
