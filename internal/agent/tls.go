package agent

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// wsURL maps an http(s) hub URL to ws(s) and appends the agent endpoint. A bare host name means
// wss: the agent never silently downgrades to plain text.
func wsURL(hub string) string {
	u := strings.TrimRight(hub, "/")
	switch {
	case strings.HasPrefix(u, "https://"):
		u = "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		u = "ws://" + strings.TrimPrefix(u, "http://")
	case !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://"):
		u = "wss://" + u
	}
	if !strings.HasSuffix(u, "/api/agent") {
		u += "/api/agent"
	}
	return u
}

// tlsConfig always verifies the hub's certificate chain and name. A CA file adds roots (for a
// private CA); a fingerprint additionally pins the leaf certificate, so a certificate from any
// other CA-trusted party is refused too. Verification is never skipped.
func tlsConfig(cfg Config) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", cfg.CAFile)
		}
		t.RootCAs = pool
	}
	if fp := strings.ToLower(strings.ReplaceAll(cfg.Fingerprint, ":", "")); fp != "" {
		if _, err := hex.DecodeString(fp); err != nil || len(fp) != 64 {
			return nil, fmt.Errorf("hub fingerprint %q: want 64 hex digits of SHA-256 (colons allowed)", cfg.Fingerprint)
		}
		t.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("hub presented no certificate to check against the pinned fingerprint")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != fp {
				return fmt.Errorf("hub certificate fingerprint %x does not match the pinned one", sum)
			}
			return nil
		}
	}
	return t, nil
}
