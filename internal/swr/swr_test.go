package swr

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time for the cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestCache(t *testing.T) (*Cache[string, int], *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	c := New[string, int](Options{Fresh: 10 * time.Second, MaxAge: time.Minute, MaxEntries: 8, Now: clk.now})
	return c, clk
}

// counter is a load function counting its calls; each call returns the
// call's number.
type counter struct {
	calls atomic.Int64
	gate  chan struct{} // when set, each call waits for a value on it
}

func (n *counter) load(context.Context) (int, error) {
	if n.gate != nil {
		<-n.gate
	}
	return int(n.calls.Add(1)), nil
}

func TestFreshStaleExpired(t *testing.T) {
	steps := []struct {
		name      string
		advance   time.Duration
		want      int   // the value answered
		wantCalls int64 // loads run once the step's refresh (if any) ended
	}{
		{"first request computes", 0, 1, 1},
		{"fresh value answered as is", 9 * time.Second, 1, 1},
		{"stale value answered while one refresh runs", 2 * time.Second, 1, 2},
		{"the refreshed value", time.Second, 2, 2},
		{"past the maximum age the request waits for a new value", 2 * time.Minute, 3, 3},
	}
	c, clk := newTestCache(t)
	var n counter
	for _, s := range steps {
		clk.add(s.advance)
		v, _, err := c.Get(t.Context(), "k", n.load)
		if err != nil || v != s.want {
			t.Fatalf("%s: got %d, %v; want %d", s.name, v, err, s.want)
		}
		waitIdle(t, c, "k")
		if got := n.calls.Load(); got != s.wantCalls {
			t.Fatalf("%s: %d loads, want %d", s.name, got, s.wantCalls)
		}
	}
}

func TestConcurrentColdRequestsShareOneLoad(t *testing.T) {
	c, _ := newTestCache(t)
	n := counter{gate: make(chan struct{})}
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Go(func() {
			v, _, err := c.Get(t.Context(), "k", n.load)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	time.Sleep(20 * time.Millisecond) // let the requests queue on the load
	close(n.gate)
	wg.Wait()
	if calls := n.calls.Load(); calls != 1 {
		t.Errorf("%d loads for 20 concurrent requests, want 1", calls)
	}
	for i, v := range got {
		if v != 1 {
			t.Errorf("request %d got %d", i, v)
		}
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	c, clk := newTestCache(t)
	boom := errors.New("boom")
	if _, _, err := c.Get(t.Context(), "k", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("first load: %v, want boom", err)
	}
	v, at, err := c.Get(t.Context(), "k", func(context.Context) (int, error) { return 7, nil })
	if err != nil || v != 7 || !at.Equal(clk.now()) {
		t.Fatalf("after a failed load: %d at %s, %v", v, at, err)
	}
	// A failed background refresh keeps the stale value.
	clk.add(20 * time.Second)
	if v, _, err := c.Get(t.Context(), "k", func(context.Context) (int, error) { return 0, boom }); err != nil || v != 7 {
		t.Fatalf("stale during a failing refresh: %d, %v", v, err)
	}
	waitIdle(t, c, "k")
	if v, _, err := c.Get(t.Context(), "k", func(context.Context) (int, error) { return 8, nil }); err != nil || v != 7 {
		t.Fatalf("after the failed refresh: %d, %v (the stale value, while a new refresh runs)", v, err)
	}
}

func TestCancelledWaitDoesNotCancelTheLoad(t *testing.T) {
	c, _ := newTestCache(t)
	n := counter{gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, _, err := c.Get(ctx, "k", n.load)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	close(n.gate)
	waitIdle(t, c, "k")
	if v, _, err := c.Get(t.Context(), "k", n.load); err != nil || v != 1 {
		t.Errorf("the load a cancelled request started: %d, %v", v, err)
	}
}

func TestEntriesAreBounded(t *testing.T) {
	c, _ := newTestCache(t)
	var n counter
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		if _, _, err := c.Get(t.Context(), k, n.load); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 8 {
		t.Errorf("%d entries kept, at most 8 asked", len(c.entries))
	}
}

// waitIdle waits until no load of key runs.
func waitIdle(t *testing.T, c *Cache[string, int], key string) {
	t.Helper()
	for range 1000 {
		c.mu.Lock()
		e := c.entries[key]
		busy := e != nil && e.loading != nil
		c.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("a load of %q still runs", key)
}

func TestPrimeStartsOneLoadAndReturns(t *testing.T) {
	c, clk := newTestCache(t)
	n := counter{gate: make(chan struct{})}
	c.Prime(t.Context(), "k", n.load)
	c.Prime(t.Context(), "k", n.load) // a load runs: nothing more
	close(n.gate)
	if v, _, err := c.Get(t.Context(), "k", n.load); err != nil || v != 1 {
		t.Fatalf("after priming: %d, %v", v, err)
	}
	c.Prime(t.Context(), "k", n.load) // fresh: nothing to do
	waitIdle(t, c, "k")
	if calls := n.calls.Load(); calls != 1 {
		t.Fatalf("%d loads, want 1", calls)
	}
	clk.add(15 * time.Second)
	c.Prime(t.Context(), "k", n.load) // stale: recomputed
	waitIdle(t, c, "k")
	if v, _, _ := c.Get(t.Context(), "k", n.load); v != 2 {
		t.Errorf("after priming a stale value: %d, want 2", v)
	}
}

// TestCostlyValuesStayFreshLonger: with CostFactor, a value that took long
// to compute is kept fresh for that many times as long, and answered while
// recomputed for twice that.
func TestCostlyValuesStayFreshLonger(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	c := New[string, int](Options{Fresh: 10 * time.Second, MaxAge: time.Minute, MaxEntries: 8, Now: clk.now, CostFactor: 1000})
	var n counter
	slow := func(ctx context.Context) (int, error) {
		time.Sleep(50 * time.Millisecond) // fresh for at least 50 s, answered for 100 s
		return n.load(ctx)
	}
	steps := []struct {
		name      string
		advance   time.Duration
		wantCalls int64
	}{
		{"first request computes", 0, 1},
		{"40 s later: still fresh", 40 * time.Second, 1},
		{"90 s later: past MaxAge but answered, recomputed behind", 50 * time.Second, 2},
	}
	for _, s := range steps {
		clk.add(s.advance)
		start := time.Now()
		if v, _, err := c.Get(t.Context(), "k", slow); err != nil || v != 1 {
			t.Fatalf("%s: %d, %v; want the first value", s.name, v, err)
		}
		if s.advance > 0 && time.Since(start) > 40*time.Millisecond {
			t.Errorf("%s: the request waited for a computation", s.name)
		}
		waitIdle(t, c, "k")
		if got := n.calls.Load(); got != s.wantCalls {
			t.Fatalf("%s: %d loads, want %d", s.name, got, s.wantCalls)
		}
	}
}
