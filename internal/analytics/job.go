package analytics

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// RefreshArgs is the background job that replays the event log into the
// analytics snapshot.
type RefreshArgs struct{}

// Kind names the job in the queue.
func (RefreshArgs) Kind() string { return "analytics_refresh" }

// InsertOpts keeps at most one refresh waiting at a time.
func (RefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// RefreshWorker runs refreshes.
type RefreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	s      *Service
	log    *slog.Logger
	minAge time.Duration
}

// NewRefreshWorker returns a worker refreshing s's snapshot when the latest
// is older than minAge (so that restarts do not replay a large log again).
func NewRefreshWorker(s *Service, log *slog.Logger, minAge time.Duration) *RefreshWorker {
	return &RefreshWorker{s: s, log: log, minAge: minAge}
}

// Timeout lets a refresh of a large event log finish.
func (w *RefreshWorker) Timeout(*river.Job[RefreshArgs]) time.Duration { return time.Hour }

// Work replays the event log once, unless the snapshot is fresh enough.
func (w *RefreshWorker) Work(ctx context.Context, _ *river.Job[RefreshArgs]) error {
	latest, ok, err := w.s.LatestRefresh(ctx)
	if err != nil {
		return err
	}
	if ok && w.s.opts.Now().Sub(latest.FinishedAt) < w.minAge {
		return nil
	}
	info, err := w.s.Refresh(ctx, nil)
	if err != nil {
		return err
	}
	w.log.Info("analytics refreshed", "events", info.Events, "customers", info.Customers,
		"took", info.FinishedAt.Sub(info.StartedAt).Round(time.Millisecond))
	return nil
}

// RefreshEvery schedules a refresh at the given interval, and once at start.
func RefreshEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d),
		func() (river.JobArgs, *river.InsertOpts) { return RefreshArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
