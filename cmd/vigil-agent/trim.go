package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/trim"
)

// Memory trimming schedule (DESIGN.md §8, RSS ≤ 8 MB; see package trim):
//   - every heapEvery the heap is collected and its free pages returned to the OS. The agent
//     allocates ~20 KB/s against a live heap under 1 MB, so the Go runtime would otherwise let
//     the heap grow to its 4 MB minimum goal and keep the freed pages for minutes. One forced
//     collection and scavenge costs 7–13 ms of CPU here (measured with getrusage), hence once
//     a minute (~0.015 % of a core), not more often. A lower GOGC instead raised RssAnon.
//   - trim.After after start, then every codeEvery, the unused pages of the agent's binary are
//     dropped. Not more often: the pages in use are read back from disk each time.
const (
	heapEvery = time.Minute
	codeEvery = 10 * time.Minute
)

// trimLoop runs the schedule above until ctx ends. A failure to drop the binary's pages is
// logged once and stops only that part: it costs memory, nothing else.
func trimLoop(ctx context.Context, log *slog.Logger) {
	t := time.NewTimer(trim.After)
	defer t.Stop()
	codeOK, lastCode := true, time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		debug.FreeOSMemory()
		if now := time.Now(); codeOK && now.Sub(lastCode) >= codeEvery {
			res, err := trim.Code()
			switch {
			case err != nil:
				log.Warn("cannot drop unused pages of the agent binary; resident memory stays higher", "err", err)
				codeOK = false
			case lastCode.IsZero():
				log.Info("dropped unused pages of the agent binary from memory", "mapped_bytes", res.Bytes,
					"resident_file_bytes_before", res.RSSBefore, "after", res.RSSAfter, "every", codeEvery)
			}
			lastCode = now
		}
		t.Reset(heapEvery)
	}
}
