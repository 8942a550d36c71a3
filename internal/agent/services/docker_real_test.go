package services

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// dockerSocket is the local Docker daemon's Unix socket ($DOCKER_HOST when it is unix://, else
// /var/run/docker.sock), or "" with the reason when no daemon answers on it.
func dockerSocket() (string, string) {
	sock := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		p, ok := strings.CutPrefix(h, "unix://")
		if !ok {
			return "", "DOCKER_HOST=" + h + " is not a unix:// socket"
		}
		sock = p
	}
	c := engineClient(sock)
	resp, err := c.Get("http://docker/_ping")
	if err != nil {
		return "", fmt.Sprintf("no Docker daemon answers on %s: %v", sock, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Sprintf("Docker daemon on %s: /_ping answered HTTP %d", sock, resp.StatusCode)
	}
	return sock, ""
}

func engineClient(sock string) *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
}

// engine calls the Docker Engine API; out, when not nil, receives the JSON answer.
func engine(t *testing.T, c *http.Client, method, path, ctype string, body io.Reader, out any) {
	t.Helper()
	req, err := http.NewRequest(method, "http://docker"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	// Image import streams progress lines; an error arrives as {"error": …} with status 200.
	if bytes.Contains(b, []byte(`"error"`)) && bytes.Contains(b, []byte(`"errorDetail"`)) {
		t.Fatalf("%s %s: %s", method, path, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// probeImage builds testdata/dockerprobe as a static binary and imports it as a one-file image,
// the way `docker import` does: no registry, no base image.
func probeImage(t *testing.T, c *http.Client, repo string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "probe")
	build := exec.Command("go", "build", "-o", bin, "./testdata/dockerprobe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the probe: %v\n%s", err, out)
	}
	exe, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	tw.WriteHeader(&tar.Header{Name: "probe", Mode: 0o755, Size: int64(len(exe)), Typeflag: tar.TypeReg})
	tw.Write(exe)
	tw.Close()
	q := url.Values{"fromSrc": {"-"}, "repo": {repo}, "tag": {"test"}, "changes": {`CMD ["/probe"]`}}
	engine(t, c, http.MethodPost, "/images/create?"+q.Encode(), "application/x-tar", &layer, nil)
	image := repo + ":test"
	t.Cleanup(func() { engine(t, c, http.MethodDelete, "/images/"+image+"?force=1", "", nil, nil) })
	return image
}

// runContainer creates a container from a Docker Engine API create document and starts it; it
// is removed when the test ends.
func runContainer(t *testing.T, c *http.Client, name string, doc map[string]any) string {
	t.Helper()
	body, _ := json.Marshal(doc)
	var created struct {
		ID string `json:"Id"`
	}
	engine(t, c, http.MethodPost, "/containers/create?name="+name, "application/json", bytes.NewReader(body), &created)
	t.Cleanup(func() { engine(t, c, http.MethodDelete, "/containers/"+created.ID+"?force=1", "", nil, nil) })
	engine(t, c, http.MethodPost, "/containers/"+created.ID+"/start", "", nil, nil)
	return created.ID
}

// TestRealDocker reads containers from a real Docker daemon: a running one with a passing
// health check, CPU, memory (under a limit) and network traffic; one restarting over and over;
// one that exited. It skips when no daemon is reachable (CI starts one: .ci/run).
func TestRealDocker(t *testing.T) {
	sock, why := dockerSocket()
	if sock == "" {
		t.Skip("no real Docker to test against: " + why)
	}
	c := engineClient(sock)
	prefix := fmt.Sprintf("vigil-test-%d", time.Now().UnixNano()%1e9)
	image := probeImage(t, c, prefix)

	// A network of its own, so that the healthy container has an interface with traffic even
	// where the daemon runs without its default bridge (dockerd --bridge=none).
	var nw struct {
		ID string `json:"Id"`
	}
	engine(t, c, http.MethodPost, "/networks/create", "application/json",
		strings.NewReader(`{"Name":"`+prefix+`","Driver":"bridge","CheckDuplicate":true}`), &nw)
	t.Cleanup(func() { engine(t, c, http.MethodDelete, "/networks/"+nw.ID, "", nil, nil) })

	const memLimit = 64 << 20
	healthyID := runContainer(t, c, prefix+"-healthy", map[string]any{
		"Image": image, "Cmd": []string{"/probe"},
		"Healthcheck": map[string]any{"Test": []string{"CMD", "/probe", "health"}, "Interval": int64(time.Second), "Timeout": int64(10 * time.Second), "Retries": 3},
		"HostConfig":  map[string]any{"NetworkMode": prefix, "Memory": memLimit},
	})
	restartingID := runContainer(t, c, prefix+"-restarting", map[string]any{
		"Image": image, "Cmd": []string{"/probe", "exit"},
		"HostConfig": map[string]any{"NetworkMode": "none", "RestartPolicy": map[string]any{"Name": "always"}},
	})
	exitedID := runContainer(t, c, prefix+"-exited", map[string]any{
		"Image": image, "Cmd": []string{"/probe", "exit"}, "HostConfig": map[string]any{"NetworkMode": "none"},
	})

	// Wait for what the daemon itself says before asking the agent: health "healthy", two
	// restarts, the exit. Docker's own timing (health interval, restart backoff) sets the pace.
	type inspect struct {
		RestartCount uint32
		State        struct {
			Status string
			Health *struct{ Status string }
		}
	}
	waitFor := func(id, what string, ok func(inspect) bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			var in inspect
			engine(t, c, http.MethodGet, "/containers/"+id+"/json", "", nil, &in)
			if ok(in) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("container %s: not %s after 90 s: %+v", id[:12], what, in)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor(healthyID, "healthy", func(in inspect) bool { return in.State.Health != nil && in.State.Health.Status == "healthy" })
	waitFor(restartingID, "restarted twice", func(in inspect) bool { return in.RestartCount >= 2 })
	waitFor(exitedID, "exited", func(in inspect) bool { return in.State.Status == "exited" })

	// The collector as the agent runs it. Rates need two checks; poll until the running
	// container shows CPU, receive and transmit rates (its traffic starts after its network).
	d := New(Config{DockerSocket: sock}).docker
	ours := func(all []wire.Container) map[string]wire.Container {
		m := map[string]wire.Container{}
		for _, ct := range all {
			if rest, ok := strings.CutPrefix(ct.Name, prefix+"-"); ok {
				m[rest] = ct
			}
		}
		return m
	}
	var got map[string]wire.Container
	deadline := time.Now().Add(90 * time.Second)
	for {
		all, err := d.containers(context.Background(), time.Now())
		if err != nil {
			t.Fatalf("containers: %v", err)
		}
		got = ours(all)
		if h := got["healthy"]; h.CPU > 0 && h.RxBps > 0 && h.TxBps > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no CPU, receive and transmit rates for the running container after 90 s: %+v", got["healthy"])
		}
		time.Sleep(time.Second)
	}

	h := got["healthy"]
	if h.ID != healthyID[:12] || h.Image != image || h.State != "running" || h.Health != "healthy" || h.Restarts != 0 {
		t.Errorf("healthy container: got %+v, want ID %s, image %s, running, healthy, no restarts", h, healthyID[:12], image)
	}
	// The probe touches 8 MiB; Docker's figure leaves out reclaimable page cache.
	if h.MemLimit != memLimit || h.MemBytes < 4<<20 || h.MemBytes > memLimit {
		t.Errorf("healthy container memory: got %d of %d bytes, want 4 MiB … %d of %d", h.MemBytes, h.MemLimit, memLimit, memLimit)
	}
	if h.CPU > 200 {
		t.Errorf("healthy container CPU: got %.2f %%, want a little of one core", h.CPU)
	}
	r := got["restarting"]
	if r.ID != restartingID[:12] || r.Restarts < 2 || (r.State != "restarting" && r.State != "running") || r.Health != "" {
		t.Errorf("restarting container: got %+v, want ≥ 2 restarts, restarting or running, no health", r)
	}
	if r.RxBps != 0 || r.TxBps != 0 {
		t.Errorf("restarting container without a network: got rx %d, tx %d B/s, want 0", r.RxBps, r.TxBps)
	}
	e := got["exited"]
	want := wire.Container{ID: exitedID[:12], Name: prefix + "-exited", Image: image, State: "exited"}
	if e != want {
		t.Errorf("exited container: got %+v, want %+v", e, want)
	}
	t.Logf("healthy: %.2f %% CPU, %d B memory of %d, rx %d B/s, tx %d B/s; restarting: %d restarts, state %s",
		h.CPU, h.MemBytes, h.MemLimit, h.RxBps, h.TxBps, r.Restarts, r.State)
}
