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
