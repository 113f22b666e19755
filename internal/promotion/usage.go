package promotion

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
)

// RecordUsesTx counts the promotions an order used, inside the order's
// transaction. Each count rises in one conditional UPDATE, so a promotion
// with a usage limit is never used more often than the limit, however many
// checkouts race for its last use; the loser gets a Conflict and its
// transaction rolls back. Wallet entries of the used promotions are marked
// used.
func (s *Service) RecordUsesTx(ctx context.Context, tx *store.Tx, customerID, orderID string, applied []promo.Applied) error {
	now := s.now().UnixMilli()
	for _, a := range applied {
		res, err := tx.ExecContext(ctx, `UPDATE promotions SET usage_count = usage_count + 1
			WHERE id = ? AND (usage_limit = 0 OR usage_count < usage_limit)`, a.PromotionID)
		if err != nil {
			return fmt.Errorf("count promotion use: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			name := a.Code
			if name == "" {
				name = a.Name
			}
			return apperr.Conflictf("promotion %s has reached its usage limit; the cart no longer gets it", name)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO promotion_uses (promotion_id, order_id, customer_id, at)
			VALUES (?, ?, ?, ?) ON CONFLICT (promotion_id, order_id) DO NOTHING`, a.PromotionID, orderID, customerID, now); err != nil {
			return fmt.Errorf("record promotion use: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_promotions SET used_at = ?, used_order = ?
			WHERE customer_id = ? AND promotion_id = ? AND used_at IS NULL`, now, orderID, customerID, a.PromotionID); err != nil {
			return fmt.Errorf("mark wallet promotion used: %w", err)
		}
	}
	return nil
}

// ReleaseUsesTx gives back the promotion uses of a cancelled order: the
// counts drop and wallet promotions it used return to the wallet.
func (s *Service) ReleaseUsesTx(ctx context.Context, tx *store.Tx, orderID string) error {
	stmts := []string{
		`UPDATE promotions SET usage_count = usage_count - 1
			WHERE usage_count > 0 AND id IN (SELECT promotion_id FROM promotion_uses WHERE order_id = ?)`,
		"DELETE FROM promotion_uses WHERE order_id = ?",
		"UPDATE customer_promotions SET used_at = NULL, used_order = NULL WHERE used_order = ?",
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, orderID); err != nil {
			return fmt.Errorf("release promotion uses of %s: %w", orderID, err)
		}
	}
	return nil
}
