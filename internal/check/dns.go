package check

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

var dnsTypes = map[string]dnsmessage.Type{
	"A": dnsmessage.TypeA, "AAAA": dnsmessage.TypeAAAA, "CNAME": dnsmessage.TypeCNAME, "MX": dnsmessage.TypeMX,
	"NS": dnsmessage.TypeNS, "TXT": dnsmessage.TypeTXT, "SRV": dnsmessage.TypeSRV,
}

// dnsProbe asks one resolver for one record over UDP. It builds the query itself rather than
// using net.Resolver so that the record type, the resolver and the answer's rcode are exactly
// what the user configured, without the system's search domains or caching in between.
type dnsProbe struct {
	name     dnsmessage.Name
	qtype    dnsmessage.Type
	resolver string
	expect   string
	timeout  time.Duration
	degraded int
	env      *Env
}

func newDNSProbe(_ int64, s Spec, env *Env) (Prober, error) {
	fqdn := s.Host
	if !strings.HasSuffix(fqdn, ".") {
		fqdn += "."
	}
	name, err := dnsmessage.NewName(fqdn)
	if err != nil {
		return nil, fmt.Errorf("dns name %q: %w", s.Host, err)
	}
	p := &dnsProbe{name: name, qtype: dnsTypes[s.RecordType], expect: normAnswer(s.Expect), timeout: ms(s.TimeoutMs), degraded: s.DegradedMs, env: env}
	if s.Resolver != "" {
		p.resolver, _ = resolverAddr(s.Resolver)
	}
	return p, nil
}

// systemResolver reads the first nameserver of /etc/resolv.conf, read per probe so that a
// changed resolver configuration applies without a restart.
func systemResolver() string {
	b, err := os.ReadFile("/etc/resolv.conf")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "nameserver" {
				if a, err := resolverAddr(f[1]); err == nil {
					return a
				}
			}
		}
	}
	return "127.0.0.1:53"
}

func (p *dnsProbe) Probe(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := p.env.Now()
	server := p.resolver
	if server == "" {
		server = systemResolver()
	}
	var idb [2]byte
	_, _ = rand.Read(idb[:])
	id := binary.BigEndian.Uint16(idb[:])
	q := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: p.name, Type: p.qtype, Class: dnsmessage.ClassINET}},
	}
	packed, err := q.Pack()
	if err != nil {
		return down(start, p.env.Now, "build DNS query: %v", err)
	}
	conn, err := p.env.Dialer.DialContext(ctx, "udp", server)
	if err != nil {
		return down(start, p.env.Now, "reach resolver %s: %v", server, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := conn.Write(packed); err != nil {
		return down(start, p.env.Now, "send query to %s: %v", server, err)
	}
	buf := make([]byte, 4096)
	var msg dnsmessage.Message
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return down(start, p.env.Now, "no answer from resolver %s within %s", server, p.timeout)
			}
			return down(start, p.env.Now, "read answer from %s: %v", server, err)
		}
		if err := msg.Unpack(buf[:n]); err != nil || msg.ID != id || !msg.Response {
			continue // not our answer (late reply to an earlier query, or garbage): keep waiting
		}
		break
	}
	d := p.env.Now().Sub(start)
	if msg.RCode != dnsmessage.RCodeSuccess {
		return down(start, p.env.Now, "resolver %s answered %s for %s %s", server, msg.RCode, p.qtype, p.name)
	}
	var answers []string
	for _, a := range msg.Answers {
		if a.Header.Type != p.qtype {
			continue // e.g. the CNAME chain in front of an A answer
		}
		answers = append(answers, answerText(a.Body))
	}
	if len(answers) == 0 {
		return Result{Time: start, Status: Down, Duration: d, Message: fmt.Sprintf("no %s record for %s", typeName(p.qtype), p.name)}
	}
	list := strings.Join(answers, ", ")
	if p.expect != "" {
		found := false
		for _, a := range answers {
			found = found || normAnswer(a) == p.expect
		}
		if !found {
			return Result{Time: start, Status: Down, Duration: d, Message: fmt.Sprintf("answer %s does not contain %s", list, p.expect)}
		}
	}
	return judge(Result{Time: start, Status: Up, Duration: d, Message: list}, p.degraded)
}

func typeName(t dnsmessage.Type) string { return strings.TrimPrefix(t.String(), "Type") }

// answerText renders a record the way a user writes it in "expect".
func answerText(b dnsmessage.ResourceBody) string {
	switch r := b.(type) {
	case *dnsmessage.AResource:
		return netip.AddrFrom4(r.A).String()
	case *dnsmessage.AAAAResource:
		return netip.AddrFrom16(r.AAAA).String()
	case *dnsmessage.CNAMEResource:
		return r.CNAME.String()
	case *dnsmessage.NSResource:
		return r.NS.String()
	case *dnsmessage.MXResource:
		return fmt.Sprintf("%d %s", r.Pref, r.MX.String())
	case *dnsmessage.TXTResource:
		return strings.Join(r.TXT, "")
	case *dnsmessage.SRVResource:
		return fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, r.Target.String())
	}
	return b.GoString()
}

// normAnswer compares answers case-insensitively and without the root dot, and IPv6
// addresses in canonical form.
func normAnswer(s string) string {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return strings.ToLower(strings.TrimSuffix(s, "."))
}
