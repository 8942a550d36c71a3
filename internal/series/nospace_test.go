package series

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
)

// TestNoSpace checks which database errors count as a full disk (the hub then tells agents so
// in words) and that the original error stays in the chain.
func TestNoSpace(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"sqlite full", errors.New("database or disk is full (13)"), true},
		{"sqlite code name", errors.New("append snapshots: commit 3 requests: SQLITE_FULL"), true},
		{"postgres disk_full", errors.New("ERROR: could not extend file: No space left on device (SQLSTATE 53100)"), true},
		{"enospc", fmt.Errorf("write wal: %w", syscall.ENOSPC), true},
		{"postgres code alone", errors.New("ERROR: disk full (SQLSTATE 53100)"), true},
		{"busy", errors.New("database is locked (5) (SQLITE_BUSY)"), false},
		{"digits are not a code", errors.New("append snapshot 1764853100000 of host 53100: database is locked"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := noSpace(tt.err)
			if is := errors.Is(got, ErrNoSpace); is != tt.want {
				t.Errorf("errors.Is(noSpace(%v), ErrNoSpace) = %v, want %v", tt.err, is, tt.want)
			}
			if tt.err != nil && !errors.Is(got, tt.err) {
				t.Errorf("noSpace(%v) lost the original error: %v", tt.err, got)
			}
		})
	}
}
