// Command record writes this machine's metrics, as the agent collects and rounds them, to CSV
// (timestamp_ms,series,value) — the format `vigil bench codec` reads — so the series codec can
// be judged on real data.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/vigil-mon/vigil/internal/agent/collect"
)

func main() {
	interval := flag.Duration("interval", time.Second, "collection interval")
	duration := flag.Duration("duration", 10*time.Minute, "how long to record")
	out := flag.String("out", "recording.csv", "output CSV file")
	flag.Parse()

	scale := map[string]int{}
	for _, m := range collect.Catalog() {
		scale[m.Name] = m.Scale
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "timestamp_ms,series,value")
	c := collect.New(collect.Config{})
	end := time.Now().Add(*duration)
	for now := time.Now(); now.Before(end); now = time.Now() {
		samples, _ := c.Collect(now)
		ts := strconv.FormatInt(now.Truncate(*interval).UnixMilli(), 10)
		for _, s := range samples {
			name := s.Name
			if s.Label != "" {
				name += "{" + s.Label + "}"
			}
			p := math.Pow10(scale[s.Name])
			fmt.Fprintf(w, "%s,%q,%s\n", ts, name, strconv.FormatFloat(math.Round(s.Value*p)/p, 'f', -1, 64))
		}
		time.Sleep(time.Until(now.Truncate(*interval).Add(*interval)))
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
}
