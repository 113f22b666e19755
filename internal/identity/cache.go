package identity

import (
	"sync"
	"time"
)

// cache maps identifiers to their customer, in front of the identities table.
// It keeps two generations: new entries go to the current one; when it is full
// or old, the current one becomes the previous one and a fresh one starts.
// Lookups check both, and a hit in the previous generation is promoted, so
// hot identifiers stay while cold ones age out — an LRU approximation without
// per-entry bookkeeping. The table stays the truth: a miss reads it, and a
// restart starts empty.
type cache struct {
	mu      sync.RWMutex
	cur     map[string]string
	prev    map[string]string
	max     int
	ttl     time.Duration
	rotated time.Time
	now     func() time.Time
}

func newCache(max int, ttl time.Duration) *cache {
	return &cache{cur: make(map[string]string), prev: map[string]string{}, max: max, ttl: ttl,
		now: time.Now, rotated: time.Now()}
}

func (c *cache) get(key string) (string, bool) {
	c.mu.RLock()
	v, ok := c.cur[key]
	if !ok {
		v, ok = c.prev[key]
		c.mu.RUnlock()
		if ok {
			c.put(map[string]string{key: v})
		}
		return v, ok
	}
	c.mu.RUnlock()
	return v, true
}

// put stores entries, rotating generations when the current one is full or
// older than ttl.
func (c *cache) put(entries map[string]string) {
	if c.max <= 0 || len(entries) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur)+len(entries) > c.max/2 || (c.ttl > 0 && c.now().Sub(c.rotated) > c.ttl) {
		c.prev, c.cur, c.rotated = c.cur, make(map[string]string, len(c.cur)), c.now()
	}
	for k, v := range entries {
		c.cur[k] = v
		delete(c.prev, k)
	}
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.cur) + len(c.prev)
}
