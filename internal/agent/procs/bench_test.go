package procs

import (
	"testing"
	"time"
)

// BenchmarkWalk walks this machine's /proc, as the agent does every --proc-interval (top
// processes) and every second while watched live (full table).
func BenchmarkWalk(b *testing.B) {
	for _, full := range []bool{false, true} {
		name := "top"
		if full {
			name = "full"
		}
		b.Run(name, func(b *testing.B) {
			w := New(Config{})
			now := time.Now()
			if _, _, err := w.Walk(now, full); err != nil {
				b.Skipf("no /proc here: %v", err)
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				now = now.Add(time.Second)
				s, _, _ := w.Walk(now, full)
				n = int(s.Total)
			}
			b.ReportMetric(float64(n), "procs")
		})
	}
}
