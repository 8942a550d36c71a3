package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook headers. The signature is HMAC-SHA256 with the shared secret over
// "<timestamp>.<body>", hex encoded as "sha256=<hex>". Signing the timestamp together with
// the body is what makes the timestamp useful against replay: a receiver rejects requests
// whose timestamp is too old, and an attacker cannot refresh it without the secret.
const (
	HeaderSignature = "X-Vigil-Signature"
	HeaderTimestamp = "X-Vigil-Timestamp"
)

// Webhook POSTs the message as JSON, signed when Secret is set.
type Webhook struct {
	URL    string
	Secret string
	// Client defaults to one with a 10 s timeout.
	Client *http.Client
	// Now stamps requests; default time.Now. Injected so tests can sign deterministically.
	Now func() time.Time
}

// webhookBody is the JSON document receivers get.
type webhookBody struct {
	Subject  string    `json:"subject"`
	Text     string    `json:"text"`
	Severity string    `json:"severity"`
	Time     time.Time `json:"time"`
	Data     any       `json:"data,omitempty"`
}

// String names the severity as the webhook body does.
func (s Severity) String() string {
	switch s {
	case SevWarning:
		return "warning"
	case SevCritical:
		return "critical"
	}
	return "info"
}

// Send POSTs m. 2xx is success; 4xx other than 408 and 429 is permanent.
func (w *Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(webhookBody{m.Subject, m.Text, m.Severity.String(), m.Time, m.Data})
	if err != nil {
		return Permanent(fmt.Errorf("webhook: encode message: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("webhook: request to %s: %w", w.URL, err))
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigil-webhook")
	req.Header.Set(HeaderTimestamp, ts)
	if w.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: POST %s: %w", w.URL, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("webhook: POST %s: status %d: %s", w.URL, resp.StatusCode, strings.TrimSpace(string(snippet)))
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return Permanent(err)
	}
	return err
}

// Sign returns the X-Vigil-Signature value for body sent with timestamp ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrBadSignature is returned by Verify for a missing, stale or wrong signature.
var ErrBadSignature = errors.New("bad webhook signature")

// Verify checks a received webhook: the signature must match and the timestamp must be
// within maxAge of now. Receivers written in Go (and Vigil's own tests) use it.
func Verify(secret string, h http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, ts)
	}
	if age := now.Sub(time.Unix(sec, 0)); age > maxAge || age < -maxAge {
		return fmt.Errorf("%w: timestamp %s is %s away from now", ErrBadSignature, ts, age)
	}
	if !hmac.Equal([]byte(h.Get(HeaderSignature)), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	return nil
}
