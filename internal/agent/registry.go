package agent

import (
	"math"
	"slices"
	"sync"

	"github.com/vigil-mon/vigil/internal/agent/collect"
	"github.com/vigil-mon/vigil/internal/agent/spool"
	"github.com/vigil-mon/vigil/internal/wire"
)

// registry numbers series densely in first-seen order for the life of the process. Every
// connection announces the whole registry in hello, so these IDs are also the wire IDs and a
// snapshot kept across a reconnect stays valid.
type registry struct {
	mu     sync.Mutex
	series []wire.Series
	ids    map[[2]string]uint32
	info   map[string]collect.Metric
	// persist records new series (the spool's dictionary) before they are used; nil = none.
	persist func([]spool.Key) (uint32, error)
}

// load restores series numbered by an earlier run.
func (r *registry) load(keys []spool.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		r.add(k.Name, k.Label)
	}
}

func (r *registry) add(name, label string) uint32 {
	m, known := r.info[name]
	if !known {
		m = collect.Metric{Name: name, Scale: 2}
	}
	id := uint32(len(r.series))
	r.series = append(r.series, wire.Series{ID: id, Name: name, Label: label, Unit: m.Unit, Scale: uint8(min(max(m.Scale, 0), wire.MaxScale))})
	r.ids[[2]string{name, label}] = id
	return id
}

func newRegistry() *registry {
	info := map[string]collect.Metric{}
	for _, m := range collect.Catalog() {
		info[m.Name] = m
	}
	return &registry{ids: map[[2]string]uint32{}, info: info}
}

// snapshot turns samples into a wire snapshot with values rounded to each series' scale, so
// that they travel as exact small integers.
func (r *registry) snapshot(seq uint64, timeMs int64, samples []collect.Sample) wire.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := wire.Snapshot{Seq: seq, TimeMs: timeMs, Values: make([]wire.Value, 0, len(samples))}
	seen := make(map[uint32]bool, len(samples))
	for _, smp := range samples {
		key := [2]string{smp.Name, smp.Label}
		id, ok := r.ids[key]
		if !ok {
			if len(r.series) >= wire.MaxSeries || len(smp.Name) > wire.MaxStringBytes || len(smp.Label) > wire.MaxStringBytes || smp.Name == "" {
				continue
			}
			if r.persist != nil {
				if _, err := r.persist([]spool.Key{{Name: smp.Name, Label: smp.Label}}); err != nil {
					continue // a series the spool cannot name would be unreadable after a restart
				}
			}
			id = r.add(smp.Name, smp.Label)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		p := math.Pow10(int(r.series[id].Scale))
		s.Values = append(s.Values, wire.Value{ID: id, V: math.Round(smp.Value*p) / p})
	}
	slices.SortFunc(s.Values, func(a, b wire.Value) int { return int(a.ID) - int(b.ID) })
	return s
}

// from returns the series with IDs ≥ n.
func (r *registry) from(n int) []wire.Series {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n >= len(r.series) {
		return nil
	}
	return slices.Clone(r.series[n:])
}
