// Package journey sends automatic messages that follow what a customer did
// on any channel: a cart left with items and not checked out (abandoned
// cart), a product viewed and not added to the cart (browse abandonment).
//
// A journey listens to the customer timeline: every cart change enrols the
// customer (or moves their enrolment's due time to the change plus the
// journey's wait), an order ends the wait, and profile merges carry
// enrolments to the surviving profile. A periodic job takes the enrolments
// that are due, checks again that there is something to say (the cart still
// holds items), and queues the message through the inbox with the rules of
// every marketing message (package marketing): consent on a channel the
// journey may use, the frequency cap across journeys and campaigns, quiet
// hours — in the transaction that records the outcome, so a retried job
// never sends twice. An order within marketing.ConversionWindow of a
// message counts as that message's conversion, with its revenue.
package journey

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
)

// Kind is what a journey reacts to.
type Kind string

// Journey kinds.
const (
	AbandonedCart     Kind = "abandoned_cart"     // a cart with items, unchanged and not checked out for the wait
	BrowseAbandonment Kind = "browse_abandonment" // a product viewed, nothing added to the cart within the wait
)

// Enrolment states.
const (
	Waiting = "waiting"
	Sent    = "sent"
	Skipped = "skipped"
	Failed  = "failed"
)

// Reasons an enrolment was skipped.
const (
	ReasonNoConsent   = marketing.ReasonNoConsent
	ReasonCapped      = marketing.ReasonCapped
	ReasonCartEmptied = "cart emptied"
	ReasonOrdered     = "ordered"
	ReasonAddedToCart = "added to cart"
	ReasonDisabled    = "journey disabled"
	ReasonMerged      = "merged"
)

// Journey is a stored journey with its results.
type Journey struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Kind        Kind                   `json:"kind"`
	WaitSeconds int64                  `json:"wait_seconds"`
	Subject     string                 `json:"subject"`  // text/template of the email subject
	Template    string                 `json:"template"` // text/template of the message
	Enabled     bool                   `json:"enabled"`
	Channels    []string               `json:"channels"` // empty: the customer's preferred consented channel
	Cap         marketing.FrequencyCap `json:"frequency_cap"`
	Quiet       marketing.QuietHours   `json:"quiet_hours"`
	CreatedAt   time.Time              `json:"created_at"`
	UpdatedAt   time.Time              `json:"updated_at"`
	Stats       Stats                  `json:"stats"`
}

// Wait is how long the journey waits after the last change.
func (j Journey) Wait() time.Duration { return time.Duration(j.WaitSeconds) * time.Second }

// Stats are a journey's results.
type Stats struct {
	Enrolled  int64            `json:"enrolled"`
	Waiting   int64            `json:"waiting"`
	Sent      int64            `json:"sent"`
	Skipped   int64            `json:"skipped"`
	Failed    int64            `json:"failed"`
	Converted int64            `json:"converted"`
	Revenue   map[string]int64 `json:"revenue"` // minor units by currency
}

// Input is a journey as created or replaced. Zero values take defaults:
// wait 1 hour, the kind's template and subject, a cap of 2 messages in 7
// days.
type Input struct {
	Name        string                 `json:"name"`
	Kind        Kind                   `json:"kind"`
	WaitSeconds int64                  `json:"wait_seconds,omitempty"`
	Subject     string                 `json:"subject,omitempty"`
	Template    string                 `json:"template,omitempty"`
	Enabled     bool                   `json:"enabled"`
	Channels    []string               `json:"channels,omitempty"`
	Cap         marketing.FrequencyCap `json:"frequency_cap,omitempty"`
	Quiet       marketing.QuietHours   `json:"quiet_hours,omitempty"`
}

// Carts prices a customer's active cart.
type Carts interface {
	View(ctx context.Context, customerID, channel string) (cart.View, error)
}

// Profiles reads customer profiles.
type Profiles interface {
	Get(ctx context.Context, id string) (customer.Profile, error)
}

// Notifier queues automatic messages through the inbox.
type Notifier interface {
	NotifyTx(ctx context.Context, tx *store.Tx, req inbox.NotifyRequest) (inbox.Message, error)
	Announce(ctx context.Context, m inbox.Message)
}

// Deps are the services a journey Service uses.
type Deps struct {
	Carts    Carts
	Profiles Profiles
	Notifier Notifier
}

// Options tune a Service; the zero value is usable.
type Options struct {
	// StorefrontURL is the storefront's base URL; messages link to its cart
	// page, StorefrontURL + "/cart".
	StorefrontURL string
	// Now is the clock journeys go by; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Service stores journeys, enrols customers and sends the messages.
type Service struct {
	db   *store.DB
	d    Deps
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu     sync.Mutex
	cached []Journey // enabled journeys, for the timeline hook
	expiry time.Time
}

// NewService returns a journey Service on db.
func NewService(db *store.DB, d Deps, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, d: d, opts: opts, now: opts.Now, log: opts.Logger}
}
