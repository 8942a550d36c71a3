//go:build unix

package hub

import "syscall"

// raiseFileLimit sets the soft open-file limit to the hard limit and returns the result. Every
// connected agent holds one descriptor, so the soft default of 1,024 on many systems caps a hub
// at about a thousand agents. The Go runtime already does this on Linux and macOS since Go
// 1.19; doing it here as well makes the limit explicit and reportable on every Unix.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return uint64(l.Cur), err
		}
		l = want
	}
	return uint64(l.Cur), nil
}
