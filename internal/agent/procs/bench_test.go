package procs

import (
	"syscall"
	"testing"
	"time"
)

// cpuNow is this process's user+system CPU time: on a shared machine wall time per walk
// mostly measures waiting for a core, so CPU time is reported beside it.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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
			cpu0 := cpuNow()
			for b.Loop() {
				now = now.Add(time.Second)
				s, _, _ := w.Walk(now, full)
				n = int(s.Total)
			}
			b.ReportMetric(float64(cpuNow()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(n), "procs")
		})
	}
}
