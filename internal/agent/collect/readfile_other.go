//go:build !linux

package collect

import "os"

// readFile reads a whole file. Outside Linux nothing reads /proc on a hot path, so the plain
// library call is enough.
func (c *Collector) readFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}
