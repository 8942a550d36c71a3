package main

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/trim"
)

// TestTrimLoop runs the real trimming schedule on this test binary for 25 minutes of fake time:
// the binary's pages are dropped at trim.After and every codeEvery, with one log line, and the
// loop ends with its context.
func TestTrimLoop(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("trimming is Linux only")
	}
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		ctx, cancel := context.WithTimeout(t.Context(), 25*time.Minute)
		defer cancel()
		done := make(chan struct{})
		go func() { trimLoop(ctx, log); close(done) }()
		time.Sleep(trim.After - time.Second)
		synctest.Wait()
		if buf.Len() != 0 {
			t.Fatalf("logged before trim.After: %s", buf.String())
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := strings.Count(buf.String(), "dropped unused pages"); got != 1 {
			t.Fatalf("after trim.After: got %d log lines about dropped pages, want 1:\n%s", got, buf.String())
		}
		<-done
		if got := strings.Count(buf.String(), "level="); got != 1 {
			t.Errorf("over 25 min: got %d log lines, want only the first trim's:\n%s", got, buf.String())
		}
	})
}
