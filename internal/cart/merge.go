package cart

import (
	"context"
	"fmt"
	"slices"

	"github.com/omni-hq/omni/internal/store"
)

// MergeTx folds the active cart of profile from into the active cart of
// profile into, inside the identity service's merge transaction (it is
// registered as an identity merge hook). The rules:
//
//   - into has no cart: from's cart becomes into's, as it is.
//   - a variant in only one cart keeps its quantity.
//   - a variant in both carts gets the combined quantity, up to the units in
//     stock; a quantity already in either cart is never lowered (checkout
//     reports the shortage), and MaxQuantity caps it.
//   - codes from both carts are kept; the customer's wallet is merged by the
//     promotion service's own hook, so promotions stay attached.
//   - from's cart is closed with status "merged"; into's cart records the
//     merge on the timeline.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, fromCustomerID, intoCustomerID string) error {
	for _, c := range []string{fromCustomerID, intoCustomerID} {
		if _, err := lockActive(ctx, tx, c); err != nil {
			return err
		}
	}
	from, found, err := loadActive(ctx, tx, fromCustomerID)
	if err != nil || !found {
		return err
	}
	into, found, err := loadActive(ctx, tx, intoCustomerID)
	if err != nil {
		return err
	}
	if !found {
		if _, err := tx.ExecContext(ctx, "UPDATE carts SET customer_id = ?, version = version + 1 WHERE id = ?",
			intoCustomerID, from.ID); err != nil {
			return fmt.Errorf("move cart %s: %w", from.ID, err)
		}
		return s.recordTx(ctx, tx, intoCustomerID, from.UpdatedChannel, "Cart Merged",
			map[string]any{"cart_id": from.ID, "merged_cart_id": from.ID, "merged_customer_id": fromCustomerID})
	}
	if err := s.mergeLinesTx(ctx, tx, from, into); err != nil {
		return err
	}
	for _, code := range from.Codes {
		if slices.Contains(into.Codes, code) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cart_codes (cart_id, code, channel, added_at)
			SELECT ?, code, channel, added_at FROM cart_codes WHERE cart_id = ? AND code = ?`, into.ID, from.ID, code); err != nil {
			return fmt.Errorf("move code: %w", err)
		}
	}
	currency := into.Currency
	if currency == "" {
		currency = from.Currency
	}
	if _, err := tx.ExecContext(ctx, "UPDATE carts SET status = ?, updated_at = ? WHERE id = ?",
		StatusMerged, s.now().UnixMilli(), from.ID); err != nil {
		return fmt.Errorf("close merged cart: %w", err)
	}
	if err := s.touchTx(ctx, tx, &into, from.UpdatedChannel, currency); err != nil {
		return err
	}
	return s.recordTx(ctx, tx, intoCustomerID, from.UpdatedChannel, "Cart Merged",
		map[string]any{"cart_id": into.ID, "merged_cart_id": from.ID, "merged_customer_id": fromCustomerID})
}

func (s *Service) mergeLinesTx(ctx context.Context, tx *store.Tx, from, into record) error {
	var both []string
	for _, l := range from.Lines {
		if into.quantityOf(l.VariantID) > 0 {
			both = append(both, l.VariantID)
		}
	}
	avail, err := s.d.Stock.AvailableTx(ctx, tx, both, "")
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	for _, l := range from.Lines {
		have := into.quantityOf(l.VariantID)
		if have == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_channel,
				updated_channel, added_at, updated_at) SELECT ?, variant_id, quantity, added_channel, updated_channel, added_at, ?
				FROM cart_lines WHERE cart_id = ? AND variant_id = ?`, into.ID, now, from.ID, l.VariantID); err != nil {
				return fmt.Errorf("move cart line: %w", err)
			}
			continue
		}
		qty := MergedQuantity(have, l.Quantity, avail[l.VariantID])
		if _, err := tx.ExecContext(ctx, "UPDATE cart_lines SET quantity = ?, updated_at = ? WHERE cart_id = ? AND variant_id = ?",
			qty, now, into.ID, l.VariantID); err != nil {
			return fmt.Errorf("combine cart line: %w", err)
		}
	}
	return nil
}

// MergedQuantity is the quantity of a variant held by both merged carts:
// the sum, up to the units available, never below either cart's own
// quantity, and at most MaxQuantity.
func MergedQuantity(a, b, available int64) int64 {
	q := min(a+b, max(available, a, b))
	return min(q, MaxQuantity)
}
