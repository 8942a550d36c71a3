package agent

import (
	"sync"

	"github.com/vigil-mon/vigil/internal/wire"
)

// queue holds snapshots until the hub acknowledges them, oldest first, bounded in count.
type queue struct {
	mu      sync.Mutex
	snaps   []wire.Snapshot
	max     int
	dropped int
	notify  chan struct{}
}

func newQueue(max int) *queue { return &queue{max: max, notify: make(chan struct{}, 1)} }

func (q *queue) push(s wire.Snapshot) {
	q.mu.Lock()
	q.snaps = append(q.snaps, s)
	if over := len(q.snaps) - q.max; over > 0 {
		q.snaps = append(q.snaps[:0:0], q.snaps[over:]...)
		q.dropped += over
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.snaps)
}

// lastSeq is the newest snapshot's sequence number, 0 when empty.
func (q *queue) lastSeq() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.snaps) == 0 {
		return 0
	}
	return q.snaps[len(q.snaps)-1].Seq
}

// between returns up to n pending snapshots with after < seq ≤ upTo, oldest first.
func (q *queue) between(after, upTo uint64, n int) []wire.Snapshot {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []wire.Snapshot
	for _, s := range q.snaps {
		if s.Seq > after && s.Seq <= upTo {
			out = append(out, s)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// ack forgets acknowledged snapshots.
func (q *queue) ack(ranges []wire.SeqRange) {
	q.mu.Lock()
	defer q.mu.Unlock()
	keep := q.snaps[:0]
	for _, s := range q.snaps {
		acked := false
		for _, r := range ranges {
			if s.Seq >= r.From && s.Seq <= r.To {
				acked = true
				break
			}
		}
		if !acked {
			keep = append(keep, s)
		}
	}
	clear(q.snaps[len(keep):])
	q.snaps = keep
}

// takeDropped returns and resets how many snapshots were dropped for space.
func (q *queue) takeDropped() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	d := q.dropped
	q.dropped = 0
	return d
}
