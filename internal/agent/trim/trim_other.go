//go:build !linux

package trim

func code() (Result, error) { return Result{}, ErrUnsupported }
