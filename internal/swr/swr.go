// Package swr is a small stale-while-revalidate cache for values that are
// expensive to compute and still useful a little old: counts over a million
// customers, shown on a dashboard.
//
// A value younger than the fresh age is answered as it is. An older one, up
// to the maximum age, is answered too while one recomputation runs in the
// background, so only the first request for a key waits. Concurrent
// requests for a key nobody has computed yet share one computation.
package swr

import (
	"context"
	"sync"
	"time"
)

// Cache maps keys to values computed by the caller's load function.
type Cache[K comparable, V any] struct {
	fresh, maxAge time.Duration
	costFactor    int
	maxEntries    int
	now           func() time.Time

	mu      sync.Mutex
	entries map[K]*entry[V]
}

type entry[V any] struct {
	value   V
	at      time.Time
	took    time.Duration // how long the value took to compute
	ok      bool          // value holds a computed value
	loading chan struct{} // closed when the running load ends; nil when none runs
	err     error         // the last load's error
}

// Options sets a cache's ages and size.
type Options struct {
	Fresh      time.Duration    // age up to which a value is answered as it is
	MaxAge     time.Duration    // age up to which a value is answered while recomputed
	MaxEntries int              // keys held; past that the cache forgets them all
	Now        func() time.Time // the clock; time.Now when nil

	// CostFactor, when above zero, keeps a value fresh for at least that
	// many times as long as it took to compute, and answers it while
	// recomputed for twice that: recomputing one key then keeps at most
	// 1/CostFactor of a core busy, however slow the computation.
	CostFactor int
}

// New returns a cache with the given options.
func New[K comparable, V any](o Options) *Cache[K, V] {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Cache[K, V]{fresh: o.Fresh, maxAge: o.MaxAge, costFactor: o.CostFactor, maxEntries: o.MaxEntries,
		now: o.Now, entries: map[K]*entry[V]{}}
}

// Get returns the value for key and when it was computed, computing it with
// load when the cache has none young enough. Loads run detached from ctx's
// cancellation, so that a request that gives up does not fail the others
// waiting on the same load; ctx ends only this request's wait.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, time.Time, error) {
	c.mu.Lock()
	e := c.entries[key]
	if e != nil && e.ok {
		fresh, maxAge := c.ages(e)
		if age := c.now().Sub(e.at); age < maxAge {
			if age >= fresh && e.loading == nil {
				c.start(e, load, ctx)
			}
			v, at := e.value, e.at
			c.mu.Unlock()
			return v, at, nil
		}
	}
	if e == nil {
		e = c.add(key)
	}
	if e.loading == nil {
		c.start(e, load, ctx)
	}
	done := e.loading
	c.mu.Unlock()

	select {
	case <-done:
	case <-ctx.Done():
		var zero V
		return zero, time.Time{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, maxAge := c.ages(e); e.ok && c.now().Sub(e.at) < maxAge {
		return e.value, e.at, nil
	}
	var zero V
	return zero, time.Time{}, e.err
}

// Prime starts computing key's value in the background unless a young
// enough value is held or a load runs already, and returns at once: for a
// value someone is about to ask for.
func (c *Cache[K, V]) Prime(ctx context.Context, key K, load func(context.Context) (V, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e != nil && e.loading != nil {
		return
	}
	if fresh, _ := c.ages(e); e != nil && e.ok && c.now().Sub(e.at) < fresh {
		return
	}
	if e == nil {
		e = c.add(key)
	}
	c.start(e, load, ctx)
}

// ages are how long e's value stays fresh and how long it is answered at
// all; e may be nil.
func (c *Cache[K, V]) ages(e *entry[V]) (fresh, maxAge time.Duration) {
	fresh, maxAge = c.fresh, c.maxAge
	if c.costFactor > 0 && e != nil {
		fresh = max(fresh, time.Duration(c.costFactor)*e.took)
		maxAge = max(maxAge, 2*fresh)
	}
	return fresh, maxAge
}

// add makes key's entry, forgetting every other when the cache is full; the
// caller holds c.mu.
func (c *Cache[K, V]) add(key K) *entry[V] {
	if len(c.entries) >= c.maxEntries {
		clear(c.entries)
	}
	e := &entry[V]{}
	c.entries[key] = e
	return e
}

// start runs load for e in the background; the caller holds c.mu.
func (c *Cache[K, V]) start(e *entry[V], load func(context.Context) (V, error), ctx context.Context) {
	done := make(chan struct{})
	e.loading = done
	go func() {
		start := time.Now()
		v, err := load(context.WithoutCancel(ctx))
		took, at := time.Since(start), c.now()
		c.mu.Lock()
		defer c.mu.Unlock()
		e.loading, e.err = nil, err
		if err == nil {
			e.value, e.at, e.took, e.ok = v, at, took, true
		}
		close(done)
	}()
}
