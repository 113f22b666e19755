package cart

import (
	"context"
	"fmt"
	"sync"

	"github.com/omni-hq/omni/internal/store"
)

// maxBatch bounds the cart changes committed together.
const maxBatch = 128

// batcher commits cart changes in groups on SQLite. SQLite has one writer,
// so concurrent changes queue for it anyway; running the waiting changes in
// one transaction (each in its own savepoint, so one change's failure undoes
// only that change) pays for one commit and one fsync per group instead of
// one per change. A change is acknowledged only after its group commits.
// PostgreSQL runs changes concurrently, each in its own transaction.
type batcher struct {
	db      *store.DB
	mu      sync.Mutex
	queue   []*pending
	running bool
}

type pending struct {
	fn   func(tx *store.Tx) error
	done chan error
}

// inTx runs fn in a transaction: its own on PostgreSQL, a shared one on
// SQLite. fn must not keep state across calls that assumes it runs alone.
func (b *batcher) inTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if b.db.Dialect() != store.SQLite {
		return b.db.InTx(ctx, fn)
	}
	p := &pending{fn: fn, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, p)
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.run()
	}
	return <-p.done
}

// run commits the queue group by group and stops once it is empty, so no
// goroutine outlives the work.
func (b *batcher) run() {
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
	results := make([]error, len(group))
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		for i, p := range group {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT cart_change"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			results[i] = p.fn(tx)
			if results[i] != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT cart_change"); err != nil {
					return fmt.Errorf("roll back change: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT cart_change"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	for i, p := range group {
		if err != nil {
			results[i] = err
		}
		p.done <- results[i]
	}
}
