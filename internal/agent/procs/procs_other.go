//go:build !linux

package procs

import (
	"errors"
	"time"
)

// walkOS reports nothing outside Linux: processes are read from /proc.
func (w *Walker) walkOS(time.Time, func(k key, p *proc, isNew bool), float64) (int, error) {
	return 0, errors.New("processes are only read on Linux")
}

func (w *Walker) readIO(key, *proc, float64) {}

type statFD struct{}

// Close releases nothing outside Linux.
func (w *Walker) Close() error { return nil }
