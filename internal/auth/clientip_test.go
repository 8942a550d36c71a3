package auth

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.168.1.1,::1", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"no proxies configured: header ignored", "203.0.113.5:4000", []string{"1.1.1.1"}, nil, "203.0.113.5"},
		{"untrusted peer: header ignored", "203.0.113.5:4000", []string{"1.1.1.1"}, trusted, "203.0.113.5"},
		{"trusted peer, no header", "10.1.2.3:4000", nil, trusted, "10.1.2.3"},
		{"trusted peer names the client", "10.1.2.3:4000", []string{"198.51.100.7"}, trusted, "198.51.100.7"},
		{"forged left entries are skipped", "10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.7"}, trusted, "198.51.100.7"},
		{"chain of trusted proxies", "10.1.2.3:4000", []string{"198.51.100.7, 192.168.1.1", "10.9.9.9"}, trusted, "198.51.100.7"},
		{"all hops trusted: leftmost", "10.1.2.3:4000", []string{"10.0.0.1, 10.0.0.2"}, trusted, "10.0.0.1"},
		{"garbage stops at the last genuine hop", "10.1.2.3:4000", []string{"198.51.100.7, nonsense"}, trusted, "10.1.2.3"},
		{"garbage after a trusted hop", "10.1.2.3:4000", []string{"bad, 10.0.0.5"}, trusted, "10.0.0.5"},
		{"entry with port", "10.1.2.3:4000", []string{"198.51.100.7:5555"}, trusted, "198.51.100.7"},
		{"IPv6 peer and entry", "[::1]:4000", []string{"[2a00::1]:443"}, trusted, "2a00::1"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:4000", []string{"198.51.100.7"}, trusted, "198.51.100.7"},
		{"mapped client is shown as IPv4", "10.1.2.3:4000", []string{"::ffff:198.51.100.7"}, trusted, "198.51.100.7"},
		{"zone in an entry is refused", "10.1.2.3:4000", []string{"fe80::1%eth0"}, trusted, "10.1.2.3"},
		{"empty entry", "10.1.2.3:4000", []string{""}, trusted, "10.1.2.3"},
		{"too many hops", "10.1.2.3:4000", []string{"1.2.3.4," + strings.Repeat("10.0.0.1,", 30) + "10.0.0.2"}, trusted, "10.0.0.1"},
		{"remote without port", "10.1.2.3", []string{"198.51.100.7"}, trusted, "198.51.100.7"},
		{"unparsable remote", "pipe", []string{"198.51.100.7"}, trusted, "pipe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ClientIP(c.remote, c.xff, c.trusted); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{"10.1.2.3/8, 127.0.0.1", "", "::1"})
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	if err != nil || len(got) != len(want) {
		t.Fatalf("got %v %v, want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: got %v, want an error naming it", bad, err)
		}
	}
}

// FuzzClientIP: whatever the header says, the answer is the peer or an address that appears in
// the header, and an untrusted peer always gets its own address.
func FuzzClientIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4, 10.0.0.1", "[::1]:80", "", ",,,", "fe80::1%eth0", "1.2.3.4:99999"} {
		f.Add("10.0.0.9:1234", s)
		f.Add("8.8.8.8:1", s)
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f.Fuzz(func(t *testing.T, remote, header string) {
		got := ClientIP(remote, []string{header}, trusted)
		if got == "" && remote != "" {
			t.Fatalf("empty address for remote %q", remote)
		}
		peer := ClientIP(remote, nil, nil)
		if got != peer {
			if a, err := netip.ParseAddr(peer); err != nil || !trusted[0].Contains(a) {
				t.Fatalf("untrusted peer %q got %q from header %q", remote, got, header)
			}
			if _, err := netip.ParseAddr(got); err != nil {
				t.Fatalf("got %q, not an address", got)
			}
		}
	})
}
