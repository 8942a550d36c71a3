package hub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-mon/vigil/internal/agent"
	"github.com/vigil-mon/vigil/internal/agent/procs"
	"github.com/vigil-mon/vigil/internal/meta"
)

// runLocalAgent monitors the hub's own machine with an agent inside the hub process, so that a
// first start shows live data without installing anything else. It speaks the real protocol to
// the hub's own listener, exactly as a remote agent would. Hosts belong to an organization, so it
// waits until the first owner has completed setup.
func runLocalAgent(ctx context.Context, db *meta.DB, hubURL string, cfg Config) {
	log := cfg.Logger.With("component", "local-agent")
	var org int64
	for {
		id, err := db.FirstOrgID(ctx)
		if err == nil {
			org = id
			break
		}
		if !errors.Is(err, meta.ErrNotFound) {
			log.Error("looking for an organization failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "this-machine"
	}
	// Agent tokens are stored only as hashes, so the hub cannot reuse the local agent's old token:
	// it issues a fresh one at each start.
	host, token, err := db.EnsureHostToken(ctx, org, name)
	if err != nil {
		log.Error("could not register this machine as a host", "err", err)
		return
	}
	a, err := agent.New(agent.Config{
		Hubs:     []string{hubURL},
		Token:    token,
		SpoolDir: filepath.Join(cfg.DataDir, "local-agent-spool"),
		Version:  cfg.Version,
		Procs:    procs.New(procs.Config{}),
	}, cfg.Logger)
	if err != nil {
		log.Error("could not start the local agent", "err", err)
		return
	}
	log.Info("monitoring this machine", "host", host.Name, "host_id", host.ID)
	if err := a.Run(ctx); err != nil && ctx.Err() == nil {
		log.Error("local agent stopped", "err", err)
	}
}
