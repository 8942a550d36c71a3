//go:build !linux

package collect

import (
	"errors"
	"time"
)

// collectOS reports nothing outside Linux: the agent's collectors read /proc and /sys. The
// package still builds everywhere, so that the agent and its tests compile on developers'
// machines, and Facts still reports what the Go runtime knows.
func (c *Collector) collectOS(out []Sample, _ time.Time, _ float64) ([]Sample, error) {
	return out, nil
}

// countPIDs is only called from collectOS on Linux.
func (c *Collector) countPIDs() (int, error) {
	return 0, errors.New("process count is only collected on Linux")
}

// statfs is Linux-only for now; other systems report no filesystems rather than failing.
func statfs(string) (StatfsResult, error) {
	return StatfsResult{}, errors.New("filesystem sizes are only collected on Linux")
}
