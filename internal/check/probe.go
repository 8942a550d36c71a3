package check

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Status is the outcome of one probe.
type Status int8

// Degraded means the target answered correctly but slower than the check's degraded_ms: it
// counts as up for uptime and alerts, and is shown apart in the UI.
const (
	Down Status = iota
	Up
	Degraded
)

func (s Status) String() string {
	switch s {
	case Up:
		return "up"
	case Degraded:
		return "degraded"
	}
	return "down"
}

// MarshalText makes a Status read as "up", "degraded" or "down" in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// IsUp reports whether the status counts as up (Up or Degraded).
func (s Status) IsUp() bool { return s != Down }

// Result is one probe's outcome.
type Result struct {
	Time     time.Time     `json:"time"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"-"`
	Message  string        `json:"message"`
	// CertExpiry is when the server's certificate expires (HTTPS checks).
	CertExpiry *time.Time `json:"cert_expiry,omitempty"`
}

// Prober runs one probe of a check; it returns when done or when ctx ends, whichever is first.
// Probe never panics and reports every failure as a Down result with a message.
type Prober interface {
	Probe(ctx context.Context) Result
}

// Env is what probes share: the clock, a dialer and the push state. The scheduler's owner
// builds one per hub.
type Env struct {
	Now    func() time.Time
	Dialer *net.Dialer
	// LastPush returns a push check's most recent push; nil makes push checks always down.
	LastPush func(checkID int64) (Push, bool)
	// Location names the prober in the X-Vigil-Probe header of HTTP checks (LocationName);
	// nil means the hub. An agent sets it once the hub told it its host id.
	Location func() string
	http     *httpClients
}

func (e *Env) location() string {
	if e.Location == nil {
		return LocationName(Hub)
	}
	return e.Location()
}

// NewEnv returns an Env with the real clock and dialer.
func NewEnv(lastPush func(int64) (Push, bool)) *Env {
	e := &Env{Now: time.Now, Dialer: &net.Dialer{KeepAlive: 30 * time.Second}, LastPush: lastPush}
	e.http = newHTTPClients(e.Dialer)
	return e
}

// probers maps each check type to its constructor (STYLE.md 5: one closed list).
var probers = map[string]func(id int64, s Spec, env *Env) (Prober, error){
	TypeHTTP: newHTTPProbe,
	TypeTCP:  newTCPProbe,
	TypeDNS:  newDNSProbe,
	TypeICMP: newICMPProbe,
	TypePush: newPushProbe,
}

// NewProber builds the prober of a validated spec.
func NewProber(id int64, s Spec, env *Env) (Prober, error) {
	mk, ok := probers[s.Type]
	if !ok {
		return nil, fmt.Errorf("check %d: unknown type %q", id, s.Type)
	}
	if env.http == nil {
		env.http = newHTTPClients(env.Dialer)
	}
	return mk(id, s, env)
}

// judge sets the status from the duration and the check's degraded threshold.
func judge(r Result, degradedMs int) Result {
	if r.Status == Up && degradedMs > 0 && r.Duration > time.Duration(degradedMs)*time.Millisecond {
		r.Status = Degraded
		r.Message = fmt.Sprintf("slow: %d ms (degraded above %d ms)", r.Duration.Milliseconds(), degradedMs)
	}
	return r
}

func down(start time.Time, now func() time.Time, format string, args ...any) Result {
	t := now()
	return Result{Time: start, Status: Down, Duration: t.Sub(start), Message: fmt.Sprintf(format, args...)}
}

// tcpProbe connects to host:port.
type tcpProbe struct {
	addr     string
	timeout  time.Duration
	degraded int
	env      *Env
}

func newTCPProbe(_ int64, s Spec, env *Env) (Prober, error) {
	return &tcpProbe{addr: net.JoinHostPort(s.Host, fmt.Sprint(s.Port)), timeout: ms(s.TimeoutMs), degraded: s.DegradedMs, env: env}, nil
}

func (p *tcpProbe) Probe(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := p.env.Now()
	c, err := p.env.Dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return down(start, p.env.Now, "connect to %s: %v", p.addr, err)
	}
	d := p.env.Now().Sub(start)
	c.Close()
	return judge(Result{Time: start, Status: Up, Duration: d, Message: "connected"}, p.degraded)
}

// Push is one call of a push check's URL. A cron job may report its own failure with
// status=down, which makes the check down at once.
type Push struct {
	At      time.Time
	Down    bool
	Message string
}

// pushProbe judges a heartbeat check: down when the last push is older than period + grace.
type pushProbe struct {
	id            int64
	period, grace time.Duration
	created       time.Time
	env           *Env
}

func newPushProbe(id int64, s Spec, env *Env) (Prober, error) {
	return &pushProbe{id: id, period: sec(s.PeriodS), grace: sec(s.GraceS), created: env.Now(), env: env}, nil
}

func (p *pushProbe) Probe(context.Context) Result {
	now := p.env.Now()
	var last Push
	ok := false
	if p.env.LastPush != nil {
		last, ok = p.env.LastPush(p.id)
	}
	limit := p.period + p.grace
	if !ok {
		// A new check gets one period plus grace to receive its first push.
		if now.Sub(p.created) <= limit {
			return Result{Time: now, Status: Up, Message: "waiting for the first push"}
		}
		return Result{Time: now, Status: Down, Message: fmt.Sprintf("never pushed (expected every %s)", p.period)}
	}
	if age := now.Sub(last.At); age > limit {
		return Result{Time: now, Status: Down, Message: fmt.Sprintf("last push %s ago (expected every %s, grace %s)", age.Round(time.Second), p.period, p.grace)}
	}
	if last.Down {
		msg := "the pushing job reported a failure"
		if last.Message != "" {
			msg += ": " + last.Message
		}
		return Result{Time: now, Status: Down, Message: msg}
	}
	return Result{Time: now, Status: Up, Message: "last push " + last.At.UTC().Format(time.RFC3339)}
}

func ms(n int) time.Duration  { return time.Duration(n) * time.Millisecond }
func sec(n int) time.Duration { return time.Duration(n) * time.Second }
