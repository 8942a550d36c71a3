package check

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// ErrNoICMP says that this machine lets the hub open neither kind of ICMP socket.
var ErrNoICMP = errors.New("ICMP ping needs either unprivileged ping sockets (sysctl net.ipv4.ping_group_range must include the hub's group, e.g. \"0 2147483647\") or the CAP_NET_RAW capability (setcap cap_net_raw+ep on the vigil binary, or AmbientCapabilities=CAP_NET_RAW in its systemd unit)")

// icmpProbe sends one ICMP echo request (IPv4) and waits for its reply.
type icmpProbe struct {
	host     string
	timeout  time.Duration
	degraded int
	env      *Env
}

func newICMPProbe(_ int64, s Spec, env *Env) (Prober, error) {
	return &icmpProbe{host: s.Host, timeout: ms(s.TimeoutMs), degraded: s.DegradedMs, env: env}, nil
}

// listenICMP opens an unprivileged datagram ICMP socket ("ping socket", allowed by
// net.ipv4.ping_group_range) and falls back to a raw socket (needs CAP_NET_RAW). raw reports
// which one it got: a raw socket sees every ICMP packet of the machine, so replies must be
// matched by identifier too; on a ping socket the kernel owns the identifier.
func listenICMP() (c *icmp.PacketConn, raw bool, err error) {
	c, err1 := icmp.ListenPacket("udp4", "0.0.0.0")
	if err1 == nil {
		return c, false, nil
	}
	c, err2 := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err2 == nil {
		return c, true, nil
	}
	return nil, false, fmt.Errorf("%w (ping socket: %v; raw socket: %v)", ErrNoICMP, err1, err2)
}

func (p *icmpProbe) Probe(ctx context.Context) Result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	start := p.env.Now()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", p.host)
	if err != nil || len(ips) == 0 {
		return down(start, p.env.Now, "resolve %s to an IPv4 address: %v", p.host, err)
	}
	ip := ips[0].AsSlice()
	conn, raw, err := listenICMP()
	if err != nil {
		return down(start, p.env.Now, "%v", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) }) // parent cancelled
	defer stop()

	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	id, seq := int(rnd[0])<<8|int(rnd[1]), int(rnd[2])<<8|int(rnd[3])
	payload := []byte("vigil-uptime-" + fmt.Sprint(seq))
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: payload}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return down(start, p.env.Now, "build echo request: %v", err)
	}
	var dst net.Addr = &net.IPAddr{IP: ip}
	if !raw {
		dst = &net.UDPAddr{IP: ip}
	}
	sent := p.env.Now()
	if _, err := conn.WriteTo(b, dst); err != nil {
		return down(start, p.env.Now, "send echo request to %s: %v", net.IP(ip), err)
	}
	buf := make([]byte, 1500)
	for {
		n, peer, err := conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return down(start, p.env.Now, "no echo reply from %s within %s", net.IP(ip), p.timeout)
			}
			return down(start, p.env.Now, "read echo reply: %v", err)
		}
		reply, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || reply.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		echo, ok := reply.Body.(*icmp.Echo)
		if !ok || echo.Seq != seq || string(echo.Data) != string(payload) || (raw && echo.ID != id) || !samePeer(peer, ip) {
			continue // another process's ping seen by the raw socket
		}
		d := p.env.Now().Sub(sent)
		return judge(Result{Time: start, Status: Up, Duration: d, Message: fmt.Sprintf("echo reply from %s", net.IP(ip))}, p.degraded)
	}
}

func samePeer(a net.Addr, ip net.IP) bool {
	switch x := a.(type) {
	case *net.IPAddr:
		return x.IP.Equal(ip)
	case *net.UDPAddr:
		return x.IP.Equal(ip)
	}
	return false
}
