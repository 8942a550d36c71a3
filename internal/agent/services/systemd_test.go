package services

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/vigil-mon/vigil/internal/wire"
)

// privateBus starts a real dbus-daemon on a socket in a temporary directory and returns its
// address. Tests that need it are skipped where Debian's dbus package is not installed.
func privateBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon not installed (Debian package dbus)")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}

// fakeUnit is one unit of the stand-in systemd: its properties on the Unit and Service
// interfaces, and whether it is loaded (GetUnit finds only loaded units).
type fakeUnit struct {
	loaded                    bool
	active, sub, load, result string
}

// standInSystemd is written with github.com/godbus/dbus/v5, an implementation independent of
// the agent's own small client (dbus.go), so the test checks one against the other over a real
// bus. It owns org.freedesktop.systemd1 on the bus and answers the calls the agent
// makes, with the same object paths, interfaces and error names as systemd.
type standInSystemd struct {
	conn  *dbus.Conn
	units map[string]*fakeUnit
}

func unitPath(name string) dbus.ObjectPath {
	var b strings.Builder
	for _, c := range []byte(name) { // systemd's bus path escaping: _XX for non-alphanumerics
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString("_" + strings.ToLower(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + b.String())
}

func (s *standInSystemd) GetUnit(name string) (dbus.ObjectPath, *dbus.Error) {
	if u, ok := s.units[name]; ok && u.loaded {
		return unitPath(name), nil
	}
	return "", dbus.NewError(noSuchUnit, []any{"Unit " + name + " not loaded."})
}

func (s *standInSystemd) LoadUnit(name string) (dbus.ObjectPath, *dbus.Error) {
	u, ok := s.units[name]
	if !ok {
		return "", dbus.NewError(noSuchUnit, []any{"Unit " + name + " not found."})
	}
	u.loaded = true
	return unitPath(name), nil
}

type unitProps struct{ u *fakeUnit }

func (p unitProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	if iface != "org.freedesktop.systemd1.Unit" {
		return nil, dbus.MakeFailedError(nil)
	}
	return map[string]dbus.Variant{"LoadState": dbus.MakeVariant(p.u.load), "ActiveState": dbus.MakeVariant(p.u.active),
		"SubState": dbus.MakeVariant(p.u.sub), "Id": dbus.MakeVariant("x")}, nil
}

func (p unitProps) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	if iface == "org.freedesktop.systemd1.Service" && prop == "Result" {
		return dbus.MakeVariant(p.u.result), nil
	}
	if iface == "org.freedesktop.systemd1.Unit" {
		if all, _ := p.GetAll(iface); all != nil {
			if v, ok := all[prop]; ok {
				return v, nil
			}
		}
	}
	return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{prop})
}

func startSystemd(t *testing.T, address string, units map[string]*fakeUnit) {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatalf("stand-in systemd: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &standInSystemd{conn: conn, units: units}
	if err := conn.Export(s, dbus.ObjectPath(systemdPath), managerIf); err != nil {
		t.Fatal(err)
	}
	for name, u := range units {
		if err := conn.Export(unitProps{u}, unitPath(name), "org.freedesktop.DBus.Properties"); err != nil {
			t.Fatal(err)
		}
	}
	if reply, err := conn.RequestName(systemdBus, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("stand-in systemd: own %s: %v %v", systemdBus, reply, err)
	}
}

func TestSystemdOverDBus(t *testing.T) {
	addr := privateBus(t)
	startSystemd(t, addr, map[string]*fakeUnit{
		"nginx.service":   {loaded: true, load: "loaded", active: "active", sub: "running"},
		"backup.service":  {loaded: true, load: "loaded", active: "failed", sub: "failed", result: "exit-code"},
		"cron.service":    {loaded: false, load: "loaded", active: "inactive", sub: "dead"},
		"worker.service":  {loaded: true, load: "loaded", active: "activating", sub: "start"},
		"certbot.service": {loaded: true, load: "loaded", active: "active", sub: "exited"},
	})
	specs, err := ParseSpecs("nginx,backup.service,systemd:cron.service,worker.service,certbot,ghost.service")
	if err != nil {
		t.Fatal(err)
	}
	c := New(Config{Specs: specs, SystemBus: addr, Root: t.TempDir()})
	got := c.Check(context.Background(), time.Unix(1763850000, 0))
	want := []wire.Service{
		{Kind: "systemd", Name: "nginx.service", State: wire.ServiceHealthy, Reason: "active (running)"},
		{Kind: "systemd", Name: "backup.service", State: wire.ServiceDown, Reason: "failed (failed): exit-code"},
		{Kind: "systemd", Name: "cron.service", State: wire.ServiceDown, Reason: "inactive (dead)"},
		{Kind: "systemd", Name: "worker.service", State: wire.ServiceDegraded, Reason: "activating (start)"},
		{Kind: "systemd", Name: "certbot.service", State: wire.ServiceHealthy, Reason: "active (exited)"},
		{Kind: "systemd", Name: "ghost.service", State: wire.ServiceDown, Reason: "unit not found"},
	}
	if len(got.Services) != len(want) {
		t.Fatalf("got %d services, want %d: %+v", len(got.Services), len(want), got.Services)
	}
	for i := range want {
		if got.Services[i] != want[i] {
			t.Errorf("service %d: got %+v, want %+v", i, got.Services[i], want[i])
		}
	}
}

// TestSystemdUnreachable checks that without a bus every unit is unknown, with the reason.
func TestSystemdUnreachable(t *testing.T) {
	c := New(Config{Specs: []Spec{{KindSystemd, "nginx.service"}}, SystemBus: "unix:path=" + filepath.Join(t.TempDir(), "none")})
	got := c.Check(context.Background(), time.Unix(0, 0))
	if s := got.Services[0]; s.State != wire.ServiceUnknown || s.Reason != "systemd not reachable over D-Bus" {
		t.Errorf("got %+v, want unknown: systemd not reachable", s)
	}
}
