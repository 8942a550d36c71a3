package services

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-mon/vigil/internal/wire"
)

// systemd asks systemd for unit states over the D-Bus system bus, as systemctl does. Reading
// unit properties needs no privilege, so the unprivileged agent can do it. The connection is
// kept between checks and remade after a failure.
type systemd struct {
	address string
	timeout time.Duration
	conn    *busConn
}

// unitState is what systemctl status shows in its "Active:" line.
type unitState struct{ load, active, sub, result string }

const (
	systemdBus  = "org.freedesktop.systemd1"
	systemdPath = "/org/freedesktop/systemd1"
	managerIf   = "org.freedesktop.systemd1.Manager"
	propsIf     = "org.freedesktop.DBus.Properties"
	noSuchUnit  = "org.freedesktop.systemd1.NoSuchUnit"
)

// states returns the state of each unit systemd answered for; a unit it does not know is
// reported with load state "not-found". An error means the bus or systemd did not answer.
func (s *systemd) states(ctx context.Context, units []string) (map[string]unitState, error) {
	deadline := time.Now().Add(s.timeout)
	if s.conn == nil {
		conn, err := dialBus(ctx, s.address, deadline)
		if err != nil {
			return nil, fmt.Errorf("connect to D-Bus at %s: %w", s.address, err)
		}
		s.conn = conn
	}
	s.conn.c.SetDeadline(deadline)
	out := make(map[string]unitState, len(units))
	for _, name := range units {
		st, err := s.unit(name)
		if err != nil {
			s.conn.Close() // the next check reconnects
			s.conn = nil
			return out, err
		}
		out[name] = st
	}
	return out, nil
}

func (s *systemd) unit(name string) (unitState, error) {
	body, sig, err := s.conn.call(systemdBus, systemdPath, managerIf, "GetUnit", name)
	var berr *busError
	if errors.As(err, &berr) && berr.name == noSuchUnit {
		// Not loaded: LoadUnit loads its file if there is one (a stopped unit is unloaded
		// after a while), and answers NoSuchUnit only when the unit does not exist at all.
		body, sig, err = s.conn.call(systemdBus, systemdPath, managerIf, "LoadUnit", name)
		if errors.As(err, &berr) && berr.name == noSuchUnit {
			return unitState{load: "not-found"}, nil
		}
	}
	if err != nil {
		return unitState{}, fmt.Errorf("systemd unit %s: %w", name, err)
	}
	path, err := objectPath(body, sig, s.conn.order)
	if err != nil {
		return unitState{}, fmt.Errorf("systemd unit %s: %w", name, err)
	}
	prop := func(iface, p string) (string, error) {
		body, sig, err := s.conn.call(systemdBus, path, propsIf, "Get", iface, p)
		if err != nil {
			return "", fmt.Errorf("%s of systemd unit %s: %w", p, name, err)
		}
		return variantString(body, sig, s.conn.order)
	}
	var st unitState
	for _, f := range []struct {
		name string
		dst  *string
	}{{"LoadState", &st.load}, {"ActiveState", &st.active}, {"SubState", &st.sub}} {
		if *f.dst, err = prop("org.freedesktop.systemd1.Unit", f.name); err != nil {
			return unitState{}, err
		}
	}
	if st.active == "failed" {
		// Result (exit-code, signal, timeout, …) is on the Service interface of .service
		// units; other unit types have none, which is not an error.
		st.result, _ = prop("org.freedesktop.systemd1.Service", "Result")
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
