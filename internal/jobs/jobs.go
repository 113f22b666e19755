// Package jobs runs Omni's durable background work — outbound messages,
// journey waits, audience syncs, retries and housekeeping — on River, with
// jobs stored in Omni's own database. Several `omni serve` nodes on one
// PostgreSQL claim jobs through the database, so no job runs twice at once.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/omni-hq/omni/internal/store"
)

// Queue inserts and works durable jobs.
type Queue struct {
	client *river.Client[*sql.Tx]
}

// Config says what a Queue works. Workers may be nil for an insert-only Queue
// (the CLI uses one to enqueue work that a running server then does).
type Config struct {
	Workers      *river.Workers
	PeriodicJobs []*river.PeriodicJob
	MaxWorkers   int           // per node; default 10
	PollInterval time.Duration // how often idle nodes look for jobs; default 500ms
	Logger       *slog.Logger
}

// New builds a Queue on db. Call Start to begin working jobs.
func New(db *store.DB, cfg Config) (*Queue, error) {
	var driver riverdriver.Driver[*sql.Tx]
	if db.Dialect() == store.Postgres {
		driver = riverdatabasesql.New(db.Writer())
	} else {
		driver = riversqlite.New(db.Writer())
	}
	rc := &river.Config{
		Logger:            cfg.Logger,
		FetchPollInterval: cfg.PollInterval,
		PeriodicJobs:      cfg.PeriodicJobs,
		JobTimeout:        5 * time.Minute,
	}
	if rc.FetchPollInterval == 0 {
		rc.FetchPollInterval = 500 * time.Millisecond
	}
	if rc.Logger == nil {
		rc.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers != nil {
		rc.Workers = cfg.Workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(cfg.MaxWorkers, 1)}}
		if cfg.MaxWorkers == 0 {
			rc.Queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: 10}
		}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("create job queue: %w", err)
	}
	return &Queue{client: client}, nil
}

// Start begins working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels the rest; a
// cancelled job is retried later, so nothing is lost.
func (q *Queue) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.client.StopAndCancel(stopCtx)
	}
	return nil
}

// Insert enqueues a job.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.client.Insert(ctx, args, opts)
}

// InsertTx enqueues a job inside tx, so it exists only if tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.client.InsertTx(ctx, tx.SQL(), args, opts)
}

// Subscribe returns a channel of job events of the given kinds (completed,
// failed…), for tests and live views, and a function to stop the subscription.
func (q *Queue) Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return q.client.Subscribe(kinds...)
}
