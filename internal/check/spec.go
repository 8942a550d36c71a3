// Package check runs the hub's uptime checks (DESIGN.md §6): it validates check specs, probes
// targets (HTTP(S), TCP, DNS, ICMP ping) and judges push/heartbeat checks, and schedules them.
// Probes never trust the target: every probe is bounded by the check's timeout and reads at most
// maxBody bytes of a response, so a target that hangs or sends endless data cannot stall anything.
package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Check types. The set is closed: probers in probe.go maps each to its constructor.
const (
	TypeHTTP = "http"
	TypeTCP  = "tcp"
	TypeDNS  = "dns"
	TypeICMP = "icmp"
	TypePush = "push"
)

// Types lists the check types in the order the UI offers them.
var Types = []string{TypeHTTP, TypeTCP, TypeDNS, TypeICMP, TypePush}

// Bounds on a spec. An interval below 10 s or a timeout near the interval would let one check
// dominate the scheduler; a day is the longest interval that still produces a useful uptime.
const (
	MinInterval    = 10
	MaxInterval    = 86400
	MinTimeoutMs   = 100
	MaxTimeoutMs   = 60000
	MaxRetries     = 10
	maxNameLen     = 100
	maxHeaders     = 32
	maxHeaderLen   = 4096
	maxRequestBody = 64 << 10
	maxPattern     = 1024
	MaxPushPeriod  = 30 * 86400
	maxCertDays    = 365
)

// Spec is what a user configures for one check. Fields that do not apply to the type must be
// left empty; Validate says which one is wrong. The same struct is the JSON body of the API and
// the YAML of import/export.
type Spec struct {
	Name      string `json:"name" yaml:"name"`
	Type      string `json:"type" yaml:"type"`
	HostID    *int64 `json:"host_id,omitempty" yaml:"host_id,omitempty"` // the host this check belongs to, if any
	Paused    bool   `json:"paused,omitempty" yaml:"paused,omitempty"`
	IntervalS int    `json:"interval_s" yaml:"interval_s"`
	TimeoutMs int    `json:"timeout_ms,omitempty" yaml:"timeout_ms,omitempty"`
	Retries   int    `json:"retries,omitempty" yaml:"retries,omitempty"` // failed probes tolerated before the check is down

	// Locations are where the check runs (absent: the hub only); Quorum is how many of them
	// must find it down before it is down (0: a majority). See locations.go.
	Locations *Locations `json:"locations,omitempty" yaml:"locations,omitempty"`
	Quorum    int        `json:"quorum,omitempty" yaml:"quorum,omitempty"`

	// HTTP(S)
	URL             string            `json:"url,omitempty" yaml:"url,omitempty"`
	Method          string            `json:"method,omitempty" yaml:"method,omitempty"`
	Headers         map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	Body            string            `json:"body,omitempty" yaml:"body,omitempty"`
	AcceptStatus    []string          `json:"accept_status,omitempty" yaml:"accept_status,omitempty"` // "200-299", "301"
	Keyword         string            `json:"keyword,omitempty" yaml:"keyword,omitempty"`
	Regex           string            `json:"regex,omitempty" yaml:"regex,omitempty"`
	JSONPath        string            `json:"json_path,omitempty" yaml:"json_path,omitempty"`     // e.g. "status" or "checks.0.ok"
	JSONExpect      string            `json:"json_expect,omitempty" yaml:"json_expect,omitempty"` // value at json_path, compared as text
	DegradedMs      int               `json:"degraded_ms,omitempty" yaml:"degraded_ms,omitempty"`
	CertExpiryDays  int               `json:"cert_expiry_days,omitempty" yaml:"cert_expiry_days,omitempty"`
	NoRedirects     bool              `json:"no_redirects,omitempty" yaml:"no_redirects,omitempty"`
	InsecureSkipTLS bool              `json:"insecure_skip_tls,omitempty" yaml:"insecure_skip_tls,omitempty"`

	// TCP, ICMP (host) and DNS (host = the name to resolve)
	Host string `json:"host,omitempty" yaml:"host,omitempty"`
	Port int    `json:"port,omitempty" yaml:"port,omitempty"`

	// DNS
	RecordType string `json:"record_type,omitempty" yaml:"record_type,omitempty"`
	Resolver   string `json:"resolver,omitempty" yaml:"resolver,omitempty"` // "ip" or "ip:port"; empty = the system's
	Expect     string `json:"expect,omitempty" yaml:"expect,omitempty"`

	// Push
	PeriodS int `json:"period_s,omitempty" yaml:"period_s,omitempty"`
	GraceS  int `json:"grace_s,omitempty" yaml:"grace_s,omitempty"`
}

// FieldError is a validation failure of one field of a spec; the API answers it as
// {"error": Msg, "field": Field}.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// RecordTypes are the DNS record types a check may ask for.
var RecordTypes = []string{"A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV"}

// Normalize fills defaults (method GET, timeout, accepted statuses 200-399, record type A) so
// that stored specs are explicit. Call it before Validate.
func (s *Spec) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Type = strings.ToLower(strings.TrimSpace(s.Type))
	s.URL = strings.TrimSpace(s.URL)
	s.Host = strings.TrimSpace(s.Host)
	if len(s.Headers) == 0 { // {} and absent mean the same; keep one form so specs compare equal
		s.Headers = nil
	}
	if len(s.AcceptStatus) == 0 {
		s.AcceptStatus = nil
	}
	s.normalizeLocations()
	if s.TimeoutMs == 0 && s.Type != TypePush {
		s.TimeoutMs = min(10000, s.IntervalS*1000/2)
	}
	switch s.Type {
	case TypeHTTP:
		if s.Method == "" {
			s.Method = http.MethodGet
		}
		s.Method = strings.ToUpper(s.Method)
		if len(s.AcceptStatus) == 0 {
			s.AcceptStatus = []string{"200-399"}
		}
	case TypeDNS:
		if s.RecordType == "" {
			s.RecordType = "A"
		}
		s.RecordType = strings.ToUpper(s.RecordType)
	case TypePush:
		if s.IntervalS == 0 {
			s.IntervalS = 60
		}
	}
}

// Validate checks every field and returns the first problem as a *FieldError.
func (s *Spec) Validate() error {
	if s.Name == "" || utf8.RuneCountInString(s.Name) > maxNameLen || !utf8.ValidString(s.Name) {
		return fieldErr("name", "name must be 1–%d characters", maxNameLen)
	}
	if !isType(s.Type) {
		return fieldErr("type", "unknown check type %q; use one of %s", s.Type, strings.Join(Types, ", "))
	}
	if s.IntervalS < MinInterval || s.IntervalS > MaxInterval {
		return fieldErr("interval_s", "interval must be %d–%d seconds, not %d", MinInterval, MaxInterval, s.IntervalS)
	}
	if s.Retries < 0 || s.Retries > MaxRetries {
		return fieldErr("retries", "retries must be 0–%d", MaxRetries)
	}
	if s.HostID != nil && *s.HostID <= 0 {
		return fieldErr("host_id", "host_id must be a host's id")
	}
	if err := s.validateLocations(); err != nil {
		return err
	}
	if s.Type != TypePush {
		if s.TimeoutMs < MinTimeoutMs || s.TimeoutMs > MaxTimeoutMs {
			return fieldErr("timeout_ms", "timeout must be %d–%d ms", MinTimeoutMs, MaxTimeoutMs)
		}
		if s.TimeoutMs >= s.IntervalS*1000 {
			return fieldErr("timeout_ms", "timeout must be shorter than the interval (%d s)", s.IntervalS)
		}
	}
	if err := s.onlyFieldsOf(s.Type); err != nil {
		return err
	}
	switch s.Type {
	case TypeHTTP:
		return s.validateHTTP()
	case TypeTCP:
		if err := validHost(s.Host); err != nil {
			return err
		}
		if s.Port < 1 || s.Port > 65535 {
			return fieldErr("port", "port must be 1–65535")
		}
	case TypeICMP:
		return validHost(s.Host)
	case TypeDNS:
		return s.validateDNS()
	case TypePush:
		if s.PeriodS < MinInterval || s.PeriodS > MaxPushPeriod {
			return fieldErr("period_s", "period must be %d–%d seconds", MinInterval, MaxPushPeriod)
		}
		if s.GraceS < 0 || s.GraceS > MaxPushPeriod {
			return fieldErr("grace_s", "grace must be 0–%d seconds", MaxPushPeriod)
		}
	}
	return nil
}

func isType(t string) bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// onlyFieldsOf rejects fields set that the type ignores: a silently ignored field is a
// misconfiguration the user would never notice.
func (s *Spec) onlyFieldsOf(typ string) error {
	set := []struct {
		field string
		on    bool
		types string
	}{
		{"url", s.URL != "", "http"},
		{"method", s.Method != "", "http"},
		{"headers", len(s.Headers) > 0, "http"},
		{"body", s.Body != "", "http"},
		{"accept_status", len(s.AcceptStatus) > 0, "http"},
		{"keyword", s.Keyword != "", "http"},
		{"regex", s.Regex != "", "http"},
		{"json_path", s.JSONPath != "", "http"},
		{"json_expect", s.JSONExpect != "", "http"},
		{"degraded_ms", s.DegradedMs != 0, "http tcp dns icmp"},
		{"cert_expiry_days", s.CertExpiryDays != 0, "http"},
		{"no_redirects", s.NoRedirects, "http"},
		{"insecure_skip_tls", s.InsecureSkipTLS, "http"},
		{"host", s.Host != "", "tcp dns icmp"},
		{"port", s.Port != 0, "tcp"},
		{"record_type", s.RecordType != "", "dns"},
		{"resolver", s.Resolver != "", "dns"},
		{"expect", s.Expect != "", "dns"},
		{"period_s", s.PeriodS != 0, "push"},
		{"grace_s", s.GraceS != 0, "push"},
		{"timeout_ms", s.TimeoutMs != 0, "http tcp dns icmp"},
	}
	for _, f := range set {
		if f.on && !strings.Contains(" "+f.types+" ", " "+typ+" ") {
			return fieldErr(f.field, "%s does not apply to %s checks", f.field, typ)
		}
	}
	return nil
}

func (s *Spec) validateHTTP() error {
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s.URL) > 2048 {
		return fieldErr("url", "url must be an absolute http:// or https:// URL")
	}
	if u.User != nil {
		return fieldErr("url", "put credentials in an Authorization header, not in the url")
	}
	switch s.Method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		return fieldErr("method", "unsupported method %q", s.Method)
	}
	if len(s.Headers) > maxHeaders {
		return fieldErr("headers", "at most %d headers", maxHeaders)
	}
	for k, v := range s.Headers {
		if !validHeaderName(k) || len(v) > maxHeaderLen || strings.ContainsAny(v, "\r\n\x00") {
			return fieldErr("headers", "invalid header %q", k)
		}
	}
	if len(s.Body) > maxRequestBody {
		return fieldErr("body", "body larger than %d bytes", maxRequestBody)
	}
	if _, err := parseStatusRanges(s.AcceptStatus); err != nil {
		return fieldErr("accept_status", "%v", err)
	}
	if len(s.Keyword) > maxPattern {
		return fieldErr("keyword", "keyword longer than %d bytes", maxPattern)
	}
	if s.Regex != "" {
		if len(s.Regex) > maxPattern {
			return fieldErr("regex", "regex longer than %d bytes", maxPattern)
		}
		if _, err := regexp.Compile(s.Regex); err != nil {
			return fieldErr("regex", "invalid regex: %v", err)
		}
	}
	if s.JSONExpect != "" && s.JSONPath == "" {
		return fieldErr("json_path", "json_expect needs a json_path")
	}
	if len(s.JSONPath) > 256 || strings.Contains(s.JSONPath, "..") {
		return fieldErr("json_path", "json_path must be dot-separated keys or indexes, e.g. data.items.0.status")
	}
	if s.DegradedMs < 0 || s.DegradedMs > MaxTimeoutMs {
		return fieldErr("degraded_ms", "degraded threshold must be 0–%d ms", MaxTimeoutMs)
	}
	if s.CertExpiryDays < 0 || s.CertExpiryDays > maxCertDays {
		return fieldErr("cert_expiry_days", "certificate expiry warning must be 0–%d days", maxCertDays)
	}
	if s.CertExpiryDays > 0 && u.Scheme != "https" {
		return fieldErr("cert_expiry_days", "certificate expiry needs an https:// url")
	}
	return nil
}

func validHeaderName(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for _, c := range k {
		if c > 127 || !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Spec) validateDNS() error {
	if err := validHost(s.Host); err != nil {
		return err
	}
	ok := false
	for _, t := range RecordTypes {
		ok = ok || t == s.RecordType
	}
	if !ok {
		return fieldErr("record_type", "unknown record type %q; use one of %s", s.RecordType, strings.Join(RecordTypes, ", "))
	}
	if s.Resolver != "" {
		if _, err := resolverAddr(s.Resolver); err != nil {
			return fieldErr("resolver", "resolver must be an IP address, optionally with :port")
		}
	}
	if len(s.Expect) > 255 {
		return fieldErr("expect", "expected answer longer than 255 characters")
	}
	return nil
}

// resolverAddr turns "ip" or "ip:port" into "ip:port" (default port 53).
func resolverAddr(r string) (string, error) {
	if ip := net.ParseIP(strings.Trim(r, "[]")); ip != nil {
		return net.JoinHostPort(ip.String(), "53"), nil
	}
	h, p, err := net.SplitHostPort(r)
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(p)
	if net.ParseIP(h) == nil || err != nil || port < 1 || port > 65535 {
		return "", errors.New("not ip:port")
	}
	return r, nil
}

// validHost accepts a DNS name or an IP address.
func validHost(h string) error {
	if h == "" || len(h) > 253 {
		return fieldErr("host", "host must be a hostname or IP address")
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return fieldErr("host", "host %q is not a valid hostname or IP address", h)
		}
		for _, c := range label {
			if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return fieldErr("host", "host %q is not a valid hostname or IP address", h)
			}
		}
	}
	return nil
}

// statusRange is an inclusive range of HTTP status codes.
type statusRange struct{ lo, hi int }

func parseStatusRanges(in []string) ([]statusRange, error) {
	if len(in) > 20 {
		return nil, errors.New("at most 20 status ranges")
	}
	out := make([]statusRange, 0, len(in))
	for _, s := range in {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
			return nil, fmt.Errorf("%q is not a status code or range like 200-299", s)
		}
		out = append(out, statusRange{a, b})
	}
	return out, nil
}

// DecodeSpec parses a JSON spec strictly (unknown fields, wrong types and trailing data are
// errors naming the field), fills defaults and validates it.
func DecodeSpec(data []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return Spec{}, fieldErr(typ.Field, "must be %s", typ.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if f = strings.Trim(f, `"`); f != "" {
				return Spec{}, fieldErr(f, "unknown field %q", f)
			}
			return Spec{}, errors.New("invalid check JSON: a field has an empty name")
		}
		return Spec{}, fmt.Errorf("invalid check JSON: %w", err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return Spec{}, errors.New("invalid check JSON: trailing data after the object")
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}
