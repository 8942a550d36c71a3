package alert

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Batch is the notifications for one channel that go out as one message.
type Batch struct {
	// Channel is the channel ID; "" collects notifications whose rule names no channel, for
	// the hub's default route.
	Channel       string
	Opened        time.Time
	Notifications []Notification
}

// Summary is a one-line subject for the batch, e.g. "3 firing, 1 resolved: Host down, Disk
// usage".
func (b Batch) Summary() string {
	var order []Event
	count := map[Event]int{}
	var names []string
	for _, n := range b.Notifications {
		if count[n.Event] == 0 {
			order = append(order, n.Event)
		}
		count[n.Event]++
		if !slices.Contains(names, n.RuleName) {
			names = append(names, n.RuleName)
		}
	}
	s := ""
	for i, ev := range order {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", count[ev], ev)
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	for i, n := range names {
		if i == 0 {
			s += ": "
		} else {
			s += ", "
		}
		s += n
	}
	return s
}

// Grouper batches notifications per channel: the first notification for a channel opens a
// batch, and everything for that channel arriving within the window joins it. When 200
// hosts go down in the same few seconds the channel gets one message listing them instead
// of 200. It does no I/O and reads no clock; the hub calls Add with the engine's output and
// Due from its ticker. Safe for concurrent use.
type Grouper struct {
	mu     sync.Mutex
	window time.Duration
	open   map[string]*Batch
}

// NewGrouper returns a Grouper that holds each batch for window (e.g. 30 s); window 0 makes
// every Due call flush what has arrived.
func NewGrouper(window time.Duration) *Grouper {
	return &Grouper{window: window, open: map[string]*Batch{}}
}

// Add files notifications, copying each into the batch of every channel it names.
func (g *Grouper) Add(now time.Time, ns ...Notification) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range ns {
		chans := n.Channels
		if len(chans) == 0 {
			chans = []string{""}
		}
		for _, c := range chans {
			b := g.open[c]
			if b == nil {
				b = &Batch{Channel: c, Opened: now}
				g.open[c] = b
			}
			b.Notifications = append(b.Notifications, n)
		}
	}
}

// Due removes and returns the batches whose window has passed at now, sorted by channel.
func (g *Grouper) Due(now time.Time) []Batch {
	return g.take(func(b *Batch) bool { return now.Sub(b.Opened) >= g.window })
}

// Flush removes and returns every open batch (at shutdown), sorted by channel.
func (g *Grouper) Flush() []Batch { return g.take(func(*Batch) bool { return true }) }

func (g *Grouper) take(due func(*Batch) bool) []Batch {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Batch
	for c, b := range g.open {
		if due(b) {
			out = append(out, *b)
			delete(g.open, c)
		}
	}
	slices.SortFunc(out, func(a, b Batch) int { return strings.Compare(a.Channel, b.Channel) })
	return out
}
