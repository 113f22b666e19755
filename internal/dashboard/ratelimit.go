package dashboard

import (
	"sync"
	"time"
)

// limiter is a token bucket per client address, kept in memory: each address
// may make burst attempts at once and earns one more every refill.
type limiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds memory; past it, full (idle) buckets are dropped.
const maxBuckets = 100_000

func newLimiter(burst int, refill time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: float64(burst), refill: refill, now: now, buckets: map[string]*bucket{}}
}

// allow takes one attempt from key's bucket. When none is left it returns
// false and how long until the next one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets) // a flood of addresses; start over rather than grow
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.refill))
	}
	b.tokens--
	return true, 0
}

// prune drops buckets that have refilled completely: forgetting them changes
// nothing.
func (l *limiter) prune(now time.Time) {
	full := time.Duration(l.burst * float64(l.refill))
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
}
