package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksOnlyAgentPackages keeps the agent binary small and its attack surface narrow: of
// this module it may link only internal/wire, internal/agent/... and internal/check, the probe
// code of remote probes, which links nothing else of the module (DESIGN.md §10).
func TestLinksOnlyAgentPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	const module = "github.com/vigil-mon/vigil/"
	for _, pkg := range strings.Fields(string(out)) {
		rel, ours := strings.CutPrefix(pkg, module)
		if !ours || rel == "cmd/vigil-agent" || rel == "internal/wire" || rel == "internal/check" || rel == "internal/agent" || strings.HasPrefix(rel, "internal/agent/") {
			continue
		}
		t.Errorf("vigil-agent links %s; it may use only internal/wire, internal/check and internal/agent/...", pkg)
	}
	for _, pkg := range []string{"github.com/prometheus/client_golang/prometheus", "gopkg.in/yaml.v3", "modernc.org/sqlite"} {
		if strings.Contains(string(out), pkg+"\n") {
			t.Errorf("vigil-agent links %s, which the agent keeps out for binary size and RSS", pkg)
		}
	}
}
