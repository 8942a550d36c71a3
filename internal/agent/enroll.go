package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// enrollment exchanges an enrollment key for this host's own agent token, once: the token is
// saved (mode 0600) and used from then on, so the key can expire without cutting the agent off.
func (a *Agent) enrollment(ctx context.Context) error {
	if a.cfg.Token != "" {
		return nil
	}
	if b, err := os.ReadFile(a.cfg.TokenFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
		a.cfg.Token = strings.TrimSpace(string(b))
		return nil
	}
	name := a.cfg.Name
	if name == "" {
		name = a.src.Facts().Hostname
	}
	backoff := time.Second
	for i := 0; ; i++ {
		hub := httpURL(a.cfg.Hubs[i%len(a.cfg.Hubs)])
		token, err := a.enroll(ctx, hub, name)
		if err == nil {
			if err := os.MkdirAll(filepath.Dir(a.cfg.TokenFile), 0o700); err != nil {
				return fmt.Errorf("save agent token: %w", err)
			}
			if err := os.WriteFile(a.cfg.TokenFile, []byte(token+"\n"), 0o600); err != nil {
				return fmt.Errorf("save agent token: %w", err)
			}
			a.cfg.Token = token
			a.log.Info("enrolled with the hub; agent token saved", "hub", hub, "name", name, "token_file", a.cfg.TokenFile)
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return err
		}
		a.log.Warn("enrollment failed; retrying", "hub", hub, "err", err, "retry_in", backoff)
		fire, stop := a.cfg.Clock.Timer(time.Duration(rand.Int64N(int64(backoff))) + 100*time.Millisecond)
		select {
		case <-ctx.Done():
			stop()
			return ctx.Err()
		case <-fire:
		}
		backoff = min(backoff*2, time.Minute)
	}
}

// permanentError is an enrollment refusal that retrying cannot fix.
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

func (a *Agent) enroll(ctx context.Context, hub, name string) (string, error) {
	body, _ := json.Marshal(map[string]string{"key": a.cfg.EnrollKey, "name": name})
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, hub+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("enroll at %s: %w", hub, err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out)
	switch {
	case resp.StatusCode == http.StatusCreated && strings.HasPrefix(out.Token, "vgh_"):
		return out.Token, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusBadRequest:
		return "", &permanentError{fmt.Sprintf("hub refused enrollment (%d): %s", resp.StatusCode, out.Error)}
	default:
		return "", fmt.Errorf("enroll at %s: status %d: %s", hub, resp.StatusCode, out.Error)
	}
}

// httpURL turns an agent endpoint URL back into the hub's base URL.
func httpURL(ws string) string {
	u := strings.TrimSuffix(ws, "/api/agent")
	if rest, ok := strings.CutPrefix(u, "wss://"); ok {
		return "https://" + rest
	}
	if rest, ok := strings.CutPrefix(u, "ws://"); ok {
		return "http://" + rest
	}
	return u
}
