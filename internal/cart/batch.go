package cart

import (
	"context"
	"fmt"
	"sync"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// maxBatch bounds the cart changes committed together.
const maxBatch = 128

// unit is one cart change: it runs inside a transaction and returns the
// timeline events that record it.
type unit func(tx *store.Tx) ([]customer.Event, error)

// batcher commits cart changes in groups on SQLite. SQLite has one writer,
// so concurrent changes queue for it anyway; running the waiting changes in
// one transaction (each in its own savepoint, so one change's failure undoes
// only that change) pays for one commit and one fsync per group instead of
// one per change, and their timeline events are appended together at the
// end. A change is acknowledged only after its group commits; should the
// group fail as a whole, each change is run again in a transaction of its
// own. PostgreSQL runs changes concurrently, each in its own transaction.
type batcher struct {
	db       *store.DB
	timeline Timeline // nil: no events recorded

	mu      sync.Mutex
	queue   []*pending
	running bool
}

type pending struct {
	fn   unit
	done chan error
}

// run runs fn in a transaction, its own or a shared one, and appends its
// events in the same transaction. fn must not keep state across calls that
// assumes it runs once: it runs again when its group fails.
func (b *batcher) run(ctx context.Context, fn unit) error {
	if b.db.Dialect() != store.SQLite {
		return b.alone(ctx, fn)
	}
	p := &pending{fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.drain()
	}
	return <-p.done
}

// alone runs fn in a transaction of its own.
func (b *batcher) alone(ctx context.Context, fn unit) error {
	return b.db.InTx(ctx, func(tx *store.Tx) error {
		events, err := fn(tx)
		if err != nil {
			return err
		}
		return b.append(ctx, tx, events)
	})
}

func (b *batcher) append(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	if b.timeline == nil || len(events) == 0 {
		return nil
	}
	if _, err := b.timeline.AppendTx(ctx, tx, events); err != nil {
		return fmt.Errorf("record cart events: %w", err)
	}
	return nil
}

// drain commits the queue group by group and stops once it is empty, so no
// goroutine outlives the work.
func (b *batcher) drain() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		group := b.queue[:n:n]
		b.queue = b.queue[n:]
		if n == 0 {
			b.running = false
			b.queue = nil
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.commit(group)
	}
}

func (b *batcher) commit(group []*pending) {
	ctx := context.Background()
	if len(group) == 1 {
		group[0].done <- b.alone(ctx, group[0].fn)
		return
	}
	results := make([]error, len(group))
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		var events []customer.Event
		for i, p := range group {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT cart_change"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			var evs []customer.Event
			evs, results[i] = p.fn(tx)
			if results[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT cart_change"); err != nil {
					return fmt.Errorf("roll back change: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT cart_change"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
			events = append(events, evs...)
		}
		return b.append(ctx, tx, events)
	})
	for i, p := range group {
		if err != nil {
			results[i] = b.alone(ctx, p.fn)
		}
		p.done <- results[i]
	}
}
