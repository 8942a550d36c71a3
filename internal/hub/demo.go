package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/vigil-mon/vigil/internal/auth"
	"github.com/vigil-mon/vigil/internal/demo"
	"github.com/vigil-mon/vigil/internal/meta"
)

// DemoConfig turns the hub into a demonstration: simulated servers and a read-only login.
type DemoConfig struct {
	Hosts    int
	Interval time.Duration // live reporting interval of the simulated hosts (default 10 s)
	History  time.Duration // backfilled history (default 24 h)
}

// Demo credentials are public on purpose: the account is a viewer of the demo organization.
const (
	demoEmail    = "demo@example.com"
	demoPassword = "vigil-demo-1"
)

var demoNames = []string{"web", "api", "db", "cache", "worker", "queue", "search", "mail", "proxy", "backup", "ci", "metrics"}

// startDemo creates the demo organization, its viewer and the simulated hosts, then runs them.
// Once the history is in, maintain builds the rollups right away rather than on the next tick.
func startDemo(ctx context.Context, db *meta.DB, hubURL string, cfg *DemoConfig, maintain func(), out io.Writer, log *slog.Logger) error {
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
		h, token, err := db.EnsureHostToken(ctx, org, name)
		if err == nil {
			_, err = db.UpdateHost(ctx, org, h.ID, meta.HostUpdate{Tags: demoTags(i)})
		}
		if err != nil {
			return fmt.Errorf("demo host %s: %w", name, err)
		}
		hosts[i] = demo.Host{Name: name, Token: token, Seed: uint64(i + 1), FillingDisk: i == 2, Down: i == cfg.Hosts-1 && cfg.Hosts > 2}
	}
	history := cfg.History
	if history == 0 {
		history = 24 * time.Hour
	}
	historyText := "no history"
	if history > 0 {
		historyText = history.String() + " of history"
	}
	fmt.Fprintf(out, "\nDemo: %d simulated servers plus this machine, with %s.\nSign in at %s/login as %s with password %s (read-only).\n\n", cfg.Hosts, historyText, hubURL, demoEmail, demoPassword)
	go demo.Run(ctx, demo.Config{HubURL: hubURL, Interval: cfg.Interval, History: history, Backfilled: func() {
		start := time.Now()
		maintain()
		log.Info("demo history stored and rolled up", "component", "demo", "hosts", cfg.Hosts, "took", time.Since(start))
	}, Logger: log}, hosts)
	return nil
}

// demoTags gives the simulated fleet the tags a real one has: role, environment and location.
func demoTags(i int) []string {
	role := demoNames[i%len(demoNames)]
	env := "env=prod"
	if i%5 == 4 {
		env = "env=staging"
	}
	dc := []string{"dc=fra1", "dc=ams1", "dc=nyc1"}[i/len(demoNames)%3]
	tags, _ := meta.NormalizeTags([]string{role, env, dc}) // valid by construction
	return tags
}
