package app

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/journey"
)

// journeyEvery is how often due journey messages are looked for.
const journeyEvery = 30 * time.Second

// buildJourneys creates the journey service over the carts, the profiles
// and the inbox's outbound path, registers its timeline and merge hooks
// and its worker, and returns its periodic job.
func (a *App) buildJourneys(workers *river.Workers) *river.PeriodicJob {
	a.journeys = journey.NewService(a.db, journey.Deps{Carts: a.commerce.carts, Profiles: a.customers, Notifier: a.ch.inbox},
		journey.Options{StorefrontURL: a.cfg.StorefrontURL, Now: a.cfg.Now, Logger: a.log.With("component", "journeys")})
	a.customers.OnAppend(a.journeys.EventHook)
	a.ids.OnMerge(a.journeys.MergeTx)
	river.AddWorker(workers, journey.NewWorker(a.journeys))
	return journey.ProcessEvery(journeyEvery)
}

// buildCampaigns creates the campaign service over the segments, the
// profiles, the inbox's outbound path and the promotion wallets, and
// registers its timeline and merge hooks and its worker. Its queue is set
// once the queue exists.
func (a *App) buildCampaigns(workers *river.Workers) {
	a.campaigns = campaign.NewService(a.db, campaign.Deps{Segments: a.segments, Profiles: a.customers, Notifier: a.ch.inbox,
		Promotions: a.commerce.promotions}, campaign.Options{Now: a.cfg.Now, Logger: a.log.With("component", "campaigns")})
	a.customers.OnAppend(a.campaigns.EventHook)
	a.ids.OnMerge(a.campaigns.MergeTx)
	river.AddWorker(workers, campaign.NewWorker(a.campaigns))
}

// Campaigns is the campaign service.
func (a *App) Campaigns() *campaign.Service { return a.campaigns }

// Journeys is the journey service.
func (a *App) Journeys() *journey.Service { return a.journeys }

// Queue is the background-job queue.
func (a *App) Queue() *jobs.Queue { return a.queue }
