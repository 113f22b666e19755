package promotion

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// WalletEntry is a promotion attached to a customer profile.
type WalletEntry struct {
	PromotionID string     `json:"promotion_id"`
	Name        string     `json:"name"`
	Code        string     `json:"code"`
	Channel     string     `json:"channel"` // where the customer met it
	Source      string     `json:"source"`  // ad_click, email_link, landing_url, pos, agent, storefront…
	AttachedAt  time.Time  `json:"attached_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	UsedAt      *time.Time `json:"used_at,omitempty"`
	UsedOrder   string     `json:"used_order,omitempty"`
}

// Sources a wallet entry may come from.
var Sources = []string{"ad_click", "email_link", "landing_url", "event", "storefront", "pos", "agent", "api", "campaign"}

// AttachPromotion puts a promotion, named by its code or id, in a customer's
// wallet: from then on it applies to the customer's cart on every channel
// until it is used or expires. Attaching one already in the wallet returns
// the existing entry. Unknown, inactive, expired and exhausted promotions are
// refused with an error naming the problem.
func (s *Service) AttachPromotion(ctx context.Context, customerID, codeOrID, channel, source string) (WalletEntry, error) {
	var e WalletEntry
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		e, err = s.AttachTx(ctx, tx, customerID, codeOrID, channel, source)
		return err
	})
	return e, err
}

// AttachTx is AttachPromotion inside tx.
func (s *Service) AttachTx(ctx context.Context, tx *store.Tx, customerID, codeOrID, channel, source string) (WalletEntry, error) {
	if strings.TrimSpace(codeOrID) == "" {
		return WalletEntry{}, apperr.InvalidField("code", "is required")
	}
	if source == "" {
		source = "api"
	}
	st, err := s.ByCode(ctx, tx, codeOrID)
	if apperr.CodeOf(err) == apperr.NotFound {
		st, err = s.getWhere(ctx, tx, "id = ?", strings.TrimSpace(codeOrID))
	}
	if apperr.CodeOf(err) == apperr.NotFound {
		return WalletEntry{}, apperr.InvalidField("code", "no promotion has code or id %q", codeOrID)
	}
	if err != nil {
		return WalletEntry{}, err
	}
	now := s.now()
	if err := usable(st, now); err != nil {
		return WalletEntry{}, err
	}
	c := st.Conditions
	expires := now.Add(s.opts.WalletTTL)
	if !c.EndsAt.IsZero() && c.EndsAt.Before(expires) {
		expires = c.EndsAt
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO customer_promotions (customer_id, promotion_id, code, channel, source,
		attached_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, promotion_id) DO NOTHING`,
		customerID, st.ID, st.Code, channel, source, now.UnixMilli(), expires.UnixMilli())
	if err != nil {
		return WalletEntry{}, fmt.Errorf("attach promotion: %w", err)
	}
	list, err := s.walletWhere(ctx, tx, "w.customer_id = ? AND w.promotion_id = ?", customerID, st.ID)
	if err != nil || len(list) == 0 {
		return WalletEntry{}, fmt.Errorf("read wallet entry: %w", err)
	}
	return list[0], nil
}

// usable says why a stored promotion cannot be entered or attached now, or
// returns nil.
func usable(st Stored, now time.Time) error {
	c := st.Conditions
	switch {
	case !st.Active:
		return apperr.InvalidField("code", "promotion %s is not active", st.ID)
	case st.Code == "":
		return apperr.InvalidField("code", "promotion %s is automatic: it applies without a code", st.ID)
	case !c.EndsAt.IsZero() && !now.Before(c.EndsAt):
		return apperr.InvalidField("code", "code %s expired at %s", st.Code, c.EndsAt.UTC().Format(time.RFC3339))
	case c.UsageLimit > 0 && st.UsageCount >= c.UsageLimit:
		return apperr.Conflictf("code %s is exhausted: it has been used its %d times", st.Code, c.UsageLimit)
	}
	return nil
}

// CheckCode returns an error naming the problem when code cannot be entered
// on a cart now: unknown, inactive, expired or exhausted.
func (s *Service) CheckCode(ctx context.Context, q store.Querier, code string) error {
	if q == nil {
		q = s.db
	}
	if NormalizeCode(code) == "" {
		return apperr.InvalidField("code", "is required")
	}
	st, err := s.ByCode(ctx, q, code)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.InvalidField("code", "unknown promotion code %q", code)
	}
	if err != nil {
		return err
	}
	return usable(st, s.now())
}

// Wallet lists a customer's wallet, newest first, used and expired entries
// included.
func (s *Service) Wallet(ctx context.Context, q store.Querier, customerID string) ([]WalletEntry, error) {
	if q == nil {
		q = s.db
	}
	return s.walletWhere(ctx, q, "w.customer_id = ?", customerID)
}

func (s *Service) walletWhere(ctx context.Context, q store.Querier, cond string, args ...any) ([]WalletEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT w.promotion_id, p.name, w.code, w.channel, w.source, w.attached_at, w.expires_at,
		w.used_at, COALESCE(w.used_order, '') FROM customer_promotions w JOIN promotions p ON p.id = w.promotion_id
		WHERE `+cond+` ORDER BY w.attached_at DESC, w.promotion_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read wallet: %w", err)
	}
	defer rows.Close()
	out := []WalletEntry{}
	for rows.Next() {
		var e WalletEntry
		var attached, expires int64
		var used *int64
		if err := rows.Scan(&e.PromotionID, &e.Name, &e.Code, &e.Channel, &e.Source, &attached, &expires, &used, &e.UsedOrder); err != nil {
			return nil, err
		}
		e.AttachedAt, e.ExpiresAt = time.UnixMilli(attached).UTC(), time.UnixMilli(expires).UTC()
		if used != nil {
			t := time.UnixMilli(*used).UTC()
			e.UsedAt = &t
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// walletCodes returns the codes of the customer's unused, unexpired wallet
// promotions.
func (s *Service) walletCodes(ctx context.Context, q store.Querier, customerID string, now time.Time) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT code FROM customer_promotions
		WHERE customer_id = ? AND used_at IS NULL AND expires_at > ? ORDER BY attached_at, code`, customerID, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read wallet: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MergeTx moves the wallet of profile from into profile into when the
// identity service merges them. A promotion in both wallets keeps the
// survivor's entry, unless only the merged one is still unused.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	stmts := []string{
		`UPDATE customer_promotions SET used_at = NULL, used_order = NULL, expires_at = (
			SELECT f.expires_at FROM customer_promotions f WHERE f.customer_id = ? AND f.promotion_id = customer_promotions.promotion_id)
		 WHERE customer_id = ? AND used_at IS NOT NULL AND promotion_id IN (
			SELECT promotion_id FROM customer_promotions WHERE customer_id = ? AND used_at IS NULL)`,
		`DELETE FROM customer_promotions WHERE customer_id = ? AND promotion_id IN (
			SELECT promotion_id FROM customer_promotions WHERE customer_id = ?)`,
		"UPDATE customer_promotions SET customer_id = ? WHERE customer_id = ?",
		"UPDATE promotion_uses SET customer_id = ? WHERE customer_id = ?",
	}
	args := [][]any{{from, into, from}, {from, into}, {into, from}, {into, from}}
	for i, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, args[i]...); err != nil {
			return fmt.Errorf("merge wallet of %s into %s: %w", from, into, err)
		}
	}
	return nil
}
