// Package inbox is Omni's service record: one conversation per customer
// across every channel (website chat, Messenger, email, SMS, notes from the
// shop), its messages with their delivery state, assignment to agents, and
// the outbound path that delivers replies and notifications as durable jobs.
// Channel adapters translate wire formats and call Receive; they own no
// customer or conversation state.
package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// Status is where a conversation stands.
type Status string

// Conversation statuses.
const (
	Open     Status = "open"
	Snoozed  Status = "snoozed"
	Resolved Status = "resolved"
)

// Direction says who wrote a message.
type Direction string

// Message directions.
const (
	In   Direction = "in"   // from the customer
	Out  Direction = "out"  // to the customer
	Note Direction = "note" // internal: an agent's or a clerk's note
)

// State is a message's delivery state.
type State string

// Delivery states. Inbound messages and notes are received; outbound ones
// move from queued through sending to sent (the platform accepted it),
// delivered (the platform or the widget confirmed it) or failed.
const (
	StateReceived  State = "received"
	StateQueued    State = "queued"
	StateSending   State = "sending"
	StateSent      State = "sent"
	StateDelivered State = "delivered"
	StateFailed    State = "failed"
)

// Channel names used by the inbox; they match the source channels.
const (
	ChannelChat      = "chat"
	ChannelMessenger = "messenger"
	ChannelEmail     = "email"
	ChannelSMS       = "sms"
	ChannelPOS       = "pos"
	ChannelInbox     = "inbox" // notes written in the inbox itself
)

// Conversation is the service record with one customer.
type Conversation struct {
	ID              string     `json:"id"`
	CustomerID      string     `json:"customer_id"`
	Status          Status     `json:"status"`
	Assignee        string     `json:"assignee"`
	Labels          []string   `json:"labels"`
	Subject         string     `json:"subject"`
	LastChannel     string     `json:"last_channel"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	LastMessageAt   time.Time  `json:"last_message_at"`
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	SnoozedUntil    *time.Time `json:"snoozed_until,omitempty"`
	MergedInto      string     `json:"merged_into,omitempty"`
}

// Attachment is what the inbox keeps of a file sent with a message: its
// metadata and, when the platform hosts it, a URL.
type Attachment struct {
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size,omitempty"`
	URL         string `json:"url,omitempty"`
}

// Message is one message of a conversation.
type Message struct {
	ID             string       `json:"id"`
	ConversationID string       `json:"conversation_id"`
	CustomerID     string       `json:"customer_id"`
	Direction      Direction    `json:"direction"`
	Channel        string       `json:"channel"`
	Address        string       `json:"address,omitempty"`
	Body           string       `json:"body"`
	Subject        string       `json:"subject,omitempty"`  // an automatic message's own subject (email)
	Campaign       string       `json:"campaign,omitempty"` // the campaign a marketing message belongs to (its slug)
	Attachments    []Attachment `json:"attachments"`
	ExternalID     string       `json:"external_id,omitempty"`
	Author         string       `json:"author,omitempty"`
	Kind           string       `json:"kind,omitempty"`
	State          State        `json:"state"`
	Error          string       `json:"error,omitempty"`
	Attempts       int          `json:"attempts"`
	CreatedAt      time.Time    `json:"created_at"`
	SentAt         *time.Time   `json:"sent_at,omitempty"`
	DeliveredAt    *time.Time   `json:"delivered_at,omitempty"`
}

// Resolver is what the inbox needs from the identity service.
type Resolver interface {
	Run(ctx context.Context, fn func(tx *store.Tx, b *identity.Batch) error) error
	Survivor(ctx context.Context, customerID string) (string, bool, error)
	Identities(ctx context.Context, customerID string) ([]identity.Identity, error)
}

// Timeline is what the inbox needs from the customer service.
type Timeline interface {
	AppendTx(ctx context.Context, tx *store.Tx, events []customer.Event) (int, error)
	SetTraitsTx(ctx context.Context, tx *store.Tx, customerID string, traits map[string]json.RawMessage, source, channel string, at time.Time) error
	Get(ctx context.Context, id string) (customer.Profile, error)
}

// Enqueuer inserts durable jobs inside a transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options configures a Service.
type Options struct {
	// AutoAssign assigns new conversations round robin among online agents.
	AutoAssign bool
	// OnlineWindow is how recently an agent must have been seen to count as
	// online; default 90 seconds.
	OnlineWindow time.Duration
	// MaxAttempts bounds delivery attempts of one outbound message; default 8.
	MaxAttempts int
	Logger      *slog.Logger
}

// Service is the inbox.
type Service struct {
	db        *store.DB
	ids       Resolver
	customers Timeline
	broker    *Broker
	handoff   *Handoff
	opts      Options
	log       *slog.Logger
	now       func() time.Time

	batcher batcher

	mu      sync.RWMutex
	queue   Enqueuer
	senders map[string]Sender
	cluster *cluster
}

// New returns an inbox on db. Call UseQueue before sending anything.
func New(db *store.DB, ids Resolver, customers Timeline, broker *Broker, opts Options) *Service {
	if opts.OnlineWindow == 0 {
		opts.OnlineWindow = 90 * time.Second
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 8
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if broker == nil {
		broker = NewBroker(0)
	}
	return &Service{db: db, ids: ids, customers: customers, broker: broker, opts: opts, log: log,
		now: time.Now, senders: map[string]Sender{}}
}

// UseQueue sets the job queue outbound deliveries are enqueued on. The
// queue's workers include the Service's DeliverWorker, so the queue is built
// after the Service.
func (s *Service) UseQueue(q Enqueuer) {
	s.mu.Lock()
	s.queue = q
	s.mu.Unlock()
}

// Register makes sender the way out on channel.
func (s *Service) Register(channel string, sender Sender) {
	s.mu.Lock()
	s.senders[channel] = sender
	s.mu.Unlock()
}

func (s *Service) sender(channel string) Sender {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.senders[channel]
}

// Broker is the Service's event broker.
func (s *Service) Broker() *Broker { return s.broker }

func (s *Service) nowMs() int64 { return s.now().UnixMilli() }
