package trim

import "testing"

func TestReadOnlyMapping(t *testing.T) {
	const exe = "/usr/local/bin/vigil-agent"
	tests := []struct {
		name   string
		line   string
		lo, hi uintptr
		ok     bool
	}{
		{"text", "00400000-00799000 r-xp 00000000 fe:01 1234 /usr/local/bin/vigil-agent", 0x400000, 0x799000, true},
		{"rodata", "00799000-00b59000 r--p 00399000 fe:01 1234 /usr/local/bin/vigil-agent", 0x799000, 0xb59000, true},
		{"data is writable", "00b59000-00baa000 rw-p 00759000 fe:01 1234 /usr/local/bin/vigil-agent", 0, 0, false},
		{"anonymous", "00baa000-02bf2000 rw-p 00000000 00:00 0", 0, 0, false},
		{"other file", "7f00-8000 r-xp 00000000 fe:01 99 /usr/lib/libc.so.6", 0, 0, false},
		{"path with a space", "1000-2000 r-xp 00000000 fe:01 1 /opt/my agent", 0, 0, false},
		{"empty range", "2000-2000 r-xp 00000000 fe:01 1234 /usr/local/bin/vigil-agent", 0, 0, false},
		{"garbage", "zz-2000 r-xp 0 fe:01 1234 /usr/local/bin/vigil-agent", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, ok := readOnlyMapping(tc.line, exe)
			if lo != tc.lo || hi != tc.hi || ok != tc.ok {
				t.Errorf("got %x-%x %v, want %x-%x %v", lo, hi, ok, tc.lo, tc.hi, tc.ok)
			}
		})
	}
	if lo, hi, ok := readOnlyMapping("1000-2000 r-xp 00000000 fe:01 1 /opt/my agent", "/opt/my agent"); !ok || lo != 0x1000 || hi != 0x2000 {
		t.Errorf("path with a space: got %x-%x %v, want 1000-2000 true", lo, hi, ok)
	}
}
