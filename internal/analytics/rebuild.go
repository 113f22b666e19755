package analytics

import (
	"context"
	"sync"

	"github.com/omni-hq/omni/internal/store"
)

// rebuildBatch bounds the events aggregated before a write while rebuilding.
const rebuildBatch = 250_000

// Rebuild recomputes the rollups kept on ingest (daily rollups, orders,
// customer ordinals and customer sets) from the whole event log: after
// loading events without the hook (bulk imports, the seed) or to repair
// them. Run it while nothing else writes events. progress, when set, is
// called from the reading goroutines with the running count of events.
func (s *Service) Rebuild(ctx context.Context, progress func(events int64)) error {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, t := range []string{"analytics_daily", "analytics_orders", "analytics_customers", "analytics_sets"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return wrap("clear "+t, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE analytics_set_days SET version = version + 1"); err != nil {
			return wrap("bump set versions", err)
		}
		_, err := tx.ExecContext(ctx, "UPDATE analytics_counters SET value = 0 WHERE name = 'customer_ordinal'")
		return wrap("reset customer ordinals", err)
	})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var firstErr error
	cs, err := s.replay(ctx, replayOptions{names: true, workers: s.opts.Workers, progress: progress}, func() consumer {
		return &rebuilder{s: s, ctx: ctx, b: newBatch(), mu: &mu, err: &firstErr}
	})
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.(*rebuilder).flush()
	}
	return firstErr
}

// rebuilder feeds replayed customers into rollup batches.
type rebuilder struct {
	s   *Service
	ctx context.Context
	b   *batch
	n   int
	mu  *sync.Mutex
	err *error
}

func (r *rebuilder) customer(_ string, recs []record) {
	for i := range recs {
		r.b.add(&recs[i])
	}
	if r.n += len(recs); r.n >= rebuildBatch {
		r.flush()
	}
}

func (r *rebuilder) flush() {
	if r.n == 0 {
		return
	}
	b := r.b
	r.b, r.n = newBatch(), 0
	r.mu.Lock()
	failed := *r.err != nil
	r.mu.Unlock()
	if failed {
		return
	}
	err := r.s.db.InTx(r.ctx, func(tx *store.Tx) error { return b.apply(r.ctx, tx) })
	if err != nil {
		r.mu.Lock()
		if *r.err == nil {
			*r.err = err
		}
		r.mu.Unlock()
	}
}
