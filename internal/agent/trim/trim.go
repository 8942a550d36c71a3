// Package trim keeps vigil-agent's resident memory small (DESIGN.md §8: RSS ≤ 8 MB).
//
// Most of a Go program's resident set is not its heap but its own binary: the kernel maps the
// executable's code and read-only data from the page cache, and on every page fault it maps the
// neighbouring cached pages too ("fault-around", 64 KB at a time), so an agent whose steady loop
// touches ~2.7 MB of its 11 MB binary ends up with ~7 MB of it resident. Code drops those
// mappings and the cached pages behind them, and asks the kernel not to read ahead on later
// faults, so that only the pages the agent actually runs come back. Nothing is lost: the pages
// are clean copies of the file and are read again on the next access.
package trim

import (
	"errors"
	"time"
)

// Result says what one Code call did.
type Result struct {
	Mappings int   // read-only mappings of the executable that were dropped
	Bytes    int64 // their total size (mapped, not necessarily resident before)
	// RSSBefore and RSSAfter are the process's file-backed resident bytes (RssFile) around the
	// call, for the log.
	RSSBefore, RSSAfter int64
}

// ErrUnsupported is returned where dropping pages is not implemented (anything but Linux).
var ErrUnsupported = errors.New("memory trimming is only implemented on Linux")

// Code drops the executable's read-only mappings (code, read-only data) from this process and
// its pages from the page cache; see the package comment. It is safe to call at any time and
// repeatedly: the pages are faulted back in on use.
func Code() (Result, error) { return code() }

// After is how long the agent should run before the first Code call, so that start-up code (flag parsing,
// enrollment, TLS set-up, spool recovery) has run and will not be needed again.
const After = 10 * time.Second
