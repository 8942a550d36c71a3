package collect

import (
	"errors"
	"fmt"
	"time"
)

// collectOS reads every Linux subsystem in catalogue order. Each file is parsed before the
// next is read, because parsers work in place in c.buf.
func (c *Collector) collectOS(out []Sample, now time.Time, dt float64) ([]Sample, error) {
	var errs []error
	fail := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	statOK := false
	if b, err := c.readFile(c.paths.stat); err != nil {
		fail(fmt.Errorf("read cpu times: %w", err))
	} else if err := parseStat(b, &c.cpu.stat); err != nil {
		fail(err)
	} else {
		statOK = true
		out = c.cpuSamples(out)
	}

	var err error
	if b, rerr := c.readFile(c.paths.loadavg); rerr != nil {
		fail(fmt.Errorf("read load average: %w", rerr))
	} else {
		out, err = loadSamples(out, b)
		fail(err)
	}

	if b, err := c.readFile(c.paths.meminfo); err != nil {
		fail(fmt.Errorf("read memory: %w", err))
	} else if m, err := parseMeminfo(b); err != nil {
		fail(err)
	} else {
		out = memSamples(out, m)
	}

	if b, rerr := c.readFile(c.paths.mounts); rerr != nil {
		fail(fmt.Errorf("read mounts: %w", rerr))
	} else {
		out, err = c.fsSamples(out, b)
		fail(err)
	}

	if b, err := c.readFile(c.paths.diskstats); err != nil {
		fail(fmt.Errorf("read disk counters: %w", err))
	} else {
		out = c.diskSamples(out, b, dt)
	}

	if b, err := c.readFile(c.paths.netdev); err != nil {
		fail(fmt.Errorf("read network counters: %w", err))
	} else {
		out = c.netSamples(out, b, dt)
	}

	out = c.tempSamples(out, now)

	if b, rerr := c.readFile(c.paths.uptime); rerr != nil {
		fail(fmt.Errorf("read uptime: %w", rerr))
	} else {
		out, err = uptimeSamples(out, b)
		fail(err)
	}

	if !statOK { // no process counters from /proc/stat; procSamples reports what it can
		c.cpu.stat = procStat{cores: c.cpu.stat.cores[:0]}
	}
	out, err = c.procSamples(out)
	fail(err)
	return out, errors.Join(errs...)
}
