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
	built time.Time
	gen   uint64
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

// Index returns the index of the active promotions, rebuilt after a change
// made through this Service or once older than Options.IndexTTL. One caller
// rebuilds at a time.
func (s *Service) Index(ctx context.Context) (*promo.Index, error) {
	if snap, _ := s.fresh(); snap != nil {
		return snap.index, nil
	}
	s.building.Lock()
	defer s.building.Unlock()
	snap, gen := s.fresh()
	if snap != nil {
		return snap.index, nil
	}
	built := s.now()
	rows, err := s.db.QueryContext(ctx, "SELECT "+storedColumns+" FROM promotions WHERE active = 1")
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
	s.mu.Lock()
	s.snap = &snapshot{index: ix, built: built, gen: gen}
	s.mu.Unlock()
	return ix, nil
}

// Evaluate prices cart for customerID with the active promotions: it adds
// the codes in the customer's wallet, the customer's and everyone's usage
// counts, then lets the promo engine choose the best combination. cart.Now
// defaults to the current time. Reads go through q (a transaction, or nil for
// the database).
func (s *Service) Evaluate(ctx context.Context, q store.Querier, customerID string, cart promo.Cart) (promo.Result, error) {
	if q == nil {
		q = s.db
	}
	if cart.Now.IsZero() {
		cart.Now = s.now()
	}
	ix, err := s.Index(ctx)
	if err != nil {
		return promo.Result{}, err
	}
	if customerID != "" {
		if cart.Wallet, err = s.walletCodes(ctx, q, customerID, cart.Now); err != nil {
			return promo.Result{}, err
		}
		if cart.Customer.Uses, err = s.customerUses(ctx, q, customerID); err != nil {
			return promo.Result{}, err
		}
	}
	if cart.Customer.TotalUses, err = s.totalUses(ctx, q); err != nil {
		return promo.Result{}, err
	}
	res, err := ix.Evaluate(cart)
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
