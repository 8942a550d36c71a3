package alerting

import (
	"strconv"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/series"
	"github.com/vigil-mon/vigil/internal/wire"
)

// BenchmarkHostSnapshot measures the observer path ingest calls for every live snapshot: a
// heartbeat and the evaluation of the default rules on a snapshot of 150 values (8 of them
// watched: CPU total, iowait, load, memory, swap, 3 mounts × bytes and inodes). Budget
// context: 10,000 agents at 10 s are 1,000 snapshots a second on 2 cores (DESIGN §8).
func BenchmarkHostSnapshot(b *testing.B) {
	f := newFixture(b, 0)
	keys := []series.Key{{Name: "cpu.used_pct"}, {Name: "cpu.iowait_pct"}, {Name: "load.5"}, {Name: "mem.used_pct"}, {Name: "swap.used_pct"}}
	for _, m := range []string{"/", "/var", "/home"} {
		keys = append(keys, series.Key{Name: "fs.used_pct", Label: m}, series.Key{Name: "fs.inodes_used_pct", Label: m})
	}
	for i := len(keys); i < 150; i++ {
		keys = append(keys, series.Key{Name: "net.rx_bps", Label: "eth" + strconv.Itoa(i)})
	}
	values := make([]wire.Value, len(keys))
	for i := range values {
		values[i] = wire.Value{ID: uint32(i), V: 12.5}
	}
	const hosts = 1000
	ids := make([]int64, hosts)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	t0 := f.now.UnixMilli()
	for _, id := range ids { // learn every host first, as a running hub would have
		f.s.HostSnapshot(id, f.org, t0, keys, values)
	}
	f.s.qmu.Lock()
	f.s.queue = nil
	f.s.qmu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		f.s.HostSnapshot(ids[i%hosts], f.org, t0+int64(i/hosts+1)*int64(10*time.Second/time.Millisecond), keys, values)
	}
}
