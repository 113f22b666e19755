package inbox

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// WakeArgs is the periodic job that reopens snoozed conversations whose
// time has come.
type WakeArgs struct{}

// Kind names the job in the queue.
func (WakeArgs) Kind() string { return "inbox.wake" }

// InsertOpts keeps at most one wake job waiting at a time.
func (WakeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Second}}
}

// WakeWorker works WakeArgs jobs.
type WakeWorker struct {
	river.WorkerDefaults[WakeArgs]
	s *Service
}

// NewWakeWorker returns the worker that wakes the Service's snoozed conversations.
func NewWakeWorker(s *Service) *WakeWorker { return &WakeWorker{s: s} }

// Work wakes every conversation due.
func (w *WakeWorker) Work(ctx context.Context, _ *river.Job[WakeArgs]) error {
	_, err := w.s.Wake(ctx)
	return err
}

// WakeEvery schedules the wake job at the given interval.
func WakeEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d),
		func() (river.JobArgs, *river.InsertOpts) { return WakeArgs{}, nil }, nil)
}
