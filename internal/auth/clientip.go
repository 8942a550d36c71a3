package auth

import (
	"cmp"
	"net"
	"net/netip"
	"strings"
)

// maxForwardedHops bounds the X-Forwarded-For entries examined: no real proxy chain is longer,
// and a client could send thousands.
const maxForwardedHops = 20

// ClientIP returns the address of the client behind a request. remoteAddr is the TCP peer
// (host:port). Only when the peer is one of trusted are the X-Forwarded-For values believed,
// and then read right to left: each entry was appended by the hop before it, so the first entry
// (from the right) that is not itself a trusted proxy is the client. Entries further left were
// written by the client and may be forged. An unparsable entry stops the walk at the last
// address known to be genuine.
func ClientIP(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return cmp.Or(host, remoteAddr) // not an IP peer (tests, unix sockets): say what it is
	}
	peer = peer.Unmap()
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := 0
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		entries := strings.Split(forwardedFor[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			if hops++; hops > maxForwardedHops {
				return peer.String()
			}
			addr, ok := parseForwarded(entries[j])
			if !ok {
				return peer.String()
			}
			peer = addr
			if !isTrusted(addr, trusted) {
				return addr.String()
			}
		}
	}
	return peer.String() // every hop was a trusted proxy: the leftmost is the best we know
}

// parseForwarded reads one X-Forwarded-For entry: an IP address, optionally with a port
// ("1.2.3.4:5678", "[2001:db8::1]:443") as some proxies write it.
func parseForwarded(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads --trusted-proxy values: CIDR prefixes or single addresses, several
// per value when separated by commas.
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if p, err := netip.ParsePrefix(s); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, &net.ParseError{Type: "CIDR address or IP address", Text: s}
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}
