//go:build !linux

package collect

import "errors"

// statfs is Linux-only for now; other systems report no filesystems rather than failing.
func statfs(string) (StatfsResult, error) {
	return StatfsResult{}, errors.New("filesystem sizes are only collected on Linux")
}
