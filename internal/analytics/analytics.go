package analytics

import (
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// Options tunes the figures. Zero values take the documented defaults.
type Options struct {
	Lookback        time.Duration // attribution and strategy look-back window; default 30 days
	HalfLife        time.Duration // time-decay half-life; default 7 days
	SessionGap      time.Duration // inactivity that starts a new touchpoint; default 30 minutes
	ContextWindow   time.Duration // strategy: how far back a previous message gives context; default 7 days
	CartWindow      time.Duration // strategy: how long a cart waits for a purchase; default 30 days
	DefaultCurrency string        // currency of orders that name none; default USD
	Workers         int           // parallel readers when replaying the log; default 2
	SetCacheBytes   int           // memory for day sets read before; default 256 MiB
	Now             func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lookback, 30*24*time.Hour)
	def(&o.HalfLife, 7*24*time.Hour)
	def(&o.SessionGap, 30*time.Minute)
	def(&o.ContextWindow, 7*24*time.Hour)
	def(&o.CartWindow, 30*24*time.Hour)
	if o.DefaultCurrency == "" {
		o.DefaultCurrency = "USD"
	}
	if o.SetCacheBytes <= 0 {
		o.SetCacheBytes = 256 << 20
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service computes Omni's analytics from the event log.
type Service struct {
	db        *store.DB
	opts      Options
	refreshMu sync.Mutex // one refresh at a time per node
	sets      *setCache
	memo      snapshotMemo
}

// NewService returns a Service on db. Register its Append hook on the
// customer service and its Merge hook on the identity service so that the
// rollups stay current.
func NewService(db *store.DB, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{db: db, opts: opts, sets: newSetCache(opts.SetCacheBytes)}
}

// Options returns the options in effect, defaults filled in.
func (s *Service) Options() Options { return s.opts }
