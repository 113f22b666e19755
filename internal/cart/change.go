package cart

import (
	"context"
	"fmt"
	"slices"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// Item names a variant and a quantity.
type Item struct {
	catalog.VariantRef
	Quantity int64 `json:"quantity"`
}

// AddItem adds quantity units of a variant to the customer's cart on channel
// and returns the cart priced for that channel. The variant must be sold on
// the channel, in the cart's currency, with enough units in stock for the
// new quantity; otherwise the cart is unchanged and the error names the
// problem.
func (s *Service) AddItem(ctx context.Context, customerID, channel string, it Item) (View, error) {
	if it.Quantity < 1 || it.Quantity > MaxQuantity {
		return View{}, apperr.InvalidField("quantity", "%d is out of range 1..%d", it.Quantity, MaxQuantity)
	}
	return s.change(ctx, customerID, channel, func(tx *store.Tx, rec *record) (string, map[string]any, error) {
		vid, err := s.d.Catalog.ResolveVariant(ctx, tx, it.VariantRef)
		if err != nil {
			return "", nil, err
		}
		qty := rec.quantityOf(vid) + it.Quantity
		if err := s.setLine(ctx, tx, rec, channel, vid, qty); err != nil {
			return "", nil, err
		}
		return "Product Added", map[string]any{"variant_id": vid, "quantity": it.Quantity, "cart_quantity": qty}, nil
	})
}

// SetQuantity sets the quantity of a variant in the cart; 0 removes it.
func (s *Service) SetQuantity(ctx context.Context, customerID, channel string, it Item) (View, error) {
	if it.Quantity < 0 || it.Quantity > MaxQuantity {
		return View{}, apperr.InvalidField("quantity", "%d is out of range 0..%d", it.Quantity, MaxQuantity)
	}
	return s.change(ctx, customerID, channel, func(tx *store.Tx, rec *record) (string, map[string]any, error) {
		vid, err := s.d.Catalog.ResolveVariant(ctx, tx, it.VariantRef)
		if err != nil {
			return "", nil, err
		}
		if rec.quantityOf(vid) == 0 {
			return "", nil, apperr.NotFoundf("the cart holds no %s", describe(it.VariantRef))
		}
		if it.Quantity == 0 {
			if err := s.removeLine(ctx, tx, rec, vid); err != nil {
				return "", nil, err
			}
			return "Product Removed", map[string]any{"variant_id": vid}, nil
		}
		if err := s.setLine(ctx, tx, rec, channel, vid, it.Quantity); err != nil {
			return "", nil, err
		}
		return "Cart Updated", map[string]any{"variant_id": vid, "cart_quantity": it.Quantity}, nil
	})
}

// RemoveItem takes a variant out of the cart.
func (s *Service) RemoveItem(ctx context.Context, customerID, channel string, ref catalog.VariantRef) (View, error) {
	return s.SetQuantity(ctx, customerID, channel, Item{VariantRef: ref, Quantity: 0})
}

// Clear empties the cart; its codes stay.
func (s *Service) Clear(ctx context.Context, customerID, channel string) (View, error) {
	return s.change(ctx, customerID, channel, func(tx *store.Tx, rec *record) (string, map[string]any, error) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM cart_lines WHERE cart_id = ?", rec.ID); err != nil {
			return "", nil, fmt.Errorf("clear cart: %w", err)
		}
		rec.Lines = nil
		return "Cart Cleared", map[string]any{}, nil
	})
}

// hardReasons are rejections that make a code useless for this cart on this
// channel; the code is refused rather than kept. A code that only waits for
// more items (minimum subtotal, eligible items) is kept and explained.
var hardReasons = []promo.Reason{promo.ReasonUnknownCode, promo.ReasonExpired, promo.ReasonNotStarted,
	promo.ReasonUsageExhausted, promo.ReasonCustomerLimit, promo.ReasonCurrencyMismatch, promo.ReasonWrongChannel,
	promo.ReasonFirstOrderOnly}

// AddCode enters a promotion code on the cart. Unknown, expired, exhausted
// codes and codes that cannot apply to this customer, currency or channel
// are refused with the reason, and the cart is unchanged.
func (s *Service) AddCode(ctx context.Context, customerID, channel, code string) (View, error) {
	code = promotion.NormalizeCode(code)
	if code == "" {
		return View{}, apperr.InvalidField("code", "is required")
	}
	if s.d.Promotions == nil {
		return View{}, apperr.InvalidField("code", "promotions are not enabled")
	}
	return s.change(ctx, customerID, channel, func(tx *store.Tx, rec *record) (string, map[string]any, error) {
		if err := s.d.Promotions.CheckCode(ctx, tx, code); err != nil {
			return "", nil, err
		}
		if slices.Contains(rec.Codes, code) {
			return "", nil, nil
		}
		if len(rec.Codes) >= MaxCodes {
			return "", nil, apperr.InvalidField("code", "a cart holds at most %d codes", MaxCodes)
		}
		now := s.now().UnixMilli()
		trial := *rec
		trial.Codes, trial.codesAt = slices.Clone(rec.Codes), slices.Clone(rec.codesAt)
		trial.addCode(code, now)
		v, err := s.price(ctx, tx, &trial, channel, 0)
		if err != nil {
			return "", nil, err
		}
		for _, r := range v.Rejected {
			if promotion.NormalizeCode(r.Code) == code && slices.Contains(hardReasons, r.Reason) {
				return "", nil, apperr.InvalidField("code", "%s", r.Message)
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO cart_codes (cart_id, code, channel, added_at) VALUES (?, ?, ?, ?)",
			rec.ID, code, channel, now); err != nil {
			return "", nil, fmt.Errorf("add code: %w", err)
		}
		rec.Codes, rec.codesAt = trial.Codes, trial.codesAt
		return "Coupon Entered", map[string]any{"coupon_id": code}, nil
	})
}

// RemoveCode takes a code off the cart.
func (s *Service) RemoveCode(ctx context.Context, customerID, channel, code string) (View, error) {
	code = promotion.NormalizeCode(code)
	return s.change(ctx, customerID, channel, func(tx *store.Tx, rec *record) (string, map[string]any, error) {
		res, err := tx.ExecContext(ctx, "DELETE FROM cart_codes WHERE cart_id = ? AND code = ?", rec.ID, code)
		if err != nil {
			return "", nil, fmt.Errorf("remove code: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", nil, apperr.NotFoundf("the cart holds no code %q", code)
		}
		rec.removeCode(code)
		return "Coupon Removed", map[string]any{"coupon_id": code}, nil
	})
}

// change runs one cart change in a transaction: fn edits the active cart,
// in the store and in the record it is given, and names the timeline event
// (an empty name means nothing changed). The event and what pricing reads
// from the store are written and read in the same transaction; the cart is
// priced for channel once that has committed.
func (s *Service) change(ctx context.Context, customerID, channel string,
	fn func(tx *store.Tx, rec *record) (event string, props map[string]any, err error)) (View, error) {
	if !catalog.ValidChannel(channel) {
		return View{}, apperr.InvalidField("channel", "unknown channel %q", channel)
	}
	if customerID == "" {
		return View{}, apperr.InvalidField("customer_id", "is required")
	}
	var rec record
	var in inputs
	err := s.batch.run(ctx, func(tx *store.Tx) ([]customer.Event, error) {
		live, err := s.survivorTx(ctx, tx, customerID)
		if err != nil {
			return nil, err
		}
		if rec, err = s.activeTx(ctx, tx, live, channel); err != nil {
			return nil, err
		}
		event, props, err := fn(tx, &rec)
		if err != nil {
			return nil, err
		}
		var events []customer.Event
		if event != "" {
			if err := s.touchTx(ctx, tx, &rec, channel, rec.Currency); err != nil {
				return nil, err
			}
			props["cart_id"] = rec.ID
			e, err := s.event(live, channel, event, props)
			if err != nil {
				return nil, err
			}
			events = append(events, e)
		}
		in, err = s.inputs(ctx, tx, &rec)
		return events, err
	})
	if err != nil {
		return View{}, err
	}
	s.contents.put(&rec)
	return s.priceWith(ctx, nil, &rec, channel, 0, in)
}

// setLine writes a line's quantity after checking the variant can be sold on
// the channel, in the cart's currency, with enough stock.
func (s *Service) setLine(ctx context.Context, tx *store.Tx, rec *record, channel, vid string, qty int64) error {
	if qty > MaxQuantity {
		return apperr.InvalidField("quantity", "the cart would hold %d; at most %d of one item", qty, MaxQuantity)
	}
	o, err := s.d.Catalog.Offer(ctx, tx, channel, vid)
	if err != nil {
		return err
	}
	switch {
	case !o.Sellable:
		return apperr.New(apperr.Unprocessable, "%s is not for sale on channel %s", label(o), channel)
	case rec.Currency != "" && len(rec.Lines) > 0 && o.Currency != rec.Currency:
		return apperr.InvalidField("currency", "currency mismatch: the cart is in %s, %s is priced in %s", rec.Currency, label(o), o.Currency)
	case rec.quantityOf(vid) == 0 && len(rec.Lines) >= MaxLines:
		return apperr.InvalidField("sku", "a cart holds at most %d different items", MaxLines)
	}
	avail, err := s.d.Stock.AvailableTx(ctx, tx, []string{vid}, "")
	if err != nil {
		return err
	}
	if qty > avail[vid] {
		return apperr.New(apperr.Unprocessable, "out of stock: %s has %d available, the cart would hold %d", label(o), max(avail[vid], 0), qty)
	}
	now := s.now().UnixMilli()
	_, err = tx.ExecContext(ctx, `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_channel, updated_channel, added_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = excluded.quantity,
		updated_channel = excluded.updated_channel, updated_at = excluded.updated_at`,
		rec.ID, vid, qty, channel, channel, now, now)
	if err != nil {
		return fmt.Errorf("write cart line: %w", err)
	}
	rec.setLine(vid, qty, channel, now)
	rec.Currency = o.Currency
	return nil
}

func (s *Service) removeLine(ctx context.Context, tx *store.Tx, rec *record, vid string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM cart_lines WHERE cart_id = ? AND variant_id = ?", rec.ID, vid); err != nil {
		return fmt.Errorf("remove cart line: %w", err)
	}
	rec.removeLine(vid)
	return nil
}

// survivorTx follows a merged-away customer id to the live profile, reading
// through q (a transaction, or nil for the database).
func (s *Service) survivorTx(ctx context.Context, q store.Querier, customerID string) (string, error) {
	if customerID == "" {
		return "", apperr.InvalidField("customer_id", "is required")
	}
	if s.d.Customers == nil {
		return customerID, nil
	}
	live, _, err := s.d.Customers.SurvivorTx(ctx, q, customerID)
	return live, err
}

func label(o catalog.Offer) string {
	if o.SKU != "" {
		return "SKU " + o.SKU
	}
	return fmt.Sprintf("%s (%s)", o.ProductTitle, o.VariantTitle)
}

func describe(ref catalog.VariantRef) string {
	switch {
	case ref.SKU != "":
		return "SKU " + ref.SKU
	case ref.Barcode != "":
		return "barcode " + ref.Barcode
	}
	return "variant " + ref.VariantID
}
