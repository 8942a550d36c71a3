package alert

import "time"

// DefaultRules returns the rules every new organization starts with (issue 5). They do not
// depend on any host: the load rule is PerCore, so its thresholds (1.5 and 2 per core) are
// multiplied by each host's cores at evaluation. A new slice is built on every call so
// callers may edit it.
func DefaultRules() []Rule {
	f := func(v float64) *float64 { return &v }
	five := Duration(5 * time.Minute)
	metric := func(id, name, m string, warn, crit float64) Rule {
		return Rule{ID: id, Name: name, Kind: KindMetric, Enabled: true, Metric: m,
			Aggregation: AggAvg, Window: Duration(time.Minute), Comparison: GT,
			Warning: f(warn), Critical: f(crit), For: five, Repeat: Duration(4 * time.Hour)}
	}
	cpu := metric("default-cpu", "CPU usage", "cpu.used_pct", 80, 90)
	cpu.Scope.HostWide = true // per-core series are labelled "0".."N-1"
	iowait := metric("default-iowait", "CPU iowait", "cpu.iowait_pct", 20, 40)
	iowait.Scope.HostWide = true
	load := metric("default-load", "Load average", "load.5", 1.5, 2)
	load.PerCore = true
	rules := []Rule{
		cpu,
		load,
		metric("default-memory", "Memory usage", "mem.used_pct", 80, 90),
		metric("default-swap", "Swap usage", "swap.used_pct", 60, 90),
		metric("default-disk", "Disk usage", "fs.used_pct", 85, 95),
		metric("default-inodes", "Inode usage", "fs.inodes_used_pct", 85, 95),
		iowait,
		{ID: "default-host-down", Name: "Host down", Kind: KindHostDown, Enabled: true,
			MissedIntervals: 3, Severity: SevCritical, Repeat: Duration(4 * time.Hour)},
		// Beyond issue 5's list: without these, uptime checks and watched services would be
		// recorded but never alert until someone wrote a rule. The checker already retries
		// before it calls a check down; a service gets a minute to come back from a restart.
		{ID: "default-check-down", Name: "Uptime check down", Kind: KindCheck, Enabled: true,
			Severity: SevCritical, Repeat: Duration(4 * time.Hour)},
		{ID: "default-service-down", Name: "Service down", Kind: KindServiceDown, Enabled: true,
			Severity: SevCritical, For: Duration(time.Minute), Repeat: Duration(4 * time.Hour)},
	}
	return rules
}
