package live

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

type namedValue struct {
	Name  string  `json:"name"`
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

type snapshotMessage struct {
	Type   string       `json:"type"`
	HostID int64        `json:"host_id"`
	Time   int64        `json:"time"`
	Latest Summary      `json:"latest"`
	Values []namedValue `json:"values,omitempty"`
}

type hostMessage struct {
	Type   string `json:"type"`
	HostID int64  `json:"host_id"`
	Online bool   `json:"online"`
}

// alertsMessage is a host's firing alerts, sent when they change (count 0: none left).
type alertsMessage struct {
	Type     string `json:"type"`
	HostID   int64  `json:"host_id"`
	Firing   int    `json:"firing"`
	Severity string `json:"severity,omitempty"`
}

type request struct {
	Type   string `json:"type"`
	HostID int64  `json:"host_id"`
}

func encode(v any) []byte {
	b, _ := json.Marshal(v) // the message types above cannot fail to marshal
	return b
}

// clientQueue bounds what one browser may have pending. A browser that cannot keep up loses
// messages rather than slowing ingest; the next snapshot supersedes the lost one anyway.
const clientQueue = 256

// client is one browser connection. watching is only touched under Hub.mu.
type client struct {
	org      int64
	out      chan []byte
	watching map[int64]bool
}

// broadcast queues msg for every client of org, and full instead for those watching hostID.
// Called with h.mu held.
func (h *Hub) broadcast(org, hostID int64, msg, full []byte) {
	for c := range h.clients {
		if c.org != org {
			continue
		}
		m := msg
		if full != nil && c.watching[hostID] {
			m = full
		}
		select {
		case c.out <- m:
		default:
		}
	}
}

// ServeHTTP upgrades a signed-in browser's request to the live WebSocket.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	org, ok := h.cfg.Principal(r.Context())
	if !ok {
		http.Error(w, `{"error":"sign in first"}`, http.StatusUnauthorized)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		h.log.Info("live websocket upgrade failed", "err", err)
		return
	}
	ws.SetReadLimit(4096)
	c := &client{org: org, out: make(chan []byte, clientQueue), watching: map[int64]bool{}}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	defer h.drop(c)

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go h.read(ctx, cancel, ws, c)
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			ws.Close(websocket.StatusNormalClosure, "")
			return
		case m := <-c.out:
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			err := ws.Write(wctx, websocket.MessageText, m)
			wcancel()
			if err != nil {
				return
			}
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
			err := ws.Ping(pctx)
			pcancel()
			if err != nil {
				return
			}
		}
	}
}

func (h *Hub) read(ctx context.Context, cancel context.CancelFunc, ws *websocket.Conn, c *client) {
	defer cancel()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var req request
		if json.Unmarshal(data, &req) != nil {
			ws.Close(websocket.StatusUnsupportedData, "messages must be JSON objects")
			return
		}
		switch req.Type {
		case "watch":
			if org, err := h.cfg.HostOrg(ctx, req.HostID); err != nil || org != c.org {
				continue // another org's or an unknown host: ignore, as if it had no data
			}
			h.watch(c, req.HostID, true)
		case "unwatch":
			h.watch(c, req.HostID, false)
		}
	}
}

// watch adds or removes one viewer; the first viewer turns the agent's live mode on and the last
// one leaving turns it off.
func (h *Hub) watch(c *client, hostID int64, on bool) {
	h.mu.Lock()
	if c.watching[hostID] == on {
		h.mu.Unlock()
		return
	}
	st := h.state(hostID, c.org)
	if on {
		c.watching[hostID] = true
		st.viewers++
	} else {
		delete(c.watching, hostID)
		st.viewers--
	}
	toggle := (on && st.viewers == 1) || (!on && st.viewers == 0)
	cmd := h.commander
	h.mu.Unlock()
	if toggle && cmd != nil {
		cmd.SetLive(hostID, on)
	}
}

func (h *Hub) drop(c *client) {
	h.mu.Lock()
	watching := make([]int64, 0, len(c.watching))
	for id := range c.watching {
		watching = append(watching, id)
	}
	h.mu.Unlock()
	for _, id := range watching {
		h.watch(c, id, false)
	}
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}
