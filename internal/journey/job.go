package journey

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ProcessArgs is the periodic job that sends the journey messages due.
// Runs may overlap (a slow run, a retry, another node): each enrolment is
// claimed in the transaction that queues its message, so none is sent
// twice.
type ProcessArgs struct{}

// Kind names the job in the queue.
func (ProcessArgs) Kind() string { return "journey.process" }

// Worker works ProcessArgs jobs.
type Worker struct {
	river.WorkerDefaults[ProcessArgs]
	s *Service
}

// NewWorker returns the worker that processes the Service's due enrolments.
func NewWorker(s *Service) *Worker { return &Worker{s: s} }

// Work handles every enrolment due.
func (w *Worker) Work(ctx context.Context, _ *river.Job[ProcessArgs]) error {
	n, err := w.s.ProcessDue(ctx)
	if n > 0 {
		w.s.log.Info("journey enrolments processed", "enrolments", n)
	}
	return err
}

// ProcessEvery schedules the job at the given interval.
func ProcessEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d),
		func() (river.JobArgs, *river.InsertOpts) { return ProcessArgs{}, nil }, nil)
}
