package alert

import (
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestSaveRestoreDoesNotRenotify restarts the engine mid-alert: the restored engine must not
// send "firing" again, must keep the acknowledgement, and must still send the resolution.
func TestSaveRestoreDoesNotRenotify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := cpuRule()
		r.For, r.Repeat = 0, Duration(time.Hour)
		h := newHarness(t, Config{}, r, DefaultRules()[7])
		key := Key{RuleID: "cpu", HostID: "h1"}
		h.observe("h1", "cpu.used_pct", "", 95)
		h.want(h.path(), "ok>pending pending>firing(critical)", h.events(), "firing(critical)->[chat pager]")
		if _, err := h.e.Ack(key, "ann", "on it", time.Now()); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(h.e.Save())
		if err != nil {
			t.Fatal(err)
		}

		var saved []Saved
		if err := json.Unmarshal(b, &saved); err != nil {
			t.Fatal(err)
		}
		restart := newHarness(t, Config{}, r, DefaultRules()[7])
		gone := Saved{Key: Key{RuleID: "deleted-rule", HostID: "h1"}, State: StateFiring, Notified: SevWarning}
		if n := restart.e.Restore(append(saved, gone)); n != 1 {
			t.Errorf("got %d skipped, want 1 (the deleted rule)", n)
		}
		time.Sleep(2 * time.Hour)
		restart.observe("h1", "cpu.used_pct", "", 96)
		restart.tick()
		restart.want(restart.path(), "", restart.events(), "") // acked: no repeat, no re-fire
		if st := restart.e.Active(time.Now()); len(st) != 1 || st[0].AckedBy != "ann" || st[0].State != StateFiring {
			t.Fatalf("got %+v, want one firing alert acked by ann", st)
		}

		tr, err := restart.e.Unack(key, "bob", "not fixed", time.Now())
		if err != nil || tr.Actor != "bob" || tr.Reason != "acknowledgement withdrawn" {
			t.Fatalf("unack: got %+v, %v", tr, err)
		}
		if _, err := restart.e.Unack(key, "bob", "", time.Now()); !errors.Is(err, ErrNotAcked) {
			t.Errorf("second unack: got %v, want ErrNotAcked", err)
		}
		restart.tick()
		restart.want(restart.path(), "", restart.events(), "repeat(critical)->[chat pager]")
		restart.observe("h1", "cpu.used_pct", "", 5)
		restart.want(restart.path(), "firing>resolved", restart.events(), "resolved(critical)->[chat pager]")
	})
}

// TestSetLastSeenDetectsHostThatNeverReturns: after a restart, a host last seen before the
// restart and silent since goes down without any heartbeat in this process.
func TestSetLastSeenDetectsHostThatNeverReturns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, Config{}, DefaultRules()[7])
		h.e.SetHost(Host{ID: "h1", Interval: 10 * time.Second})
		h.e.SetLastSeen("h1", time.Now().Add(-20*time.Second))
		h.e.SetLastSeen("h1", time.Now().Add(-time.Hour)) // older: ignored
		h.tick()
		h.want(h.path(), "", h.events(), "")
		time.Sleep(11 * time.Second)
		h.tick()
		h.want(h.path(), "ok>pending pending>firing(critical)", h.events(), "firing(critical)->[]")
	})
}
