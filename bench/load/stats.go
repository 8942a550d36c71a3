package main

import (
	"bufio"
	"fmt"
	"math"
	"math/bits"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// hist is a lock-free latency histogram: 16 sub-buckets per power of two of microseconds, so a
// reported percentile is within ~6 % of the true value.
type hist struct {
	b   [64 * 16]atomic.Uint64
	max atomic.Int64 // µs
}

func bucketOf(us uint64) int {
	if us < 16 {
		return int(us)
	}
	e := bits.Len64(us) - 5 // keep the top 5 bits: 1 implicit + 4 mantissa
	return (e+1)*16 + int((us>>uint(e))&15)
}

func bucketUpper(b int) float64 { // µs, upper edge of a bucket
	if b < 16 {
		return float64(b)
	}
	e := b/16 - 1
	m := b % 16
	return float64(uint64(16+m+1) << uint(e))
}

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.b[bucketOf(uint64(us))].Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

type histSnap struct {
	b   [64 * 16]uint64
	max int64
}

func (h *hist) snap() histSnap {
	var s histSnap
	for i := range h.b {
		s.b[i] = h.b[i].Load()
	}
	s.max = h.max.Load()
	return s
}

// sub returns the counts recorded between prev and s (max is not windowed: pass it separately).
func (s histSnap) sub(prev histSnap) histSnap {
	var d histSnap
	for i := range s.b {
		d.b[i] = s.b[i] - prev.b[i]
	}
	return d
}

func (s histSnap) count() uint64 {
	var n uint64
	for _, c := range s.b {
		n += c
	}
	return n
}

// quantile returns the upper edge of the bucket holding the q-th value, or 0 without data.
func (s histSnap) quantile(q float64) time.Duration {
	n := s.count()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var c uint64
	for i, v := range s.b {
		c += v
		if c >= rank {
			return time.Duration(bucketUpper(i)) * time.Microsecond
		}
	}
	return 0
}

// procStat is CPU time and memory of one process from /proc.
type procStat struct {
	cpu time.Duration // utime + stime
	rss int64         // bytes
	ok  bool
}

var clkTck = 100.0 // USER_HZ on Linux is 100 on every architecture Go supports

func readProc(pid int) procStat {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return procStat{}
	}
	ut, _ := strconv.ParseFloat(f[11], 64) // field 14 overall
	st, _ := strconv.ParseFloat(f[12], 64) // field 15 overall
	ps := procStat{cpu: time.Duration((ut + st) / clkTck * float64(time.Second)), ok: true}
	if st, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		sc := bufio.NewScanner(st)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				ps.rss = kb << 10
			}
		}
		st.Close()
	}
	return ps
}

// cpuPct is CPU use between two readings as a percentage of one core.
func cpuPct(a, b procStat, wall time.Duration) float64 {
	if !a.ok || !b.ok || wall <= 0 {
		return math.NaN()
	}
	return 100 * float64(b.cpu-a.cpu) / float64(wall)
}

// hubMetrics are the hub's own ingest counters from its public /metrics page, as a cross-check
// of what the generator counts.
type hubMetrics struct {
	snapshots, values, connected, goroutines, storeErrors, protocolErrors, refused float64
	heapInuse                                                                      float64 // bytes
	ok                                                                             bool
}

func scrapeMetrics(client *http.Client, base string) hubMetrics {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return hubMetrics{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hubMetrics{}
	}
	m := hubMetrics{ok: true}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "vigil_ingest_snapshots_total":
			m.snapshots = v
		case "vigil_ingest_values_total":
			m.values = v
		case "vigil_ingest_agents_connected":
			m.connected = v
		case "go_goroutines":
			m.goroutines = v
		case "go_memstats_heap_inuse_bytes":
			m.heapInuse = v
		case "vigil_ingest_store_errors_total":
			m.storeErrors = v
		case "vigil_ingest_protocol_errors_total":
			m.protocolErrors = v
		case "vigil_ingest_refused_total":
			m.refused = v
		}
	}
	return m
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}

func fmtMB(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// commas formats an integer with thousands separators.
func commas(v float64) string {
	n := int64(math.Round(v))
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
