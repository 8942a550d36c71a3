package services

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// errNoDocker is a host without the Docker socket: no containers, and nothing to log.
var errNoDocker = errors.New("no Docker socket")

// docker reads containers through the Docker Engine API on its Unix socket: the list, each
// container's inspect document (health, restart count) and a one-shot stats document for the
// running ones. CPU and network rates are computed from the previous check's counters, which
// costs one request per container instead of Docker's own two-sample stats (a second each).
type docker struct {
	socket string
	client *http.Client
	prev   map[string]dockerCounters
}

type dockerCounters struct {
	cpuNs, rx, tx uint64
	at            time.Time
}

func newDocker(socket string, timeout time.Duration) *docker {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns: 1,
	}
	return &docker{socket: socket, client: &http.Client{Transport: tr, Timeout: timeout}, prev: map[string]dockerCounters{}}
}

// The parts of the Engine API documents that are read (API 1.41 and later).
type dockerListItem struct {
	ID     string   `json:"Id"`
	Names  []string `json:"Names"`
	Image  string   `json:"Image"`
	State  string   `json:"State"`
	Status string   `json:"Status"`
}

type dockerInspect struct {
	RestartCount uint32 `json:"RestartCount"`
	State        struct {
		Health *struct {
			Status string `json:"Status"`
		} `json:"Health"`
	} `json:"State"`
}

type dockerStats struct {
	CPUStats struct {
		CPUUsage struct {
			TotalUsage uint64 `json:"total_usage"`
		} `json:"cpu_usage"`
	} `json:"cpu_stats"`
	MemoryStats struct {
		Usage uint64            `json:"usage"`
		Limit uint64            `json:"limit"`
		Stats map[string]uint64 `json:"stats"`
	} `json:"memory_stats"`
	Networks map[string]struct {
		RxBytes uint64 `json:"rx_bytes"`
		TxBytes uint64 `json:"tx_bytes"`
	} `json:"networks"`
}

func (d *docker) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s on %s: %w", path, d.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s on %s: HTTP %d: %s", path, d.socket, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(v); err != nil {
		return fmt.Errorf("GET %s on %s: %w", path, d.socket, err)
	}
	return nil
}

// containers lists every container (running or not), sorted by name.
func (d *docker) containers(ctx context.Context, now time.Time) ([]wire.Container, error) {
	if _, err := os.Stat(d.socket); errors.Is(err, fs.ErrNotExist) {
		return nil, errNoDocker
	}
	var list []dockerListItem
	if err := d.get(ctx, "/containers/json?all=1", &list); err != nil {
		return nil, err
	}
	if len(list) > wire.MaxContainers {
		list = list[:wire.MaxContainers]
	}
	out := make([]wire.Container, 0, len(list))
	seen := map[string]bool{}
	var firstErr error
	for _, it := range list {
		c := wire.Container{ID: cut(it.ID, 12), Image: cut(it.Image, wire.MaxStringBytes), State: cut(it.State, wire.MaxStringBytes)}
		if len(it.Names) > 0 {
			c.Name = cut(strings.TrimPrefix(it.Names[0], "/"), wire.MaxStringBytes)
		}
		var in dockerInspect
		if err := d.get(ctx, "/containers/"+it.ID+"/json", &in); err != nil {
			firstErr = cmpErr(firstErr, err)
		} else {
			c.Restarts = in.RestartCount
			if in.State.Health != nil {
				c.Health = cut(in.State.Health.Status, wire.MaxStringBytes)
			}
		}
		if it.State == "running" {
			var st dockerStats
			if err := d.get(ctx, "/containers/"+it.ID+"/stats?stream=false&one-shot=true", &st); err != nil {
				firstErr = cmpErr(firstErr, err)
			} else {
				d.rates(&c, it.ID, st, now)
				seen[it.ID] = true
			}
		}
		out = append(out, c)
	}
	for id := range d.prev {
		if !seen[id] {
			delete(d.prev, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, firstErr
}

// rates fills memory, and CPU and network rates against the previous check.
func (d *docker) rates(c *wire.Container, id string, st dockerStats, now time.Time) {
	// As `docker stats` does: page cache that can be dropped is not counted as used.
	inactive := st.MemoryStats.Stats["inactive_file"]             // cgroup v2
	if v, ok := st.MemoryStats.Stats["total_inactive_file"]; ok { // cgroup v1
		inactive = v
	}
	c.MemBytes = st.MemoryStats.Usage - min(inactive, st.MemoryStats.Usage)
	c.MemLimit = st.MemoryStats.Limit
	cur := dockerCounters{cpuNs: st.CPUStats.CPUUsage.TotalUsage, at: now}
	for _, n := range st.Networks {
		cur.rx += n.RxBytes
		cur.tx += n.TxBytes
	}
	if p, ok := d.prev[id]; ok {
		if dt := now.Sub(p.at).Seconds(); dt > 0 {
			c.CPU = 100 * float64(cur.cpuNs-min(p.cpuNs, cur.cpuNs)) / 1e9 / dt
			c.RxBps = uint64(float64(cur.rx-min(p.rx, cur.rx)) / dt)
			c.TxBps = uint64(float64(cur.tx-min(p.tx, cur.tx)) / dt)
		}
	}
	d.prev[id] = cur
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
