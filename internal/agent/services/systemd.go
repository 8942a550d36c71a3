package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/vigil-mon/vigil/internal/wire"
)

// systemd asks systemd for unit states over the D-Bus system bus, as systemctl does. Reading
// unit properties needs no privilege, so the unprivileged agent can do it. The connection is
// kept between checks and remade after a failure.
type systemd struct {
	address string
	timeout time.Duration
	conn    *dbus.Conn
}

// unitState is what systemctl status shows in its "Active:" line.
type unitState struct{ load, active, sub, result string }

const (
	systemdBus  = "org.freedesktop.systemd1"
	systemdPath = dbus.ObjectPath("/org/freedesktop/systemd1")
	managerIf   = "org.freedesktop.systemd1.Manager"
	noSuchUnit  = "org.freedesktop.systemd1.NoSuchUnit"
)

// states returns the state of each unit systemd answered for; a unit it does not know is
// reported with load state "not-found". An error means the bus or systemd did not answer.
func (s *systemd) states(ctx context.Context, units []string) (map[string]unitState, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if s.conn == nil {
		conn, err := dbus.Connect(s.address, dbus.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("connect to D-Bus at %s: %w", s.address, err)
		}
		s.conn = conn
	}
	out := make(map[string]unitState, len(units))
	mgr := s.conn.Object(systemdBus, systemdPath)
	for _, name := range units {
		st, err := s.unit(ctx, mgr, name)
		if err != nil {
			s.conn.Close() // the next check reconnects
			s.conn = nil
			return out, err
		}
		out[name] = st
	}
	return out, nil
}

func (s *systemd) unit(ctx context.Context, mgr dbus.BusObject, name string) (unitState, error) {
	var path dbus.ObjectPath
	err := mgr.CallWithContext(ctx, managerIf+".GetUnit", 0, name).Store(&path)
	var derr dbus.Error
	if errors.As(err, &derr) && derr.Name == noSuchUnit {
		// Not loaded: LoadUnit loads its file if there is one (a stopped unit is unloaded
		// after a while), and answers NoSuchUnit only when the unit does not exist at all.
		err = mgr.CallWithContext(ctx, managerIf+".LoadUnit", 0, name).Store(&path)
		if errors.As(err, &derr) && derr.Name == noSuchUnit {
			return unitState{load: "not-found"}, nil
		}
	}
	if err != nil {
		return unitState{}, fmt.Errorf("systemd unit %s: %w", name, err)
	}
	var props map[string]dbus.Variant
	if err := s.conn.Object(systemdBus, path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0,
		"org.freedesktop.systemd1.Unit").Store(&props); err != nil {
		return unitState{}, fmt.Errorf("properties of systemd unit %s: %w", name, err)
	}
	str := func(k string) string {
		v, _ := props[k].Value().(string)
		return v
	}
	st := unitState{load: str("LoadState"), active: str("ActiveState"), sub: str("SubState")}
	if st.active == "failed" {
		// Result (exit-code, signal, timeout, …) is on the Service interface of .service units.
		var res dbus.Variant
		if err := s.conn.Object(systemdBus, path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
			"org.freedesktop.systemd1.Service", "Result").Store(&res); err == nil {
			st.result, _ = res.Value().(string)
		}
	}
	return st, nil
}

// judge maps systemd's states onto Vigil's: active is healthy; activating, reloading and
// deactivating are transitions (degraded); failed, inactive and a unit that does not exist are
// down.
func (u unitState) judge() (wire.ServiceState, string) {
	if u.load == "not-found" {
		return wire.ServiceDown, "unit not found"
	}
	if u.load == "masked" {
		return wire.ServiceDown, "unit masked"
	}
	reason := u.active
	if u.sub != "" {
		reason += " (" + u.sub + ")"
	}
	switch u.active {
	case "active":
		return wire.ServiceHealthy, reason
	case "activating", "reloading", "deactivating":
		return wire.ServiceDegraded, reason
	case "failed":
		if u.result != "" && u.result != "success" {
			reason += ": " + u.result
		}
		return wire.ServiceDown, reason
	case "inactive":
		return wire.ServiceDown, reason
	}
	return wire.ServiceUnknown, "unknown systemd state " + reason
}
