// Package campaign sends the marketer's one-off broadcasts: a message on
// one channel (email, SMS, Messenger) to the members of a segment, now or
// at a set time, personalised per recipient, optionally with a promotion
// put in each recipient's wallet and a link tagged so that the clicks it
// brings are attributed to the campaign.
//
// A campaign moves from draft to scheduled (send_at) or straight to
// sending, then sent; a scheduled or sending campaign can be cancelled. The
// send is a River job. It takes the segment's members once, at send time,
// into campaign_recipients (one row per campaign and customer), then moves
// each row from pending to sent — queueing the message through the inbox's
// durable path in the same transaction — or to skipped, with the reason:
// no marketing consent on the channel, no address on it, over the frequency
// cap, or the channel's own rules (package marketing). A retried job, a
// second node or a second click therefore never reaches anyone twice. Each
// message names the campaign on the customer's timeline; an order within
// marketing.ConversionWindow of it counts as its conversion, as journeys
// count theirs.
package campaign

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
)

// Status is where a campaign stands.
type Status string

// Campaign statuses.
const (
	Draft     Status = "draft"
	Scheduled Status = "scheduled" // waits for send_at
	Sending   Status = "sending"   // the send job works through the audience
	Sent      Status = "sent"      // every recipient was sent to or skipped
	Cancelled Status = "cancelled" // stopped before send_at, or while sending
	Failed    Status = "failed"    // stopped: the channel, the segment or the promotion became unusable
)

// Recipient states.
const (
	Pending       = "pending"
	RecipientSent = "sent"
	Skipped       = "skipped"
)

// Campaign is a stored campaign with its results.
type Campaign struct {
	ID            string                 `json:"id"`
	Name          string                 `json:"name"`
	Slug          string                 `json:"slug"` // utm_campaign of its link; analytics credits clicks to it
	Channel       string                 `json:"channel"`
	SegmentID     string                 `json:"segment_id"`
	Subject       string                 `json:"subject,omitempty"`
	Body          string                 `json:"body"`
	PromotionCode string                 `json:"promotion_code,omitempty"`
	Link          string                 `json:"link,omitempty"`
	Cap           marketing.FrequencyCap `json:"frequency_cap"`
	Quiet         marketing.QuietHours   `json:"quiet_hours"`
	Status        Status                 `json:"status"`
	Error         string                 `json:"error,omitempty"` // why a failed send stopped
	SendAt        *time.Time             `json:"send_at,omitempty"`
	StartedAt     *time.Time             `json:"started_at,omitempty"`
	SnapshotAt    *time.Time             `json:"snapshot_at,omitempty"` // when the audience was taken
	FinishedAt    *time.Time             `json:"finished_at,omitempty"`
	CreatedAt     time.Time              `json:"created_at"`
	UpdatedAt     time.Time              `json:"updated_at"`
	Stats         Stats                  `json:"stats"`
}

// Editable reports whether the campaign's content may still change: it has
// not started sending.
func (c Campaign) Editable() bool {
	return c.StartedAt == nil && (c.Status == Draft || c.Status == Scheduled || c.Status == Cancelled)
}

// Sendable reports whether the campaign may be sent now: never sent, or
// stopped before its end (the rest of its audience is then sent to).
func (c Campaign) Sendable() bool {
	return c.Status == Draft || c.Status == Scheduled || c.Status == Cancelled || c.Status == Failed
}

// Schedulable reports whether the campaign may be given a send time.
func (c Campaign) Schedulable() bool { return c.Editable() }

// Cancellable reports whether the campaign may be cancelled.
func (c Campaign) Cancellable() bool { return c.Status == Scheduled || c.Status == Sending }

// Input is a campaign as created or edited. Zero values take defaults: a
// slug made from the name, the default frequency cap, no quiet hours.
type Input struct {
	Name          string                 `json:"name"`
	Slug          string                 `json:"slug,omitempty"`
	Channel       string                 `json:"channel"`
	SegmentID     string                 `json:"segment_id"`
	Subject       string                 `json:"subject,omitempty"` // required for email
	Body          string                 `json:"body"`
	PromotionCode string                 `json:"promotion_code,omitempty"`
	Link          string                 `json:"link,omitempty"`
	Cap           marketing.FrequencyCap `json:"frequency_cap,omitempty"`
	Quiet         marketing.QuietHours   `json:"quiet_hours,omitempty"`
}

// Stats are a campaign's results.
type Stats struct {
	Audience  int64            `json:"audience"` // members taken when the send began; 0 before
	Pending   int64            `json:"pending"`  // not processed yet
	Sent      int64            `json:"sent"`     // messages queued in the inbox
	Skipped   int64            `json:"skipped"`
	SkippedBy map[string]int64 `json:"skipped_by"` // by reason: no consent, no address, capped, channel rules…
	Delivery  Delivery         `json:"delivery"`
	Converted int64            `json:"converted"` // recipients who ordered within the window
	Revenue   map[string]int64 `json:"revenue"`   // minor units by currency
}

// Delivery counts the sent messages by their delivery state in the inbox.
type Delivery struct {
	Queued    int64 `json:"queued"`    // waiting for (or in) a delivery attempt
	Sent      int64 `json:"sent"`      // the platform took it
	Delivered int64 `json:"delivered"` // the platform confirmed delivery
	Failed    int64 `json:"failed"`
}

// Segments is what campaigns need from the segment service.
type Segments interface {
	Get(ctx context.Context, id string) (segment.Segment, error)
	Count(ctx context.Context, d segment.Definition) (int64, error)
	Members(ctx context.Context, d segment.Definition, limit int, cursor string) ([]customer.Summary, string, error)
	Select(d segment.Definition) (string, []any, error)
}

// Profiles reads customer profiles.
type Profiles interface {
	Get(ctx context.Context, id string) (customer.Profile, error)
}

// Notifier queues marketing messages through the inbox.
type Notifier interface {
	CanSend(ctx context.Context, channel string) error
	NotifyTx(ctx context.Context, tx *store.Tx, req inbox.NotifyRequest) (inbox.Message, error)
	Announce(ctx context.Context, m inbox.Message)
}

// Promotions checks promotion codes and fills wallets.
type Promotions interface {
	CheckCode(ctx context.Context, q store.Querier, code string) error
	AttachTx(ctx context.Context, tx *store.Tx, customerID, codeOrID, channel, source string) (promotion.WalletEntry, error)
}

// Enqueuer inserts durable jobs inside a transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Deps are the services a campaign Service uses.
type Deps struct {
	Segments   Segments
	Profiles   Profiles
	Notifier   Notifier
	Promotions Promotions
}

// Options tune a Service; the zero value is usable.
type Options struct {
	// Now is the clock campaigns go by; default time.Now.
	Now func() time.Time
	// BatchSize is how many recipients one transaction sends to; default 100.
	BatchSize int
	// RunFor bounds one run of the send job; the job then yields and goes
	// on at once, so that a large audience neither hits the job timeout nor
	// holds a worker. Default 30 seconds.
	RunFor time.Duration
	Logger *slog.Logger
}

// Service stores campaigns and sends them.
type Service struct {
	db   *store.DB
	d    Deps
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu    sync.RWMutex
	queue Enqueuer
}

// NewService returns a campaign Service on db. Call UseQueue before sending.
func NewService(db *store.DB, d Deps, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.RunFor <= 0 {
		opts.RunFor = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, d: d, opts: opts, now: opts.Now, log: opts.Logger}
}

// UseQueue sets the job queue sends are enqueued on. The queue's workers
// include the Service's Worker, so the queue is built after the Service.
func (s *Service) UseQueue(q Enqueuer) {
	s.mu.Lock()
	s.queue = q
	s.mu.Unlock()
}

func (s *Service) enqueuer() Enqueuer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queue
}
