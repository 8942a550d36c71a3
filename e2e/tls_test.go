package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key, returning the paths
// and the certificate's SHA-256 fingerprint.
func selfSigned(t *testing.T) (certFile, keyFile, fingerprint string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vigil test hub"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "hub.crt"), filepath.Join(dir, "hub.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	sum := sha256.Sum256(der)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, hex.EncodeToString(sum[:]), pool
}

// TestTLS serves the hub over HTTPS: an agent trusting the hub's CA connects; one that does not
// trust it, or pins another fingerprint, is refused by its own certificate check.
func TestTLS(t *testing.T) {
	certFile, keyFile, fp, pool := selfSigned(t)
	e := startHub(t, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(e.url, "https://") {
		t.Fatalf("got hub URL %s, want https", e.url)
	}
	e.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	resp, err := e.client.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header under TLS")
	}

	_, tokUntrusted := e.addHost(t, "untrusted")
	untrusted := start(t, "vigil-agent", "--hub", e.url, "--token", tokUntrusted, "--spool-dir", "-")
	_, tokPinned := e.addHost(t, "wrong-pin")
	wrongPin := start(t, "vigil-agent", "--hub", e.url, "--token", tokPinned, "--ca-file", certFile, "--hub-fingerprint", strings.Repeat("ab", 32), "--spool-dir", "-")
	_, tok := e.addHost(t, "trusted")
	start(t, "vigil-agent", "--hub", e.url, "--token", tok, "--ca-file", certFile, "--hub-fingerprint", fp, "--interval", "1s", "--spool-dir", "-")

	e.hub.waitFor(t, regexp.MustCompile(`agent connected.*host=trusted`), 20*time.Second)
	untrusted.waitFor(t, regexp.MustCompile(`certificate`), 15*time.Second)
	wrongPin.waitFor(t, regexp.MustCompile(`fingerprint`), 15*time.Second)
	if regexp.MustCompile(`agent connected.*host=(untrusted|wrong-pin)`).MatchString(e.hub.output()) {
		t.Error("an agent that does not trust the hub's certificate connected")
	}
}
