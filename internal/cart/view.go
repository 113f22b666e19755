package cart

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// View returns the customer's cart priced for channel: current prices on
// that channel, and the best combination of the automatic promotions, the
// codes entered on the cart and the promotions in the customer's wallet. A
// customer without a cart gets an empty one.
func (s *Service) View(ctx context.Context, customerID, channel string) (View, error) {
	if !catalog.ValidChannel(channel) {
		return View{}, apperr.InvalidField("channel", "unknown channel %q", channel)
	}
	live, err := s.survivorTx(ctx, nil, customerID)
	if err != nil {
		return View{}, err
	}
	return s.PriceTx(ctx, nil, live, channel, 0)
}

// PriceTx prices the customer's active cart through q (a transaction, or nil
// for the database), with a shipping charge before discounts. Checkout uses
// it inside its transaction.
func (s *Service) PriceTx(ctx context.Context, q store.Querier, customerID, channel string, shipping int64) (View, error) {
	if q == nil {
		q = s.db
	}
	rec, found, err := loadActive(ctx, q, customerID)
	if err != nil {
		return View{}, err
	}
	if !found {
		rec = record{CustomerID: customerID}
	}
	return s.price(ctx, q, &rec, channel, shipping)
}

// inputs is what pricing a cart reads from the store besides the cart and
// the catalog.
type inputs struct {
	firstOrder bool
	promo      promotion.Inputs
}

// inputs reads the pricing inputs of rec's customer through q; an empty
// cart needs none.
func (s *Service) inputs(ctx context.Context, q store.Querier, rec *record) (inputs, error) {
	in := inputs{firstOrder: true}
	if len(rec.Lines) == 0 {
		return in, nil
	}
	needFirst := false // only promotions look at it
	if s.d.Promotions != nil {
		var err error
		if in.promo, err = s.d.Promotions.Inputs(ctx, q, rec.CustomerID, s.now()); err != nil {
			return inputs{}, err
		}
		needFirst = in.promo.FirstOrder
	}
	if s.d.Orders != nil && needFirst {
		ordered, err := s.d.Orders.HasOrdered(ctx, q, rec.CustomerID)
		if err != nil {
			return inputs{}, err
		}
		in.firstOrder = !ordered
	}
	return in, nil
}

// price prices rec for channel, reading through q (a transaction, or nil
// for the database).
func (s *Service) price(ctx context.Context, q store.Querier, rec *record, channel string, shipping int64) (View, error) {
	in, err := s.inputs(ctx, q, rec)
	if err != nil {
		return View{}, err
	}
	return s.priceWith(ctx, q, rec, channel, shipping, in)
}

// priceWith prices rec for channel with inputs read before; offers not in
// the catalog's memory are read through q.
func (s *Service) priceWith(ctx context.Context, q store.Querier, rec *record, channel string, shipping int64, in inputs) (View, error) {
	v := View{ID: rec.ID, CustomerID: rec.CustomerID, Channel: channel, Currency: rec.Currency, Lines: []LineView{},
		Codes: rec.Codes, Applied: []promo.Applied{}, Rejected: []promo.Rejection{}, UpdatedChannel: rec.UpdatedChannel,
		Version: rec.Version}
	if v.Codes == nil {
		v.Codes = []string{}
	}
	if rec.ID != "" {
		at := rec.UpdatedAt
		v.UpdatedAt = &at
	}
	ids := make([]string, len(rec.Lines))
	for i, l := range rec.Lines {
		ids[i] = l.VariantID
	}
	offers, err := s.d.Catalog.Offers(ctx, q, channel, ids)
	if err != nil {
		return View{}, err
	}
	pc := promo.Cart{Currency: money.Currency(rec.Currency), Channel: channel, Now: s.now(), Codes: rec.Codes}
	for _, l := range rec.Lines {
		lv := LineView{VariantID: l.VariantID, Quantity: l.Quantity, AddedChannel: l.AddedChannel, UpdatedChannel: l.UpdatedChannel}
		o, ok := offers[l.VariantID]
		switch {
		case !ok:
			lv.Problem = "this item is no longer in the catalog"
		case !o.Sellable:
			lv.Problem = "this item is not for sale on channel " + channel
		case o.Currency != rec.Currency:
			lv.Problem = fmt.Sprintf("priced in %s, the cart is in %s", o.Currency, rec.Currency)
		}
		if ok {
			lv.ProductID, lv.SKU, lv.ProductTitle, lv.VariantTitle = o.ProductID, o.SKU, o.ProductTitle, o.VariantTitle
			lv.ImageURL, lv.UnitPrice = o.ImageURL, o.Price
			lv.Subtotal = o.Price * l.Quantity
		}
		if lv.Problem == "" {
			pc.Lines = append(pc.Lines, promo.Line{ID: l.VariantID, VariantID: l.VariantID, ProductID: o.ProductID,
				CollectionIDs: o.CollectionIDs, Quantity: l.Quantity, UnitPrice: money.New(o.Price, money.Currency(rec.Currency))})
		}
		v.Lines = append(v.Lines, lv)
	}
	if len(pc.Lines) == 0 {
		v.Totals.Shipping, v.Totals.Total = shipping, shipping
		return v, nil
	}
	if shipping > 0 {
		pc.Shipping = money.New(shipping, pc.Currency)
	}
	pc.Customer.FirstOrder = in.firstOrder
	var res promo.Result
	if s.d.Promotions == nil {
		res, err = promo.Evaluate(pc, nil)
	} else {
		res, err = s.d.Promotions.EvaluateInputs(ctx, in.promo, pc)
	}
	if err != nil {
		return View{}, err
	}
	v.apply(res)
	return v, nil
}

// apply copies the engine's result onto the view's lines and totals.
func (v *View) apply(res promo.Result) {
	byLine := make(map[string]promo.LineResult, len(res.Lines))
	for _, lr := range res.Lines {
		byLine[lr.LineID] = lr
	}
	for i := range v.Lines {
		lv := &v.Lines[i]
		if lr, ok := byLine[lv.VariantID]; ok && lv.Problem == "" {
			lv.Discount, lv.Total, lv.Adjustments = lr.Discount.Minor, lr.Total.Minor, lr.Adjustments
		}
	}
	if res.Applied != nil {
		v.Applied = res.Applied
	}
	if res.Rejected != nil {
		v.Rejected = res.Rejected
	}
	v.OrderDiscounts, v.ShipDiscounts = res.OrderDiscounts, res.ShippingDiscounts
	t := res.Totals
	for _, l := range v.Lines {
		if l.Problem == "" {
			v.Totals.Items += l.Quantity
		}
	}
	v.Totals.Subtotal, v.Totals.ItemDiscount = t.Subtotal.Minor, t.ItemDiscount.Minor
	v.Totals.Shipping, v.Totals.ShippingDiscount = t.Shipping.Minor, t.ShippingDiscount.Minor
	v.Totals.Discount, v.Totals.Total = t.Discount.Minor, t.Total.Minor
}

// PriceItemsTx prices a list of items that is not stored as a cart — an
// in-store sale rung up at the counter — exactly as a cart with those items
// and codes would be priced for the customer (who may be "" for an anonymous
// sale) on channel.
func (s *Service) PriceItemsTx(ctx context.Context, q store.Querier, customerID, channel string, items []Item, codes []string) (View, error) {
	if q == nil {
		q = s.db
	}
	if len(items) == 0 {
		return View{}, apperr.InvalidField("items", "at least one item is required")
	}
	if len(items) > MaxLines {
		return View{}, apperr.InvalidField("items", "at most %d items", MaxLines)
	}
	rec := record{CustomerID: customerID}
	for i, it := range items {
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			return View{}, apperr.InvalidField(fmt.Sprintf("items[%d].quantity", i), "%d is out of range 1..%d", it.Quantity, MaxQuantity)
		}
		vid, err := s.d.Catalog.ResolveVariant(ctx, q, it.VariantRef)
		if err != nil {
			return View{}, err
		}
		merged := false
		for j := range rec.Lines {
			if rec.Lines[j].VariantID == vid {
				rec.Lines[j].Quantity += it.Quantity
				merged = true
			}
		}
		if !merged {
			rec.Lines = append(rec.Lines, line{VariantID: vid, Quantity: it.Quantity, AddedChannel: channel, UpdatedChannel: channel})
		}
	}
	offers, err := s.d.Catalog.Offers(ctx, q, channel, []string{rec.Lines[0].VariantID})
	if err != nil {
		return View{}, err
	}
	rec.Currency = offers[rec.Lines[0].VariantID].Currency
	for _, c := range codes {
		if c = promotion.NormalizeCode(c); c != "" {
			rec.Codes = append(rec.Codes, c)
		}
	}
	return s.price(ctx, q, &rec, channel, 0)
}

// Owner returns the customer and status of any cart.
func (s *Service) Owner(ctx context.Context, q store.Querier, cartID string) (customerID, status string, err error) {
	if q == nil {
		q = s.db
	}
	err = q.QueryRowContext(ctx, "SELECT customer_id, status FROM carts WHERE id = ?", cartID).Scan(&customerID, &status)
	if store.IsNoRows(err) {
		return "", "", apperr.NotFoundf("no cart %q", cartID)
	}
	if err != nil {
		return "", "", fmt.Errorf("read cart: %w", err)
	}
	return customerID, status, nil
}
