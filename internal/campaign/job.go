package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// SendArgs is the job that sends a campaign for one send time. A job whose
// time the campaign no longer has (rescheduled, sent now instead) does
// nothing, so moving or cancelling a campaign needs no job to be removed.
type SendArgs struct {
	CampaignID string `json:"campaign_id"`
	SendAt     int64  `json:"send_at"` // Unix milliseconds
}

// Kind names the job in the queue.
func (SendArgs) Kind() string { return "campaign.send" }

// InsertOpts makes one job per campaign and send time.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Worker works SendArgs jobs.
type Worker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

// NewWorker returns the worker that sends the Service's campaigns.
func NewWorker(s *Service) *Worker { return &Worker{s: s} }

// Work sends the campaign, RunFor at a time: with recipients left it
// yields and is worked again at once; before its time or in quiet hours it
// waits. After its last attempt fails the campaign is marked failed, so
// that it can be sent again.
func (w *Worker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	again, wait, err := w.s.run(ctx, job.Args.CampaignID, job.Args.SendAt)
	if err != nil {
		if job.Attempt >= job.MaxAttempts {
			if c, herr := w.s.head(ctx, job.Args.CampaignID); herr == nil && c.SendAt != nil && c.SendAt.UnixMilli() == job.Args.SendAt {
				_ = w.s.fail(ctx, c, fmt.Sprintf("sending stopped after %d attempts: %v", job.Attempt, err))
			}
		}
		return err
	}
	if again {
		return river.JobSnooze(wait)
	}
	return nil
}

// Timeout gives a run its RunFor and the time to finish its last batch.
func (w *Worker) Timeout(*river.Job[SendArgs]) time.Duration { return w.s.opts.RunFor + 2*time.Minute }
