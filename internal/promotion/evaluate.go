package promotion

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
)

// snapshot is the index of the active promotions at one moment.
type snapshot struct {
	index *promo.Index
	needs needs
	built time.Time
	gen   uint64
}

// needs tells which of a customer's facts some active promotion looks at,
// so that an evaluation reads only those.
type needs struct {
	uses, totalUses, firstOrder bool
}

func needsOf(ps []promo.Promotion) needs {
	var n needs
	for _, p := range ps {
		n.uses = n.uses || p.Conditions.UsageLimitPerCustomer > 0
		n.totalUses = n.totalUses || p.Conditions.UsageLimit > 0
		n.firstOrder = n.firstOrder || p.Conditions.FirstOrderOnly
	}
	return n
}

// invalidate makes the next Index call rebuild.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.gen++
	s.mu.Unlock()
}

func (s *Service) fresh() (*snapshot, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil && s.snap.gen == s.gen && s.now().Sub(s.snap.built) < s.opts.IndexTTL {
		return s.snap, s.gen
	}
	return nil, s.gen
}

// usable returns the snapshot an evaluation may use without waiting for a
// rebuild: the fresh one, or one less than twice Options.IndexTTL old when
// no change was made through this Service since (EvaluateInputs then
// rebuilds it). Nil means a rebuild is due.
func (s *Service) usable() *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap != nil && s.snap.gen == s.gen && s.now().Sub(s.snap.built) < 2*s.opts.IndexTTL {
		return s.snap
	}
	return nil
}

// Index returns the index of the active promotions, rebuilt after a change
// made through this Service or once older than Options.IndexTTL. One caller
// rebuilds at a time.
func (s *Service) Index(ctx context.Context) (*promo.Index, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return snap.index, nil
}

// snapshot returns the fresh snapshot, rebuilt by one caller at a time
// (the others wait for it). It must not be called inside a transaction: a
// caller holding a connection would wait for the rebuild, which on
// PostgreSQL may wait for that connection.
func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	if snap, _ := s.fresh(); snap != nil {
		return snap, nil
	}
	s.building.Lock()
	defer s.building.Unlock()
	if snap, _ := s.fresh(); snap != nil {
		return snap, nil
	}
	return s.build(ctx, nil)
}

// build reads the active promotions through q (a transaction, or nil for
// the database), indexes them and makes them the current snapshot.
func (s *Service) build(ctx context.Context, q store.Querier) (*snapshot, error) {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	built := s.now()
	if q == nil {
		q = s.db
	}
	rows, err := q.QueryContext(ctx, "SELECT "+storedColumns+" FROM promotions WHERE active = 1")
	if err != nil {
		return nil, fmt.Errorf("load promotions: %w", err)
	}
	list, err := scanStored(rows)
	if err != nil {
		return nil, err
	}
	ps := make([]promo.Promotion, len(list))
	for i := range list {
		ps[i] = list[i].Promotion
	}
	ix, err := promo.NewIndex(ps)
	if err != nil {
		return nil, fmt.Errorf("build promotion index: %w", err)
	}
	snap := &snapshot{index: ix, needs: needsOf(ps), built: built, gen: gen}
	s.mu.Lock()
	if s.snap == nil || !s.snap.built.After(built) {
		s.snap = snap
	}
	s.mu.Unlock()
	return snap, nil
}

// Evaluate prices cart for customerID with the active promotions: it adds
// the codes in the customer's wallet, the customer's and everyone's usage
// counts, then lets the promo engine choose the best combination. cart.Now
// defaults to the current time. Reads go through q (a transaction, or nil for
// the database).
func (s *Service) Evaluate(ctx context.Context, q store.Querier, customerID string, cart promo.Cart) (promo.Result, error) {
	if cart.Now.IsZero() {
		cart.Now = s.now()
	}
	if q == nil {
		if _, err := s.snapshot(ctx); err != nil {
			return promo.Result{}, err
		}
	} else if snap, _ := s.fresh(); snap == nil {
		if _, err := s.build(ctx, q); err != nil {
			return promo.Result{}, err
		}
	}
	in, err := s.Inputs(ctx, q, customerID, cart.Now)
	if err != nil {
		return promo.Result{}, err
	}
	return s.EvaluateInputs(ctx, in, cart)
}

// Inputs is what an evaluation reads from the store besides the cart: the
// customer's wallet and the usage counts, at one moment, for the active
// promotions of that moment.
type Inputs struct {
	Wallet    []string
	Uses      map[string]int64 // the customer's, by promotion id
	TotalUses map[string]int64 // everyone's, of the promotions with a limit
	// FirstOrder tells whether some promotion is for first orders only, so
	// that the caller must tell the engine whether the cart would be one.
	FirstOrder bool

	snap *snapshot
}

// Inputs reads what evaluating a cart of customerID ("" for an anonymous
// sale) at now needs, through q (a transaction, or nil for the database),
// so that a change can read it inside its transaction and evaluate after
// the commit. Usage counts no active promotion limits are not read.
func (s *Service) Inputs(ctx context.Context, q store.Querier, customerID string, now time.Time) (Inputs, error) {
	if q == nil {
		q = s.db
	}
	snap := s.usable()
	if snap == nil {
		var err error
		if snap, err = s.build(ctx, q); err != nil {
			return Inputs{}, err
		}
	}
	in := Inputs{FirstOrder: snap.needs.firstOrder, snap: snap}
	var err error
	if customerID != "" {
		if in.Wallet, err = s.walletCodes(ctx, q, customerID, now); err != nil {
			return Inputs{}, err
		}
		if snap.needs.uses {
			if in.Uses, err = s.customerUses(ctx, q, customerID); err != nil {
				return Inputs{}, err
			}
		}
	}
	if snap.needs.totalUses {
		if in.TotalUses, err = s.totalUses(ctx, q); err != nil {
			return Inputs{}, err
		}
	}
	return in, nil
}

// EvaluateInputs prices cart with the promotions and inputs read by Inputs.
// cart.Now defaults to the current time.
func (s *Service) EvaluateInputs(ctx context.Context, in Inputs, cart promo.Cart) (promo.Result, error) {
	if cart.Now.IsZero() {
		cart.Now = s.now()
	}
	snap := in.snap
	if fresh, _ := s.fresh(); fresh == nil && s.building.TryLock() {
		// Rebuild here rather than in Inputs, which may run inside a
		// transaction on the single writer; this evaluation keeps the
		// snapshot its inputs were read for. A caller that finds a rebuild
		// under way goes on without waiting for it.
		next, err := s.build(ctx, nil)
		s.building.Unlock()
		if err != nil && snap == nil {
			return promo.Result{}, err
		}
		if snap == nil {
			snap = next
		}
	}
	if snap == nil {
		if snap = s.usable(); snap == nil {
			var err error
			if snap, err = s.build(ctx, nil); err != nil {
				return promo.Result{}, err
			}
		}
	}
	cart.Wallet, cart.Customer.Uses, cart.Customer.TotalUses = in.Wallet, in.Uses, in.TotalUses
	res, err := snap.index.Evaluate(cart)
	if err != nil {
		return promo.Result{}, fmt.Errorf("evaluate promotions: %w", err)
	}
	return res, nil
}

func (s *Service) customerUses(ctx context.Context, q store.Querier, customerID string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT promotion_id, COUNT(*) FROM promotion_uses WHERE customer_id = ? GROUP BY promotion_id", customerID)
	if err != nil {
		return nil, fmt.Errorf("read promotion uses: %w", err)
	}
	return scanCounts(rows)
}

// totalUses reads the usage counts of the promotions that have a limit.
func (s *Service) totalUses(ctx context.Context, q store.Querier) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, usage_count FROM promotions WHERE usage_limit > 0 AND active = 1")
	if err != nil {
		return nil, fmt.Errorf("read promotion usage: %w", err)
	}
	return scanCounts(rows)
}

func scanCounts(rows rowScanner) (map[string]int64, error) {
	defer rows.Close()
	var out map[string]int64
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]int64{}
		}
		out[k] = n
	}
	return out, rows.Err()
}
