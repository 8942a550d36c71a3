package ingest

import (
	"maps"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// TestReconnectWithReorderedDictionary checks the mapping of wire series IDs to store IDs: a
// first connection registers its dictionary in order (wire ID = store ID, the connection shares
// the store's key slice); a reconnect announcing the same series in another order plus a new
// one must still store and show every value under its own name.
func TestReconnectWithReorderedDictionary(t *testing.T) {
	f := newFixture(t)
	// obs returns what the observer saw of the snapshot at ts; the hub tells observers after
	// the ack, so it waits for that snapshot.
	obs := func(ts int64) map[string]float64 {
		o := f.h.cfg.Observer.(*testObserver)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			o.mu.Lock()
			last, v := o.last[1], maps.Clone(o.values)
			o.mu.Unlock()
			if last == ts || time.Now().After(deadline) {
				return v
			}
		}
	}
	base := time.Now().Add(-time.Minute).Truncate(time.Second).UnixMilli()
	tests := []struct {
		name   string
		series []wire.Series
		values []wire.Value
		want   map[string]float64
	}{
		{"first connection, stored order",
			[]wire.Series{{ID: 0, Name: "cpu.used_pct", Scale: 2}, {ID: 1, Name: "mem.used_bytes"}},
			[]wire.Value{{ID: 0, V: 12.5}, {ID: 1, V: 1 << 30}},
			map[string]float64{"cpu.used_pct{}": 12.5, "mem.used_bytes{}": 1 << 30}},
		{"reconnect, reordered and one new series",
			[]wire.Series{{ID: 0, Name: "mem.used_bytes"}, {ID: 1, Name: "disk.used_bytes", Label: "/"}, {ID: 2, Name: "cpu.used_pct", Scale: 2}},
			[]wire.Value{{ID: 0, V: 2 << 30}, {ID: 1, V: 7}, {ID: 2, V: 55.5}},
			map[string]float64{"cpu.used_pct{}": 55.5, "mem.used_bytes{}": 2 << 30, "disk.used_bytes{/}": 7}},
	}
	for i, tc := range tests {
		a, _, err := f.dial(t, "vgh_one")
		if err != nil {
			t.Fatal(err)
		}
		hello, err := a.enc.Hello(&wire.Hello{Version: wire.Version, AgentVersion: "test", IntervalMs: 10000, Series: tc.series})
		if err != nil {
			t.Fatal(err)
		}
		a.write(t, hello)
		if m, err := a.next(t); err != nil {
			t.Fatalf("%s: read welcome: %v", tc.name, err)
		} else if _, ok := m.(*wire.Welcome); !ok {
			t.Fatalf("%s: got %T after hello, want welcome", tc.name, m)
		}
		ts := base + int64(i)*10000
		frame, err := a.enc.Batch(&wire.Batch{Snapshots: []wire.Snapshot{{Seq: 1, TimeMs: ts, Values: tc.values}}})
		if err != nil {
			t.Fatal(err)
		}
		a.write(t, frame)
		a.expectAck(t, 1)
		if got := obs(ts); !maps.Equal(got, tc.want) {
			t.Errorf("%s: observer saw %v, want %v", tc.name, got, tc.want)
		}
		at, latest, ok := f.store.Latest(1)
		stored := map[string]float64{}
		for k, v := range latest {
			stored[k.Name+"{"+k.Label+"}"] = v
		}
		if !ok || at != ts || !maps.Equal(stored, tc.want) {
			t.Errorf("%s: store has %v at %d, want %v at %d", tc.name, stored, at, tc.want, ts)
		}
		a.ws.CloseNow()
		for f.h.Online(1) { // the hub notices the close; the next dial must not race it
			time.Sleep(10 * time.Millisecond)
		}
	}
}
