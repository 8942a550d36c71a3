package ingest

import (
	"crypto/sha256"
	"sync"
	"time"
)

// tokenTTL is how long a verified agent token is trusted without asking the metadata store.
// Agents reconnect in bursts (a hub restart, a network blip); without the cache every
// reconnect is a database read on the handshake path. Revocation does not wait for the TTL:
// Disconnect drops the host's entries.
const tokenTTL = 30 * time.Second

// tokenCache remembers recently verified agent tokens by their SHA-256, never in clear.
type tokenCache struct {
	now func() time.Time

	mu      sync.Mutex
	entries map[[32]byte]tokenEntry
	// gen changes on every drop, so that a lookup that started before a revocation does not
	// put the revoked token back into the cache when it finishes after it.
	gen uint64
}

type tokenEntry struct {
	host    Host
	expires time.Time
}

func newTokenCache(now func() time.Time) *tokenCache {
	return &tokenCache{now: now, entries: map[[32]byte]tokenEntry{}}
}

// get returns the cached host of token, and the generation to pass to put after a miss.
func (c *tokenCache) get(token string) (Host, bool, uint64) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok && c.now().Before(e.expires) {
		return e.host, true, c.gen
	}
	return Host{}, false, c.gen
}

func (c *tokenCache) put(token string, h Host, gen uint64) {
	k := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	c.entries[k] = tokenEntry{host: h, expires: c.now().Add(tokenTTL)}
}

// dropHost forgets every token of a host: its token was revoked or the host deleted.
func (c *tokenCache) dropHost(hostID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.host.ID == hostID {
			delete(c.entries, k)
		}
	}
}

// prune removes expired entries, so the cache holds at most the hosts verified in one TTL.
func (c *tokenCache) prune() {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
}
