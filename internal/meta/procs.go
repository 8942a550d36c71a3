package meta

import (
	"context"
	"database/sql"
	"fmt"
)

// Process data that agents report with protocol version 2. A process's identity (PID plus
// start time) and its strings are kept once in host_procs; samples (one a minute, chosen by
// the hub) keep only numbers, so that 48 hours of a host's top processes stay small. Events
// keep their own strings, because they outlive samples (14 days).

// Proc is one process in a sample.
type Proc struct {
	PID      uint32  `json:"pid"`
	StartMs  int64   `json:"start_ms"`
	Name     string  `json:"name"`
	User     string  `json:"user"`
	Cmdline  string  `json:"cmdline"`
	CPU      float64 `json:"cpu_pct"`
	RSS      uint64  `json:"rss_bytes"`
	ReadBps  int64   `json:"read_bps"`  // -1 = unknown
	WriteBps int64   `json:"write_bps"` // -1 = unknown
}

// ProcSample is a host's process table at one instant.
type ProcSample struct {
	TimeMs int64  `json:"time"`
	Full   bool   `json:"full"`  // every process, not only the top ones
	Total  uint32 `json:"total"` // processes on the host
	Procs  []Proc `json:"processes"`
}

// ProcPoint is one process's CPU and memory at one instant.
type ProcPoint struct {
	TimeMs   int64   `json:"time"`
	CPU      float64 `json:"cpu_pct"`
	RSS      uint64  `json:"rss_bytes"`
	ReadBps  int64   `json:"read_bps"`
	WriteBps int64   `json:"write_bps"`
}

// ProcEvent is a process start or exit.
type ProcEvent struct {
	Kind    string `json:"kind"` // start or exit
	TimeMs  int64  `json:"time"`
	PID     uint32 `json:"pid"`
	StartMs int64  `json:"start_ms"`
	Name    string `json:"name"`
	User    string `json:"user"`
	Cmdline string `json:"cmdline"`
}

// ServiceStatus is the newest state of one watched service.
type ServiceStatus struct {
	Kind    string `json:"kind"` // systemd, process, tcp, http
	Name    string `json:"name"`
	State   string `json:"state"` // healthy, degraded, down, unknown
	Reason  string `json:"reason"`
	SinceMs int64  `json:"since"`   // when it entered this state
	TimeMs  int64  `json:"updated"` // the report it comes from
}

// ContainerStatus is the newest state of one container.
type ContainerStatus struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Image    string  `json:"image"`
	State    string  `json:"state"`
	Health   string  `json:"health"`
	Restarts uint32  `json:"restarts"`
	CPU      float64 `json:"cpu_pct"`
	MemBytes uint64  `json:"mem_bytes"`
	MemLimit uint64  `json:"mem_limit"`
	RxBps    uint64  `json:"rx_bps"`
	TxBps    uint64  `json:"tx_bps"`
	TimeMs   int64   `json:"updated"`
}

// upsertProc is the identity upsert; both dialects speak ON CONFLICT. last_ms never moves
// back, so that a late (retried) sample cannot make a live process look stale to PruneProcs.
const upsertProc = `INSERT INTO host_procs (host_id, pid, start_ms, name, user_name, cmdline, last_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (host_id, pid, start_ms) DO UPDATE SET name = excluded.name, user_name = excluded.user_name,
 cmdline = excluded.cmdline,
 last_ms = CASE WHEN excluded.last_ms > host_procs.last_ms THEN excluded.last_ms ELSE host_procs.last_ms END`

// AddProcSample stores a process sample of a host.
func (d *DB) AddProcSample(ctx context.Context, hostID int64, s ProcSample) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store process sample of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	up, err := tx.PrepareContext(ctx, d.q(upsertProc))
	if err != nil {
		return fmt.Errorf("store process sample of host %d: %w", hostID, err)
	}
	defer up.Close()
	ins, err := tx.PrepareContext(ctx, d.q(`INSERT INTO host_proc_samples (host_id, time_ms, pid, start_ms, cpu, rss, read_bps, write_bps, total)
	 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return fmt.Errorf("store process sample of host %d: %w", hostID, err)
	}
	defer ins.Close()
	for _, p := range s.Procs {
		if _, err := up.ExecContext(ctx, hostID, p.PID, p.StartMs, p.Name, p.User, p.Cmdline, s.TimeMs); err != nil {
			return fmt.Errorf("store process %d of host %d: %w", p.PID, hostID, err)
		}
		if _, err := ins.ExecContext(ctx, hostID, s.TimeMs, p.PID, p.StartMs, p.CPU, int64(p.RSS), p.ReadBps, p.WriteBps, s.Total); err != nil {
			return fmt.Errorf("store process %d of host %d: %w", p.PID, hostID, err)
		}
	}
	return tx.Commit()
}

// LatestProcSample returns a host's newest stored sample; ErrNotFound when there is none.
func (d *DB) LatestProcSample(ctx context.Context, hostID int64) (ProcSample, error) {
	var t sql.NullInt64
	if err := d.db.QueryRowContext(ctx, d.q(`SELECT MAX(time_ms) FROM host_proc_samples WHERE host_id = ?`), hostID).Scan(&t); err != nil {
		return ProcSample{}, fmt.Errorf("newest process sample of host %d: %w", hostID, err)
	}
	if !t.Valid {
		return ProcSample{}, ErrNotFound
	}
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT s.pid, s.start_ms, p.name, p.user_name, p.cmdline, s.cpu, s.rss, s.read_bps, s.write_bps, s.total
	 FROM host_proc_samples s JOIN host_procs p ON p.host_id = s.host_id AND p.pid = s.pid AND p.start_ms = s.start_ms
	 WHERE s.host_id = ? AND s.time_ms = ? ORDER BY s.cpu DESC, s.pid`), hostID, t.Int64)
	if err != nil {
		return ProcSample{}, fmt.Errorf("newest process sample of host %d: %w", hostID, err)
	}
	defer rows.Close()
	out := ProcSample{TimeMs: t.Int64, Procs: []Proc{}}
	for rows.Next() {
		var p Proc
		var rss int64
		if err := rows.Scan(&p.PID, &p.StartMs, &p.Name, &p.User, &p.Cmdline, &p.CPU, &rss, &p.ReadBps, &p.WriteBps, &out.Total); err != nil {
			return ProcSample{}, fmt.Errorf("newest process sample of host %d: %w", hostID, err)
		}
		p.RSS = uint64(rss)
		out.Procs = append(out.Procs, p)
	}
	return out, rows.Err()
}

// ProcHistory returns one process's stored points in [from, to], oldest first, with its
// identity; ErrNotFound when the process is unknown.
func (d *DB) ProcHistory(ctx context.Context, hostID int64, pid uint32, startMs, from, to int64) (Proc, []ProcPoint, error) {
	p := Proc{PID: pid, StartMs: startMs}
	err := d.db.QueryRowContext(ctx, d.q(`SELECT name, user_name, cmdline FROM host_procs WHERE host_id = ? AND pid = ? AND start_ms = ?`),
		hostID, pid, startMs).Scan(&p.Name, &p.User, &p.Cmdline)
	if err == sql.ErrNoRows {
		return p, nil, ErrNotFound
	}
	if err != nil {
		return p, nil, fmt.Errorf("process %d of host %d: %w", pid, hostID, err)
	}
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT time_ms, cpu, rss, read_bps, write_bps FROM host_proc_samples
	 WHERE host_id = ? AND pid = ? AND start_ms = ? AND time_ms >= ? AND time_ms <= ? ORDER BY time_ms`), hostID, pid, startMs, from, to)
	if err != nil {
		return p, nil, fmt.Errorf("history of process %d of host %d: %w", pid, hostID, err)
	}
	defer rows.Close()
	out := []ProcPoint{}
	for rows.Next() {
		var pt ProcPoint
		var rss int64
		if err := rows.Scan(&pt.TimeMs, &pt.CPU, &rss, &pt.ReadBps, &pt.WriteBps); err != nil {
			return p, nil, fmt.Errorf("history of process %d of host %d: %w", pid, hostID, err)
		}
		pt.RSS = uint64(rss)
		out = append(out, pt)
	}
	return p, out, rows.Err()
}

// AddProcEvents stores process events; an event already stored (the same kind, PID and start
// time, resent after a lost connection) is kept once.
func (d *DB) AddProcEvents(ctx context.Context, hostID int64, evs []ProcEvent) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store process events of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, d.q(`INSERT INTO host_proc_events (host_id, kind, pid, start_ms, time_ms, name, user_name, cmdline)
	 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return fmt.Errorf("store process events of host %d: %w", hostID, err)
	}
	defer ins.Close()
	for _, e := range evs {
		kind := 1
		if e.Kind == "exit" {
			kind = 2
		}
		if _, err := ins.ExecContext(ctx, hostID, kind, e.PID, e.StartMs, e.TimeMs, e.Name, e.User, e.Cmdline); err != nil {
			return fmt.Errorf("store process event of host %d: %w", hostID, err)
		}
	}
	return tx.Commit()
}

// ProcEvents returns a host's process events in [from, to], newest first, at most limit.
func (d *DB) ProcEvents(ctx context.Context, hostID, from, to int64, limit int) ([]ProcEvent, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT kind, time_ms, pid, start_ms, name, user_name, cmdline FROM host_proc_events
	 WHERE host_id = ? AND time_ms >= ? AND time_ms <= ? ORDER BY time_ms DESC, kind DESC, pid LIMIT ?`), hostID, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("process events of host %d: %w", hostID, err)
	}
	defer rows.Close()
	out := []ProcEvent{}
	for rows.Next() {
		var e ProcEvent
		var kind int
		if err := rows.Scan(&kind, &e.TimeMs, &e.PID, &e.StartMs, &e.Name, &e.User, &e.Cmdline); err != nil {
			return nil, fmt.Errorf("process events of host %d: %w", hostID, err)
		}
		e.Kind = map[int]string{1: "start", 2: "exit"}[kind]
		out = append(out, e)
	}
	return out, rows.Err()
}

// ReplaceServices makes svcs a host's services, keeping each one's since time while its state
// is unchanged, and returns them as stored. Services not in svcs are removed.
func (d *DB) ReplaceServices(ctx context.Context, hostID, timeMs int64, svcs []ServiceStatus) ([]ServiceStatus, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store services of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	type key struct{ kind, name string }
	prev := map[key]ServiceStatus{}
	rows, err := tx.QueryContext(ctx, d.q(`SELECT kind, name, state, since_ms FROM host_services WHERE host_id = ?`), hostID)
	if err != nil {
		return nil, fmt.Errorf("store services of host %d: %w", hostID, err)
	}
	for rows.Next() {
		var s ServiceStatus
		if err := rows.Scan(&s.Kind, &s.Name, &s.State, &s.SinceMs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store services of host %d: %w", hostID, err)
		}
		prev[key{s.Kind, s.Name}] = s
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM host_services WHERE host_id = ?`), hostID); err != nil {
		return nil, fmt.Errorf("store services of host %d: %w", hostID, err)
	}
	out := make([]ServiceStatus, 0, len(svcs))
	for _, s := range svcs {
		s.TimeMs, s.SinceMs = timeMs, timeMs
		if p, ok := prev[key{s.Kind, s.Name}]; ok && p.State == s.State {
			s.SinceMs = p.SinceMs
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO host_services (host_id, kind, name, state, reason, since_ms, updated_ms)
		 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), hostID, s.Kind, s.Name, s.State, s.Reason, s.SinceMs, s.TimeMs); err != nil {
			return nil, fmt.Errorf("store service %q of host %d: %w", s.Name, hostID, err)
		}
		out = append(out, s)
	}
	return out, tx.Commit()
}

// Services returns a host's newest service states by kind and name.
func (d *DB) Services(ctx context.Context, hostID int64) ([]ServiceStatus, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT kind, name, state, reason, since_ms, updated_ms FROM host_services
	 WHERE host_id = ? ORDER BY kind, name`), hostID)
	if err != nil {
		return nil, fmt.Errorf("services of host %d: %w", hostID, err)
	}
	defer rows.Close()
	out := []ServiceStatus{}
	for rows.Next() {
		var s ServiceStatus
		if err := rows.Scan(&s.Kind, &s.Name, &s.State, &s.Reason, &s.SinceMs, &s.TimeMs); err != nil {
			return nil, fmt.Errorf("services of host %d: %w", hostID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ReplaceContainers makes cs a host's containers.
func (d *DB) ReplaceContainers(ctx context.Context, hostID, timeMs int64, cs []ContainerStatus) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store containers of host %d: %w", hostID, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM host_containers WHERE host_id = ?`), hostID); err != nil {
		return fmt.Errorf("store containers of host %d: %w", hostID, err)
	}
	for _, c := range cs {
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO host_containers (host_id, id, name, image, state, health, restarts, cpu,
		 mem_bytes, mem_limit, rx_bps, tx_bps, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			hostID, c.ID, c.Name, c.Image, c.State, c.Health, c.Restarts, c.CPU, int64(c.MemBytes), int64(c.MemLimit),
			int64(c.RxBps), int64(c.TxBps), timeMs); err != nil {
			return fmt.Errorf("store container %q of host %d: %w", c.Name, hostID, err)
		}
	}
	return tx.Commit()
}

// Containers returns a host's newest container states by name.
func (d *DB) Containers(ctx context.Context, hostID int64) ([]ContainerStatus, error) {
	rows, err := d.db.QueryContext(ctx, d.q(`SELECT id, name, image, state, health, restarts, cpu, mem_bytes, mem_limit, rx_bps, tx_bps, updated_ms
	 FROM host_containers WHERE host_id = ? ORDER BY name, id`), hostID)
	if err != nil {
		return nil, fmt.Errorf("containers of host %d: %w", hostID, err)
	}
	defer rows.Close()
	out := []ContainerStatus{}
	for rows.Next() {
		var c ContainerStatus
		var mem, limit, rx, tx int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Image, &c.State, &c.Health, &c.Restarts, &c.CPU, &mem, &limit, &rx, &tx, &c.TimeMs); err != nil {
			return nil, fmt.Errorf("containers of host %d: %w", hostID, err)
		}
		c.MemBytes, c.MemLimit, c.RxBps, c.TxBps = uint64(mem), uint64(limit), uint64(rx), uint64(tx)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PruneProcs deletes process samples and identities last seen before samplesBefore and events
// before eventsBefore (unix ms), and returns how many rows went.
func (d *DB) PruneProcs(ctx context.Context, samplesBefore, eventsBefore int64) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql    string
		before int64
	}{
		{`DELETE FROM host_proc_samples WHERE time_ms < ?`, samplesBefore},
		{`DELETE FROM host_procs WHERE last_ms < ?`, samplesBefore},
		{`DELETE FROM host_proc_events WHERE time_ms < ?`, eventsBefore},
	} {
		res, err := d.db.ExecContext(ctx, d.q(q.sql), q.before)
		if err != nil {
			return total, fmt.Errorf("prune process data: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
