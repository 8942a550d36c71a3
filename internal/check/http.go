package check

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxBody is how much of a response body a check reads for keyword, regex and JSON matching.
// A target that sends more (or endlessly) is cut off there: the check never buffers more.
const maxBody = 1 << 20

// httpClients holds the two transports all HTTP checks share (verified and unverified TLS), so
// a thousand checks reuse connections instead of opening a thousand pools.
type httpClients struct {
	verified, insecure *http.Transport
}

func newHTTPClients(d *net.Dialer) *httpClients {
	mk := func(insecure bool) *http.Transport {
		return &http.Transport{
			DialContext:           d.DialContext,
			TLSClientConfig:       &tls.Config{InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}, //nolint:gosec // per-check opt-in for self-signed targets
			MaxIdleConnsPerHost:   4,
			MaxIdleConns:          1024,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: time.Minute, // the probe's own timeout is shorter; this bounds a leak
			DisableCompression:    false,
		}
	}
	return &httpClients{verified: mk(false), insecure: mk(true)}
}

type httpProbe struct {
	spec     Spec
	client   *http.Client
	accept   []statusRange
	re       *regexp.Regexp
	path     []string
	timeout  time.Duration
	env      *Env
	certWarn time.Duration
}

func newHTTPProbe(_ int64, s Spec, env *Env) (Prober, error) {
	accept, err := parseStatusRanges(s.AcceptStatus)
	if err != nil {
		return nil, err
	}
	p := &httpProbe{spec: s, accept: accept, timeout: ms(s.TimeoutMs), env: env, certWarn: time.Duration(s.CertExpiryDays) * 24 * time.Hour}
	if s.Regex != "" {
		if p.re, err = regexp.Compile(s.Regex); err != nil {
			return nil, err
		}
	}
	if s.JSONPath != "" {
		p.path = strings.Split(strings.TrimPrefix(strings.TrimPrefix(s.JSONPath, "$"), "."), ".")
	}
	tr := env.http.verified
	if s.InsecureSkipTLS {
		tr = env.http.insecure
	}
	p.client = &http.Client{Transport: tr}
	if s.NoRedirects {
		p.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	} else {
		p.client.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			return nil
		}
	}
	return p, nil
}

func (p *httpProbe) Probe(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := p.env.Now()
	var body io.Reader
	if p.spec.Body != "" {
		body = strings.NewReader(p.spec.Body)
	}
	req, err := http.NewRequestWithContext(ctx, p.spec.Method, p.spec.URL, body)
	if err != nil {
		return down(start, p.env.Now, "build request: %v", err)
	}
	req.Header.Set("User-Agent", "Vigil-Uptime/1")
	// Which location probes: lets the target's logs (and firewall rules) tell the hub and
	// each agent apart. The check's own headers may override it.
	req.Header.Set("X-Vigil-Probe", p.env.location())
	for k, v := range p.spec.Headers {
		req.Header.Set(k, v)
	}
	if h := req.Header.Get("Host"); h != "" { // Go sends req.Host, not a Host header
		req.Host = h
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return down(start, p.env.Now, "no answer within %s", p.timeout)
		}
		return down(start, p.env.Now, "%s", trimURLError(err))
	}
	defer resp.Body.Close()
	// The response time is time to headers: that is what the user's visitors wait for before
	// anything renders, and it does not depend on how much of the body the check reads.
	r := Result{Time: start, Status: Up, Duration: p.env.Now().Sub(start)}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		exp := resp.TLS.PeerCertificates[0].NotAfter
		for _, c := range resp.TLS.PeerCertificates { // the chain expires with its first member
			if c.NotAfter.Before(exp) {
				exp = c.NotAfter
			}
		}
		exp = exp.UTC()
		r.CertExpiry = &exp
	}
	if !p.accepted(resp.StatusCode) {
		return p.fail(r, "status %d %s is not accepted (%s)", resp.StatusCode, http.StatusText(resp.StatusCode), strings.Join(p.spec.AcceptStatus, ", "))
	}
	if r.CertExpiry != nil && p.certWarn > 0 {
		if left := r.CertExpiry.Sub(p.env.Now()); left < p.certWarn {
			return p.fail(r, "TLS certificate expires in %.1f days (%s), threshold %d days", left.Hours()/24, r.CertExpiry.Format(time.DateOnly), p.spec.CertExpiryDays)
		}
	}
	if p.spec.Keyword != "" || p.re != nil || p.path != nil {
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			if ctx.Err() != nil {
				return p.fail(r, "body not received within %s (got %d bytes)", p.timeout, len(data))
			}
			return p.fail(r, "read body: %v", err)
		}
		if p.spec.Keyword != "" && !bytes.Contains(data, []byte(p.spec.Keyword)) {
			return p.fail(r, "keyword %q not found in the first %d bytes", p.spec.Keyword, len(data))
		}
		if p.re != nil && !p.re.Match(data) {
			return p.fail(r, "regex %q does not match the first %d bytes", p.spec.Regex, len(data))
		}
		if p.path != nil {
			if msg := p.checkJSON(data); msg != "" {
				return p.fail(r, "%s", msg)
			}
		}
	}
	r.Message = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	return judge(r, p.spec.DegradedMs)
}

func (p *httpProbe) fail(r Result, format string, args ...any) Result {
	r.Status = Down
	r.Message = fmt.Sprintf(format, args...)
	return r
}

func (p *httpProbe) accepted(code int) bool {
	for _, a := range p.accept {
		if code >= a.lo && code <= a.hi {
			return true
		}
	}
	return false
}

// checkJSON follows the dot path through objects and arrays and compares the value found (as
// its JSON text, strings unquoted) with json_expect; without json_expect the value must exist
// and not be false or null. It returns "" when the condition holds.
func (p *httpProbe) checkJSON(data []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "response is not JSON: " + err.Error()
	}
	for _, k := range p.path {
		switch x := v.(type) {
		case map[string]any:
			val, ok := x[k]
			if !ok {
				return fmt.Sprintf("json_path %s: no key %q", p.spec.JSONPath, k)
			}
			v = val
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return fmt.Sprintf("json_path %s: no index %q", p.spec.JSONPath, k)
			}
			v = x[i]
		default:
			return fmt.Sprintf("json_path %s: %q is not inside an object or array", p.spec.JSONPath, k)
		}
	}
	got := jsonText(v)
	if p.spec.JSONExpect == "" {
		if v == nil || v == false {
			return fmt.Sprintf("json_path %s is %s", p.spec.JSONPath, got)
		}
		return ""
	}
	if got != p.spec.JSONExpect {
		return fmt.Sprintf("json_path %s is %s, want %s", p.spec.JSONPath, got, p.spec.JSONExpect)
	}
	return ""
}

func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// trimURLError drops the "Get "url": " prefix the HTTP client puts on every error: the url is
// the check's own and only repeats it.
func trimURLError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}
