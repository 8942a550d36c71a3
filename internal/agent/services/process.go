package services

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigil-mon/vigil/internal/wire"
)

// processNames counts running processes by name: their comm (at most 15 bytes, as the kernel
// keeps it) and the base name of their first argument, so that "postgres" and a long name
// like "node_exporter_custom" both match.
func processNames(procDir string) (map[string]int, error) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, err
	}
	names := map[string]int{}
	for _, e := range entries {
		if !isPID(e.Name()) {
			continue
		}
		seen := ""
		if b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "comm")); err == nil {
			seen = string(bytes.TrimSpace(b))
			names[seen]++
		}
		if b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "cmdline")); err == nil && len(b) > 0 {
			arg0, _, _ := bytes.Cut(b, []byte{0})
			if base := filepath.Base(string(arg0)); base != seen && base != "." && base != "/" {
				names[base]++
			}
		}
	}
	return names, nil
}

func processState(names map[string]int, name string) (wire.ServiceState, string) {
	switch n := names[name]; n {
	case 0:
		return wire.ServiceDown, "no process named " + name
	case 1:
		return wire.ServiceHealthy, "1 process"
	default:
		return wire.ServiceHealthy, fmt.Sprintf("%d processes", n)
	}
}

func isPID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
