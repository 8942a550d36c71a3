package collect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the collector's output")

// goldenCase is one fixture machine. Its root is a copy of testdata/<base> (if set), then of
// testdata/<name> (if present), then what gen writes. Before the second collection, the
// files in testdata/<base>.next and testdata/<name>.next are copied over it: counters advanced
// by step.
type goldenCase struct {
	name, base string
	cfg        Config
	step       time.Duration
	gen        func(t *testing.T, root string)
}

var goldenCases = []goldenCase{
	{name: "server4", step: 10 * time.Second, cfg: Config{ExcludeMounts: []string{"/mnt/*"}, ExcludeFSTypes: []string{"iso9660"}}},
	{name: "noswap", step: 5 * time.Second},
	{name: "manymounts", base: "noswap", step: 5 * time.Second, gen: genManyMounts, cfg: Config{ExcludeMounts: []string{"/snap/*"}}},
	{name: "container", step: 5 * time.Second},
	{name: "nosensors", base: "noswap", step: 5 * time.Second},
	{name: "hwmon", base: "noswap", step: 5 * time.Second},
	{name: "server4-virtualnet", base: "server4", step: 10 * time.Second, cfg: Config{IncludeVirtualNet: true}},
}

// TestGolden collects twice from each fixture tree and compares facts, samples and errors
// with testdata/<case>.golden. Run with -update to rewrite the golden files, then read the
// diff: the numbers in them were checked by hand when first written.
func TestGolden(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("collectors read /proc only on Linux")
	}
	catalog := map[string]bool{}
	for _, m := range Catalog() {
		catalog[m.Name] = true
	}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, dir := range []string{tc.base, tc.name} {
				copyTree(t, filepath.Join("testdata", dir), root)
			}
			if tc.gen != nil {
				tc.gen(t, root)
			}
			cfg := tc.cfg
			cfg.Root = root
			cfg.Statfs = fixtureStatfs(root)
			c := New(cfg)
			t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

			var out bytes.Buffer
			facts, err := json.MarshalIndent(c.Facts(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "facts %s\n", facts)
			for i := range 2 {
				if i == 1 {
					for _, dir := range []string{tc.base, tc.name} {
						copyTree(t, filepath.Join("testdata", dir+".next"), root)
					}
				}
				at := t0.Add(time.Duration(i) * tc.step)
				samples, err := c.Collect(at)
				fmt.Fprintf(&out, "\ncollect %d at +%v: %d samples\n", i+1, at.Sub(t0), len(samples))
				if err != nil {
					fmt.Fprintf(&out, "error: %s\n", strings.ReplaceAll(err.Error(), root, "ROOT"))
				}
				seen := map[[2]string]bool{}
				for _, s := range samples {
					fmt.Fprintf(&out, "%s{%s} %s\n", s.Name, s.Label, strconv.FormatFloat(s.Value, 'f', -1, 64))
					if !catalog[s.Name] {
						t.Errorf("collect %d: got sample %s, which Catalog does not list", i+1, s.Name)
					}
					if k := [2]string{s.Name, s.Label}; seen[k] {
						t.Errorf("collect %d: got %s{%s} twice, want each series once", i+1, s.Name, s.Label)
					} else {
						seen[k] = true
					}
				}
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run go test -update to create it): %v", err)
			}
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// copyTree copies the files and symlinks under src into dst; a missing src copies nothing.
// Files are rewritten in place, as the kernel's files change under a reader.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if src == "testdata" || src == filepath.Join("testdata", ".next") {
		return // no base
	}
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			os.Remove(target)
			return os.Symlink(link, target)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		}
	})
	if err != nil {
		t.Fatalf("copy fixture %s: %v", src, err)
	}
}

// fixtureStatfs measures mounts from the file statfs under root: one line per mount point
// (escaped as in /proc/self/mounts), then total, free and avail bytes, files and free files.
// A mount point missing from the file fails, as an unreadable mount does.
func fixtureStatfs(root string) func(string) (StatfsResult, error) {
	return func(point string) (StatfsResult, error) {
		f, err := os.Open(filepath.Join(root, "statfs"))
		if err != nil {
			return StatfsResult{}, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) != 6 || string(unescape([]byte(fields[0]))) != point {
				continue
			}
			var v [5]uint64
			for i := range v {
				if v[i], err = strconv.ParseUint(fields[i+1], 10, 64); err != nil {
					return StatfsResult{}, fmt.Errorf("fixture statfs %s: %w", point, err)
				}
			}
			return StatfsResult{Total: v[0], Free: v[1], Avail: v[2], Files: v[3], FilesFree: v[4]}, nil
		}
		return StatfsResult{}, fmt.Errorf("statfs %s: permission denied", point)
	}
}

// genManyMounts writes a mount table of 400 entries the way a Kubernetes node or a busy
// Docker host has them: a few real devices, each bind-mounted into many pod volumes, plus
// tmpfs, overlay, nsfs, snap squashfs and a mount point with a space. Only the first mount of
// each device, and nothing pseudo or excluded, may be reported.
func genManyMounts(t *testing.T, root string) {
	var mounts, statfs strings.Builder
	for dev := range 7 {
		fmt.Fprintf(&mounts, "/dev/vd%c /srv/data%d ext4 rw,relatime 0 0\n", 'b'+dev, dev)
		fmt.Fprintf(&statfs, "/srv/data%d %d %d %d %d %d\n", dev, 100e9*(dev+1), 10e9*(dev+1), 9e9*(dev+1), 6553600, 6553600-100000*dev)
	}
	for i := range 393 {
		dev := i % 7
		switch i % 8 {
		case 0, 1:
			fmt.Fprintf(&mounts, "/dev/vd%c /srv/vol%03d ext4 rw,relatime 0 0\n", 'b'+dev, i)
		case 2:
			fmt.Fprintf(&mounts, "/dev/vd%c /var/lib/kubelet/pods/%03d/volumes ext4 rw,relatime 0 0\n", 'b'+dev, i)
		case 3:
			fmt.Fprintf(&mounts, "tmpfs /run/user/%d tmpfs rw,nosuid,nodev 0 0\n", 1000+i)
		case 4:
			fmt.Fprintf(&mounts, "overlay /var/lib/docker/overlay2/%03d/merged overlay rw 0 0\n", i)
		case 5:
			fmt.Fprintf(&mounts, "nsfs /run/netns/ns%d nsfs rw 0 0\n", i)
		case 6:
			fmt.Fprintf(&mounts, "/dev/loop%d /snap/app%d/%d ext4 ro 0 0\n", i, i, i)
		case 7:
			fmt.Fprintf(&mounts, "server%d:/export /mnt/nfs\\040share%d nfs4 rw 0 0\n", i, i)
			fmt.Fprintf(&statfs, "/mnt/nfs\\040share%d %d %d %d %d %d\n", i, 1<<40, (1<<37)*(i%8+1), 1<<37, 1000000, 1000000-i*10)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "proc", "self", "mounts"), []byte(mounts.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "statfs"), []byte(statfs.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
