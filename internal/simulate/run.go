package simulate

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Config says what to simulate against which Omni.
type Config struct {
	Client    *Client
	WriteKeys map[string]string // channel → write key of a source on it
	Seed      uint64
	Customers int       // personas in the backfill
	Days      int       // how far back the backfill starts
	Rate      float64   // live journeys started per second after the backfill; 0 = none
	Products  []Product // what personas look at and buy
	Promo     string    // the promotion code the ads carry
	Platforms Platforms // messaging channels; empty fields switch their steps off
	Shop      *Shop     // the catalog and storefronts; nil reports purchases as events only
	Now       func() time.Time
}

// Stats counts what the simulator sent.
type Stats struct {
	Calls, Errors atomic.Int64
}

// DefaultProducts is a small catalog used when the Omni has none configured.
var DefaultProducts = []Product{
	{ID: "prod_trail_runner", SKU: "TRAIL-42", Name: "Trail runner", Price: 11900, Currency: "EUR"},
	{ID: "prod_rain_jacket", SKU: "RAIN-M", Name: "Rain jacket", Price: 8900, Currency: "EUR"},
	{ID: "prod_wool_socks", SKU: "SOCK-3P", Name: "Wool socks, 3 pairs", Price: 1990, Currency: "EUR"},
	{ID: "prod_day_pack", SKU: "PACK-20", Name: "Day pack 20 l", Price: 6450, Currency: "EUR"},
}

// Run backfills cfg.Customers journeys spread over the last cfg.Days, then
// starts live journeys at cfg.Rate per second until ctx ends.
func Run(ctx context.Context, cfg Config, st *Stats) error {
	if err := Backfill(ctx, cfg, st); err != nil {
		return err
	}
	return Live(ctx, cfg, cfg.Customers, st)
}

// Live starts a journey of a new persona, numbered from first on, cfg.Rate
// times per second until ctx ends; steps happen as their time comes.
func Live(ctx context.Context, cfg Config, first int, st *Stats) error {
	cfg = cfg.withDefaults()
	if cfg.Rate <= 0 {
		return nil
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
	defer tick.Stop()
	errs := make(chan error, 1)
	r := &runner{cfg: cfg, refs: map[int]string{}}
	for n := first; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case <-tick.C:
		}
		steps := cfg.journey(n, cfg.Now())
		go func() {
			if err := r.playLive(ctx, steps, st); err != nil && ctx.Err() == nil {
				select {
				case errs <- err:
				default:
				}
			}
		}()
	}
}

// playLive sends each step when its time comes, compressing the journey's
// hours and days into seconds so live traffic shows whole journeys.
func (r *runner) playLive(ctx context.Context, steps []Step, st *Stats) error {
	const compress = 3600 // one hour of journey time per live second
	start := r.cfg.Now()
	for _, s := range steps {
		wait := s.At.Sub(start) / compress
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if s.Call != nil {
			s.Call["timestamp"] = r.cfg.Now().UTC().Format(time.RFC3339Nano)
		}
		if err := r.send(ctx, []Step{s}, st); err != nil {
			return err
		}
	}
	return nil
}

func (cfg Config) journey(n int, start time.Time) []Step {
	return Journey(NewPersona(cfg.Seed, n), cfg.Seed, start, cfg.Products, cfg.Promo, cfg.Shop)
}

func (cfg Config) withDefaults() Config {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Shop != nil && len(cfg.Shop.Products) > 0 {
		cfg.Products = cfg.Shop.Products
	}
	if len(cfg.Products) == 0 {
		cfg.Products = DefaultProducts
	}
	if cfg.Promo == "" {
		cfg.Promo = "AUTUMN10"
	}
	return cfg
}

// Backfill sends the journeys of cfg.Customers personas whose first step
// falls in the last cfg.Days; steps that would lie in the future are dropped.
func Backfill(ctx context.Context, cfg Config, st *Stats) error {
	cfg = cfg.withDefaults()
	now := cfg.Now()
	span := time.Duration(max(cfg.Days, 1)) * 24 * time.Hour
	var steps []Step
	for n := range cfg.Customers {
		start := now.Add(-span + time.Duration(uint64(n)*uint64(span)/uint64(max(cfg.Customers, 1))))
		for _, s := range cfg.journey(n, start) {
			if !s.At.After(now) {
				steps = append(steps, s)
			}
		}
	}
	slices.SortStableFunc(steps, func(a, b Step) int { return a.At.Compare(b.At) })
	return send(ctx, cfg, steps, st)
}

// send posts steps in time order, batching runs of tracking calls on the
// same channel.
func send(ctx context.Context, cfg Config, steps []Step, st *Stats) error {
	r := &runner{cfg: cfg, refs: map[int]string{}}
	return r.send(ctx, steps, st)
}

func (r *runner) send(ctx context.Context, steps []Step, st *Stats) error {
	cfg := r.cfg
	for len(steps) > 0 {
		if steps[0].Do != nil {
			if err := steps[0].Do(ctx, r); err != nil {
				st.Errors.Add(1)
				return fmt.Errorf("%s step: %w", steps[0].Channel, err)
			}
			st.Calls.Add(1)
			steps = steps[1:]
			continue
		}
		ch := steps[0].Channel
		n := 1
		for n < len(steps) && n < 100 && steps[n].Channel == ch && steps[n].Do == nil {
			n++
		}
		key, ok := cfg.WriteKeys[ch]
		if !ok {
			return fmt.Errorf("no write key for channel %s", ch)
		}
		calls := make([]map[string]any, n)
		for i := range n {
			calls[i] = steps[i].Call
		}
		if err := cfg.Client.Track(ctx, key, calls); err != nil {
			st.Errors.Add(1)
			return err
		}
		st.Calls.Add(int64(n))
		steps = steps[n:]
	}
	return nil
}
