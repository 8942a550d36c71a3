package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := Parse(Generate())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := Parse(Generate())
	sealed, err := k.Seal("hunter2", "org/1/hook/secret")
	if err != nil || !IsSealed(sealed) || strings.Contains(sealed, "hunter2") {
		t.Fatalf("got %q %v, want a sealed value without the clear text", sealed, err)
	}
	again, _ := k.Seal("hunter2", "org/1/hook/secret")
	if again == sealed {
		t.Error("sealing twice gave the same value; want a fresh nonce each time")
	}
	tampered := sealed[:len(sealed)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(sealed, "AA")]
	cases := []struct {
		name, stored, context, want string
		wantErr                     bool
	}{
		{name: "round trip", stored: sealed, context: "org/1/hook/secret", want: "hunter2"},
		{name: "clear text passes through", stored: "legacy", context: "x", want: "legacy"},
		{name: "empty", stored: "", context: "x", want: ""},
		{name: "other context", stored: sealed, context: "org/2/hook/secret", wantErr: true},
		{name: "tampered", stored: tampered, context: "org/1/hook/secret", wantErr: true},
		{name: "not base64", stored: Prefix + "!!!", context: "x", wantErr: true},
		{name: "too short", stored: Prefix + "AAAA", context: "x", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := k.Open(tc.stored, tc.context)
			if tc.wantErr {
				if !errors.Is(err, ErrOpen) {
					t.Errorf("got %q %v, want ErrOpen", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
	if _, err := other.Open(sealed, "org/1/hook/secret"); !errors.Is(err, ErrOpen) {
		t.Errorf("another key: got %v, want ErrOpen", err)
	}
	if s, _ := k.Seal("", "x"); s != "" {
		t.Errorf("sealing empty: got %q, want empty", s)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"generated", Generate(), true},
		{"with newline", Generate() + "\n", true},
		{"url alphabet unpadded", "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq-", true},
		{"too short", "c2hvcnQ=", false},
		{"not base64", strings.Repeat("!", 44), false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text)
			if (err == nil) != tc.ok {
				t.Errorf("got %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	if ok, err := Exists(path); ok || err != nil {
		t.Fatalf("Exists before create: %v %v", ok, err)
	}
	k, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("got mode %v %v, want 0600", st.Mode().Perm(), err)
	}
	if _, err := CreateFile(path); err == nil {
		t.Error("CreateFile replaced an existing key; want an error")
	}
	sealed, _ := k.Seal("v", "c")
	k2, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(sealed, "c"); err != nil || got != "v" {
		t.Errorf("key read back: got %q %v, want it to open what the created key sealed", got, err)
	}
	os.WriteFile(path, []byte("nonsense"), 0o600)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("bad file: got %v, want an error naming %s", err, path)
	}
}

// FuzzOpen: no stored value makes Open panic, and only values sealed under the context open.
func FuzzOpen(f *testing.F) {
	k, _ := Parse("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=")
	s, _ := k.Seal("secret", "c")
	for _, seed := range []string{s, Prefix, Prefix + "AAAA", "clear", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, stored string) {
		got, err := k.Open(stored, "c")
		if err == nil && IsSealed(stored) && got != "secret" {
			// Forging a GCM tag is infeasible; any sealed value that opens is one Seal made.
			t.Errorf("%q opened to %q", stored, got)
		}
	})
}

// BenchmarkSealOpen: the cost of a channel secret at rest, paid once per channel when the
// hub loads or saves channels (never per notification).
func BenchmarkSealOpen(b *testing.B) {
	k, _ := Parse(Generate())
	secret := strings.Repeat("s", 64)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := k.Seal(secret, "vigil/alert_channels/1/hook/secret")
		if _, err := k.Open(s, "vigil/alert_channels/1/hook/secret"); err != nil {
			b.Fatal(err)
		}
	}
}
