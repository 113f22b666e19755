package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/store"
)

// Sweep deletes rows that have outlived their use. Query is a DELETE with one
// `?` placeholder, bound to the cutoff in Unix milliseconds.
type Sweep struct {
	Name  string
	Query string
	Keep  time.Duration // rows older than now - Keep go
}

// CleanupArgs is the periodic housekeeping job.
type CleanupArgs struct{}

// Kind names the job in the queue.
func (CleanupArgs) Kind() string { return "cleanup" }

// InsertOpts makes at most one cleanup wait in the queue at a time.
func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// CleanupWorker runs the sweeps.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	db     *store.DB
	sweeps []Sweep
	now    func() time.Time
	log    *slog.Logger
}

// NewCleanupWorker returns a worker that runs sweeps on db.
func NewCleanupWorker(db *store.DB, log *slog.Logger, sweeps ...Sweep) *CleanupWorker {
	return &CleanupWorker{db: db, sweeps: sweeps, now: time.Now, log: log}
}

// Work runs every sweep once.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	for _, s := range w.sweeps {
		res, err := w.db.ExecContext(ctx, s.Query, w.now().Add(-s.Keep).UnixMilli())
		if err != nil {
			return fmt.Errorf("sweep %s: %w", s.Name, err)
		}
		n, _ := res.RowsAffected()
		if n > 0 {
			w.log.Info("cleanup", "sweep", s.Name, "deleted", n)
		}
	}
	return nil
}

// CleanupEvery schedules the cleanup job at the given interval, and once at start.
func CleanupEvery(d time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(d),
		func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// ExpiredSessions sweeps dashboard sessions past their expiry.
var ExpiredSessions = Sweep{Name: "expired sessions", Query: "DELETE FROM sessions WHERE expires_at < ?"}
