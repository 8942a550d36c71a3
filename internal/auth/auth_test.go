package auth

import (
	"testing"
	"time"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, password string
		want           bool
	}{{"right", "correct horse battery", true}, {"wrong", "correct horse batterY", false}, {"empty", "", false}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyPassword(h, tt.password)
			if err != nil || got != tt.want {
				t.Errorf("got %v (err %v), want %v", got, err, tt.want)
			}
		})
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("short password: got nil error, want one")
	}
	if _, err := VerifyPassword("$bcrypt$x", "x"); err == nil {
		t.Error("foreign hash format: got nil error, want one")
	}
}

func TestLoginLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewLoginLimiter(func() time.Time { return now })
	for i := 0; i < l.Burst; i++ {
		if ok, _ := l.Allow("ip", "user"); !ok {
			t.Fatalf("attempt %d refused, want allowed within the burst", i)
		}
		l.Fail("ip", "user")
	}
	if ok, wait := l.Allow("ip", "user"); ok || wait <= 0 {
		t.Fatalf("got allowed=%v wait=%v after the burst, want refused with a wait", ok, wait)
	}
	if ok, _ := l.Allow("other-ip", "other-user"); !ok {
		t.Error("an unrelated client was refused")
	}
	now = now.Add(l.Refill)
	if ok, _ := l.Allow("ip", "user"); !ok {
		t.Error("got refused after one refill period, want one attempt allowed")
	}
}

// TestTOTPVectors checks RFC 6238 appendix B (SHA-1, secret "12345678901234567890"), truncated to
// six digits.
func TestTOTPVectors(t *testing.T) {
	secret := b32.EncodeToString([]byte("12345678901234567890"))
	tests := []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}}
	for _, tt := range tests {
		got, err := TOTPCode(secret, TOTPStep(time.Unix(tt.unix, 0)))
		if err != nil || got != tt.want {
			t.Errorf("at %d: got %q (err %v), want %q", tt.unix, got, err, tt.want)
		}
	}
	now := time.Unix(1234567890, 0)
	code, _ := TOTPCode(secret, TOTPStep(now.Add(-30*time.Second)))
	if step, ok := VerifyTOTP(secret, code, now); !ok || step != TOTPStep(now)-1 {
		t.Errorf("previous step's code: got %d %v, want accepted for drift", step, ok)
	}
	old, _ := TOTPCode(secret, TOTPStep(now.Add(-2*time.Minute)))
	if _, ok := VerifyTOTP(secret, old, now); ok {
		t.Error("a two-minute-old code was accepted")
	}
	if c := NewRecoveryCodes(3); len(c) != 3 || len(c[0]) != 14 || c[0] == c[1] {
		t.Errorf("got recovery codes %v", c)
	}
}
