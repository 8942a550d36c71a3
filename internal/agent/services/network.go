package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// network checks a TCP port (connects) or an HTTP URL (GET): down when it fails or answers
// 5xx, degraded when it answers 4xx or slower than SlowAfter, healthy otherwise.
func (c *Checker) network(ctx context.Context, s Spec) (wire.ServiceState, string) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	start := time.Now()
	if s.Kind == KindTCP {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", s.Name)
		if err != nil {
			return wire.ServiceDown, netReason(err, c.cfg.Timeout)
		}
		conn.Close()
		return c.timed(time.Since(start), "connected")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Name, nil)
	if err != nil {
		return wire.ServiceUnknown, "bad URL: " + err.Error()
	}
	req.Header.Set("User-Agent", "vigil-agent")
	resp, err := c.http.Do(req)
	if err != nil {
		return wire.ServiceDown, netReason(err, c.cfg.Timeout)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	took := time.Since(start)
	switch {
	case resp.StatusCode >= 500:
		return wire.ServiceDown, fmt.Sprintf("HTTP %d", resp.StatusCode)
	case resp.StatusCode >= 400:
		return wire.ServiceDegraded, fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return c.timed(took, fmt.Sprintf("HTTP %d", resp.StatusCode))
}

func (c *Checker) timed(took time.Duration, what string) (wire.ServiceState, string) {
	ms := took.Milliseconds()
	if took > c.cfg.SlowAfter {
		return wire.ServiceDegraded, fmt.Sprintf("slow: %s in %d ms", what, ms)
	}
	return wire.ServiceHealthy, fmt.Sprintf("%s in %d ms", what, ms)
}

// netReason says why a connection failed in the words an operator searches for.
func netReason(err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.As(err, &dnsErr):
		return "name not resolved: " + dnsErr.Name
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	}
	return err.Error()
}
