package promo

import (
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

var testNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func eur(minor int64) money.Amount { return money.New(minor, "EUR") }

func line(id, product string, unit, qty int64, collections ...string) Line {
	return Line{ID: id, VariantID: id + "-v", ProductID: product, CollectionIDs: collections,
		Quantity: qty, UnitPrice: eur(unit)}
}

func newCart(lines ...Line) Cart {
	return Cart{Currency: "EUR", Lines: lines, Channel: "web", Now: testNow}
}

func orderTarget() Target { return Target{Type: TargetOrder} }

func products(ids ...string) Target { return Target{Type: TargetProducts, ProductIDs: ids} }

func collections(ids ...string) Target { return Target{Type: TargetCollections, CollectionIDs: ids} }

func percentOff(id string, pct int64, t Target) Promotion {
	return Promotion{ID: id, Name: id, Kind: KindPercentOff, Target: t, Percent: money.Percent(pct) * money.OnePercent}
}

func amountOff(id string, minor int64, t Target) Promotion {
	return Promotion{ID: id, Name: id, Kind: KindAmountOff, Target: t, Amount: eur(minor)}
}

func withCode(p Promotion, code string) Promotion { p.Code = code; return p }

func combinable(p Promotion) Promotion { p.Combinable = true; return p }

// evaluate runs the engine and checks the invariants every result keeps.
func evaluate(t *testing.T, c Cart, ps ...Promotion) Result {
	t.Helper()
	r, err := Evaluate(c, ps)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	checkInvariants(t, c, r)
	return r
}

// checkInvariants verifies that the result adds up: line adjustments sum
// to the line discounts, those to the item discount, the applied
// promotions to the total discount, and nothing is negative.
func checkInvariants(t testing.TB, c Cart, r Result) {
	t.Helper()
	var items, applied, ship, sub int64
	for i, lr := range r.Lines {
		var adj int64
		for _, a := range lr.Adjustments {
			if a.Amount.Minor <= 0 || a.Amount.Currency != c.Currency {
				t.Fatalf("line %s adjustment %v not a positive %s amount", lr.LineID, a.Amount, c.Currency)
			}
			adj += a.Amount.Minor
		}
		if lr.LineID != c.Lines[i].ID || adj != lr.Discount.Minor ||
			lr.Subtotal.Minor-lr.Discount.Minor != lr.Total.Minor || lr.Total.Minor < 0 {
			t.Fatalf("line %d %+v does not add up (adjustments sum %d)", i, lr, adj)
		}
		items += lr.Discount.Minor
		sub += lr.Subtotal.Minor
	}
	for _, a := range r.ShippingDiscounts {
		ship += a.Amount.Minor
	}
	for _, a := range r.Applied {
		if a.Amount.Minor <= 0 {
			t.Fatalf("applied %+v without discount", a)
		}
		applied += a.Amount.Minor
	}
	tot := r.Totals
	if tot.Subtotal.Minor != sub || tot.ItemDiscount.Minor != items || tot.ShippingDiscount.Minor != ship ||
		tot.Discount.Minor != items+ship || applied != tot.Discount.Minor ||
		tot.Total.Minor != tot.Subtotal.Minor+tot.Shipping.Minor-tot.Discount.Minor ||
		tot.Total.Minor < 0 || ship > tot.Shipping.Minor {
		t.Fatalf("totals %+v do not add up: items %d shipping %d applied %d", tot, items, ship, applied)
	}
}

func lineDiscounts(r Result) []int64 {
	out := make([]int64, len(r.Lines))
	for i, l := range r.Lines {
		out[i] = l.Discount.Minor
	}
	return out
}

func appliedIDs(r Result) []string {
	var out []string
	for _, a := range r.Applied {
		out = append(out, a.PromotionID)
	}
	return out
}
