package services

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzBusRead feeds arbitrary bytes to the D-Bus message reader: it must never panic or
// allocate beyond its limit, only return errors.
func FuzzBusRead(f *testing.F) {
	// A real method return: reply serial 1, signature "o", body "/x".
	m := enc{b: []byte{'l', 2, 0, 1}}
	m.u32(7)
	m.u32(9)
	m.u32(0)
	start := len(m.b)
	m.pad(8)
	m.b = append(m.b, 5, 1, 'u', 0)
	m.u32(1)
	m.field(8, "g", "o")
	fl := len(m.b) - start
	m.b[12] = byte(fl)
	m.pad(8)
	var body enc
	body.str("/x")
	f.Add(append(m.b, body.b...))
	f.Add([]byte("B\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &busConn{r: bufio.NewReader(bytes.NewReader(b))}
		for range 3 {
			_, _, sig, _, body, err := c.read()
			if err != nil {
				return
			}
			objectPath(body, sig, c.order)
			variantString(body, sig, c.order)
		}
	})
}
