package collect

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

type netCounters struct{ rxBytes, rxPackets, rxErrs, rxDrop, txBytes, txPackets, txErrs, txDrop float64 }

// parseNetDev reads /proc/net/dev.
func parseNetDev(b []byte) (map[string]netCounters, error) {
	out := map[string]netCounters{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		name, rest, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 16 {
			continue
		}
		var v [16]float64
		for i := range v {
			n, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("net/dev %s: %w", name, err)
			}
			v[i] = n
		}
		out[strings.TrimSpace(name)] = netCounters{v[0], v[1], v[2], v[3], v[8], v[9], v[10], v[11]}
	}
	return out, nil
}

// physical reports whether an interface has a device behind it. Virtual interfaces (lo, veth,
// bridges, bonds, tunnels) have none, and their traffic is already counted on a physical one.
func (c *Collector) physical(name string) bool {
	_, err := os.Stat(c.path("sys", "class", "net", name, "device"))
	return err == nil
}

func (c *Collector) network(out []Sample, dt float64) ([]Sample, error) {
	b, err := c.read("proc", "net", "dev")
	if err != nil {
		return out, fmt.Errorf("network: %w", err)
	}
	cur, err := parseNetDev(b)
	if err != nil {
		return out, fmt.Errorf("network: %w", err)
	}
	for _, name := range sortedKeys(cur) {
		prev, ok := c.prevNet[name]
		if !ok || dt <= 0 || (!c.cfg.IncludeVirtualNet && !c.physical(name)) {
			continue
		}
		n := cur[name]
		rate := func(a, b float64) float64 { return nonNeg(a-b) / dt }
		out = append(out,
			Sample{"net.rx_bps", name, rate(n.rxBytes, prev.rxBytes)},
			Sample{"net.tx_bps", name, rate(n.txBytes, prev.txBytes)},
			Sample{"net.rx_pps", name, rate(n.rxPackets, prev.rxPackets)},
			Sample{"net.tx_pps", name, rate(n.txPackets, prev.txPackets)},
			Sample{"net.rx_errors_ps", name, rate(n.rxErrs, prev.rxErrs)},
			Sample{"net.tx_errors_ps", name, rate(n.txErrs, prev.txErrs)},
			Sample{"net.rx_drops_ps", name, rate(n.rxDrop, prev.rxDrop)},
			Sample{"net.tx_drops_ps", name, rate(n.txDrop, prev.txDrop)},
		)
	}
	c.prevNet = cur
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
