package collect

import (
	"testing"
	"time"
)

// BenchmarkCollect measures one collection on this machine's real /proc and /sys, the cost the
// agent pays every second while a host is watched.
func BenchmarkCollect(b *testing.B) {
	c := New(Config{})
	now := time.Now()
	if _, err := c.Collect(now); err != nil {
		b.Logf("first collection: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		c.Collect(now)
	}
	samples, _ := c.Collect(now.Add(time.Second))
	b.ReportMetric(float64(len(samples)), "samples/op")
}
