package collect

import (
	"os"
	"path/filepath"
)

// netCounters are the /proc/net/dev columns Vigil uses.
type netCounters struct{ rxBytes, rxPackets, rxErrs, rxDrop, txBytes, txPackets, txErrs, txDrop uint64 }

// parseNetDev calls fn for every interface line of /proc/net/dev ("name: 16 counters"). name
// points into b. The two header lines have no colon; malformed lines are skipped.
func parseNetDev(b []byte, fn func(name []byte, n netCounters)) {
	var v [16]uint64
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		colon := -1
		for i, ch := range line {
			if ch == ':' {
				colon = i
				break
			}
		}
		if colon < 0 {
			continue
		}
		name := trimSpace(line[:colon])
		rest := line[colon+1:]
		ok := len(name) > 0
		for i := range v {
			var tok []byte
			tok, rest = nextField(rest)
			if v[i], ok = atou(tok); !ok {
				break
			}
		}
		if ok {
			fn(name, netCounters{v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11]})
		}
	}
}

// netState is one interface's label, whether it has a device behind it, and its previous
// counters.
type netState struct {
	label    string
	physical bool
	prev     netCounters
	gen      uint64
}

// netSamples parses /proc/net/dev and appends rates for interfaces seen in the previous
// collection too.
//
// Only interfaces with a device behind them (/sys/class/net/X/device exists: a NIC, a virtio or
// Xen vif, a USB adapter) are reported unless Config.IncludeVirtualNet is set. lo, veth,
// bridges (docker0, br-*, virbr*), bond masters, VLANs, tunnels and WireGuard carry traffic
// that a physical interface also counts, so adding them would count it twice. The slaves of a
// bond are physical and are reported; the bond itself is not. Inside a container every
// interface is a veth with no device; there, when no interface has a device, all but lo are
// reported, because they are the container's only way out.
func (c *Collector) netSamples(out []Sample, b []byte, dt float64) []Sample {
	anyPhysical := false
	parseNetDev(b, func(name []byte, n netCounters) {
		st := c.nets[string(name)]
		if st == nil {
			label := string(name)
			_, err := os.Stat(filepath.Join(c.paths.sysNet, label, "device"))
			st = &netState{label: label, physical: err == nil, gen: c.gen - 2}
			c.nets[label] = st
		}
		anyPhysical = anyPhysical || st.physical
	})
	parseNetDev(b, func(name []byte, n netCounters) {
		st := c.nets[string(name)]
		report := c.cfg.IncludeVirtualNet || st.physical || (!anyPhysical && st.label != "lo")
		if report && st.gen == c.gen-1 && dt > 0 {
			p := &st.prev
			out = append(out,
				Sample{"net.rx_bps", st.label, delta(n.rxBytes, p.rxBytes) / dt},
				Sample{"net.tx_bps", st.label, delta(n.txBytes, p.txBytes) / dt},
				Sample{"net.rx_pps", st.label, delta(n.rxPackets, p.rxPackets) / dt},
				Sample{"net.tx_pps", st.label, delta(n.txPackets, p.txPackets) / dt},
				Sample{"net.rx_errors_ps", st.label, delta(n.rxErrs, p.rxErrs) / dt},
				Sample{"net.tx_errors_ps", st.label, delta(n.txErrs, p.txErrs) / dt},
				Sample{"net.rx_drops_ps", st.label, delta(n.rxDrop, p.rxDrop) / dt},
				Sample{"net.tx_drops_ps", st.label, delta(n.txDrop, p.txDrop) / dt},
			)
		}
		st.prev, st.gen = n, c.gen
	})
	for name, st := range c.nets { // interfaces that went away (a stopped container's veth)
		if st.gen != c.gen {
			delete(c.nets, name)
		}
	}
	return out
}
