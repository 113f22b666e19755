package order

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// ExpireArgs is the periodic job that cancels unpaid orders whose stock
// reservation expired, giving the units back to other buyers.
type ExpireArgs struct{}

// Kind names the job in the queue.
func (ExpireArgs) Kind() string { return "order_expiry" }

// InsertOpts keeps at most one expiry job waiting at a time.
func (ExpireArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Second}}
}

// ExpireWorker runs ExpireUnpaid.
type ExpireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	orders *Service
	log    *slog.Logger
}

// NewExpireWorker returns the worker of ExpireArgs jobs.
func NewExpireWorker(orders *Service, log *slog.Logger) *ExpireWorker {
	return &ExpireWorker{orders: orders, log: log}
}

// Work cancels the expired orders.
func (w *ExpireWorker) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	n, err := w.orders.ExpireUnpaid(ctx)
	if n > 0 {
		w.log.Info("cancelled unpaid orders whose reservation expired", "orders", n)
	}
	return err
}

// ExpireEvery schedules the expiry job.
func ExpireEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d),
		func() (river.JobArgs, *river.InsertOpts) { return ExpireArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
