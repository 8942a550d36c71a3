package services

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// busConn is the smallest D-Bus client that can ask systemd about units: SASL EXTERNAL
// authentication, Hello, and method calls whose arguments are strings and whose answers are an
// object path, a string, or a variant holding a string. github.com/godbus/dbus/v5 did the same
// job but grew the agent binary by half a megabyte (it reflects over methods, which keeps the
// linker from dropping unused ones), and the agent's memory budget counts its mapped binary.
// The wire format is the D-Bus specification's "Message Protocol".
type busConn struct {
	c      net.Conn
	r      *bufio.Reader
	serial uint32
	order  binary.ByteOrder // of the message read last
}

// busError is an error reply, such as org.freedesktop.systemd1.NoSuchUnit.
type busError struct{ name, msg string }

func (e *busError) Error() string { return e.name + ": " + e.msg }

const maxBusMessage = 1 << 20

// dialBus connects to address ("unix:path=…" or "unix:abstract=…", the first usable entry of
// a ;-separated list), authenticates as this process's uid and says Hello. Every operation
// on the connection must finish by the deadline.
func dialBus(ctx context.Context, address string, deadline time.Time) (*busConn, error) {
	var path string
	for _, entry := range strings.Split(address, ";") {
		kv, ok := strings.CutPrefix(entry, "unix:")
		if !ok {
			continue
		}
		for _, f := range strings.Split(kv, ",") {
			if v, ok := strings.CutPrefix(f, "path="); ok {
				path = v
			} else if v, ok := strings.CutPrefix(f, "abstract="); ok {
				path = "@" + v
			}
		}
		if path != "" {
			break
		}
	}
	if path == "" {
		return nil, fmt.Errorf("D-Bus address %q: want unix:path=… or unix:abstract=…", address)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(deadline)
	b := &busConn{c: c, r: bufio.NewReaderSize(c, 4096)}
	uid := hex.EncodeToString([]byte(strconv.Itoa(os.Getuid())))
	if _, err := io.WriteString(c, "\x00AUTH EXTERNAL "+uid+"\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	line, err := b.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK ") {
		c.Close()
		return nil, fmt.Errorf("D-Bus authentication refused: %q %v", strings.TrimSpace(line), err)
	}
	if _, err := io.WriteString(c, "BEGIN\r\n"); err != nil {
		c.Close()
		return nil, err
	}
	if _, _, err := b.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello"); err != nil {
		c.Close()
		return nil, fmt.Errorf("D-Bus Hello: %w", err)
	}
	return b, nil
}

func (b *busConn) Close() error { return b.c.Close() }

// enc builds a little-endian message; alignment is relative to the message start.
type enc struct{ b []byte }

func (e *enc) pad(n int) {
	for len(e.b)%n != 0 {
		e.b = append(e.b, 0)
	}
}
func (e *enc) u32(v uint32) { e.pad(4); e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *enc) str(s string) { e.u32(uint32(len(s))); e.b = append(append(e.b, s...), 0) }
func (e *enc) sig(s string) { e.b = append(append(append(e.b, byte(len(s))), s...), 0) }

// field appends a header field (code, variant of type sig holding s).
func (e *enc) field(code byte, sig, s string) {
	e.pad(8)
	e.b = append(e.b, code)
	e.sig(sig)
	if sig == "g" {
		e.sig(s)
	} else {
		e.str(s)
	}
}

// call sends a method call with string arguments and waits for its reply, skipping signals
// and other messages. It returns the reply's body and signature, or a *busError.
func (b *busConn) call(dest, path, iface, member string, args ...string) ([]byte, string, error) {
	b.serial++
	var body enc
	for _, a := range args {
		body.str(a)
	}
	m := enc{b: []byte{'l', 1, 0, 1}}
	m.u32(uint32(len(body.b)))
	m.u32(b.serial)
	m.u32(0) // header fields length, set below
	start := len(m.b)
	m.field(1, "o", path)
	m.field(2, "s", iface)
	m.field(3, "s", member)
	m.field(6, "s", dest)
	if len(args) > 0 {
		m.field(8, "g", strings.Repeat("s", len(args)))
	}
	binary.LittleEndian.PutUint32(m.b[12:], uint32(len(m.b)-start))
	m.pad(8)
	if _, err := b.c.Write(append(m.b, body.b...)); err != nil {
		return nil, "", err
	}
	for {
		typ, replyTo, sig, errName, body, err := b.read()
		if err != nil {
			return nil, "", err
		}
		if replyTo != b.serial || (typ != 2 && typ != 3) {
			continue // a signal (NameAcquired after Hello) or someone else's message
		}
		if typ == 3 {
			msg := ""
			if strings.HasPrefix(sig, "s") {
				d := dec{b: body, o: b.order}
				msg = d.str()
			}
			return nil, "", &busError{name: errName, msg: msg}
		}
		return body, sig, nil
	}
}

// read reads one message and returns what call needs of it.
func (b *busConn) read() (typ byte, replyTo uint32, sig, errName string, body []byte, err error) {
	var fixed [16]byte
	if _, err = io.ReadFull(b.r, fixed[:]); err != nil {
		return
	}
	var o binary.ByteOrder = binary.LittleEndian
	switch fixed[0] {
	case 'l':
	case 'B':
		o = binary.BigEndian
	default:
		err = fmt.Errorf("D-Bus message with endianness byte %#x", fixed[0])
		return
	}
	typ, b.order = fixed[1], o
	bodyLen, fieldsLen := o.Uint32(fixed[4:]), o.Uint32(fixed[12:])
	if bodyLen > maxBusMessage || fieldsLen > maxBusMessage {
		err = fmt.Errorf("D-Bus message of %d+%d bytes above %d", fieldsLen, bodyLen, maxBusMessage)
		return
	}
	padded := (fieldsLen + 7) &^ 7
	buf := make([]byte, int(padded)+int(bodyLen))
	if _, err = io.ReadFull(b.r, buf); err != nil {
		return
	}
	// The fields start at offset 16, a multiple of 8, so alignment within buf is alignment
	// within the message.
	d := dec{b: buf[:fieldsLen], o: o}
	for d.err == nil && d.i < len(d.b) {
		d.align(8)
		code := d.byte1()
		vsig := d.sig()
		var s string
		var u uint32
		switch vsig {
		case "s", "o":
			s = d.str()
		case "g":
			s = d.sig()
		case "u", "h":
			u = d.u32()
		default:
			d.err = fmt.Errorf("D-Bus header field %d of type %q", code, vsig)
		}
		switch code {
		case 4:
			errName = s
		case 5:
			replyTo = u
		case 8:
			sig = s
		}
	}
	if d.err != nil {
		err = d.err
		return
	}
	body = buf[padded:]
	return
}

// dec reads D-Bus values; the first failure sticks.
type dec struct {
	b   []byte
	i   int
	o   binary.ByteOrder
	err error
}

var errShort = errors.New("truncated D-Bus message")

func (d *dec) need(n int) bool {
	if d.err == nil && d.i+n > len(d.b) {
		d.err = errShort
	}
	return d.err == nil
}

func (d *dec) align(n int) {
	for d.i%n != 0 && d.need(1) {
		d.i++
	}
}

func (d *dec) byte1() byte {
	if !d.need(1) {
		return 0
	}
	d.i++
	return d.b[d.i-1]
}

func (d *dec) u32() uint32 {
	d.align(4)
	if !d.need(4) {
		return 0
	}
	d.i += 4
	return d.o.Uint32(d.b[d.i-4:])
}

func (d *dec) str() string {
	n := int(d.u32())
	if n < 0 || !d.need(n+1) {
		return ""
	}
	s := string(d.b[d.i : d.i+n])
	d.i += n + 1
	return s
}

func (d *dec) sig() string {
	n := int(d.byte1())
	if !d.need(n + 1) {
		return ""
	}
	s := string(d.b[d.i : d.i+n])
	d.i += n + 1
	return s
}

// variantString reads a reply body of signature "v" holding a string.
func variantString(body []byte, sig string, o binary.ByteOrder) (string, error) {
	if sig != "v" {
		return "", fmt.Errorf("D-Bus reply of signature %q, want v", sig)
	}
	d := dec{b: body, o: o}
	if vs := d.sig(); vs != "s" && d.err == nil {
		return "", fmt.Errorf("D-Bus variant of type %q, want s", vs)
	}
	s := d.str()
	return s, d.err
}

// objectPath reads a reply body of signature "o".
func objectPath(body []byte, sig string, o binary.ByteOrder) (string, error) {
	if sig != "o" {
		return "", fmt.Errorf("D-Bus reply of signature %q, want o", sig)
	}
	d := dec{b: body, o: o}
	s := d.str()
	return s, d.err
}
