package meta

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordReset(t *testing.T) {
	for name, d := range openAll(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }
			u, o, err := d.CreateOwner(ctx, "ann@example.com", "old", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			other, err := d.CreateUser(ctx, "bob@example.com", "bobs")
			if err != nil {
				t.Fatal(err)
			}
			sess, _, _ := d.CreateSession(ctx, u.ID, o.ID, time.Hour)
			first, _, err := d.CreatePasswordReset(ctx, u.ID, 30*time.Minute)
			if err != nil || !strings.HasPrefix(first, "vgr_") {
				t.Fatalf("got %q %v, want a vgr_ token", first, err)
			}
			bobs, _, _ := d.CreatePasswordReset(ctx, other.ID, 30*time.Minute)
			tok, exp, err := d.CreatePasswordReset(ctx, u.ID, 30*time.Minute)
			if err != nil || !exp.Equal(now.Add(30*time.Minute)) {
				t.Fatalf("got expiry %v %v, want %v", exp, err, now.Add(30*time.Minute))
			}
			if _, _, err := d.PasswordReset(ctx, first); !errors.Is(err, ErrNotFound) {
				t.Errorf("earlier token after a new request: got %v, want ErrNotFound", err)
			}
			if got, gotExp, err := d.PasswordReset(ctx, tok); err != nil || got != u || !gotExp.Equal(exp) {
				t.Errorf("got %+v %v %v, want %+v %v", got, gotExp, err, u, exp)
			}
			if _, err := d.ResetPassword(ctx, "vgr_wrong", "x"); !errors.Is(err, ErrNotFound) {
				t.Errorf("wrong token: got %v, want ErrNotFound", err)
			}

			now = now.Add(31 * time.Minute)
			if _, err := d.ResetPassword(ctx, tok, "x"); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired token: got %v, want ErrNotFound", err)
			}
			now = now.Add(-2 * time.Minute)
			got, err := d.ResetPassword(ctx, tok, "new")
			if err != nil || got != u {
				t.Fatalf("reset: got %+v %v, want %+v", got, err, u)
			}
			if _, h, _ := d.UserByEmail(ctx, "ann@example.com"); h != "new" {
				t.Errorf("got hash %q, want new", h)
			}
			if _, err := d.SessionBySecret(ctx, sess); !errors.Is(err, ErrNotFound) {
				t.Errorf("session after reset: got %v, want ErrNotFound", err)
			}
			if _, err := d.ResetPassword(ctx, tok, "again"); !errors.Is(err, ErrNotFound) {
				t.Errorf("second use: got %v, want ErrNotFound", err)
			}
			if b, _, err := d.PasswordReset(ctx, bobs); err != nil || b != other {
				t.Errorf("another user's token: got %+v %v, want it untouched", b, err)
			}
		})
	}
}
