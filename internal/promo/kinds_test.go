package promo

import (
	"slices"
	"testing"

	"github.com/omni-hq/omni/internal/money"
)

// kindsCart: subtotal 70.00 EUR, shipping 5.00 EUR.
func kindsCart() Cart {
	c := newCart(
		line("l1", "shirt", 2000, 2, "summer"),
		line("l2", "hat", 1500, 1, "summer", "acc"),
		line("l3", "sock", 500, 3, "acc"),
	)
	c.Shipping = eur(500)
	return c
}

func bxgy(id string, buy, get, pct int64, t Target) Promotion {
	return Promotion{ID: id, Name: id, Kind: KindBuyXGetY, Target: t,
		BuyXGetY: BuyXGetY{Buy: buy, Get: get, Percent: money.Percent(pct) * money.OnePercent}}
}

func freeShipping(id string, capMinor int64, t Target) Promotion {
	p := Promotion{ID: id, Name: id, Kind: KindFreeShipping, Target: t}
	if capMinor > 0 {
		p.Amount = eur(capMinor)
	}
	return p
}

func tiered(id string, t Target, tiers ...Tier) Promotion {
	return Promotion{ID: id, Name: id, Kind: KindTiered, Target: t, Tiers: tiers}
}

func pctTier(threshold, pct int64) Tier {
	return Tier{Threshold: eur(threshold), Percent: money.Percent(pct) * money.OnePercent}
}

func amtTier(threshold, off int64) Tier { return Tier{Threshold: eur(threshold), Amount: eur(off)} }

func TestKinds(t *testing.T) {
	perItem := amountOff("per-item", 200, products("sock"))
	perItem.PerItem = true
	perItemCapped := amountOff("per-item-capped", 700, products("sock"))
	perItemCapped.PerItem = true
	tests := []struct {
		name      string
		promo     Promotion
		wantLines []int64
		wantShip  int64
	}{
		{"percent order", percentOff("p", 10, orderTarget()), []int64{400, 150, 150}, 0},
		{"percent products", percentOff("p", 20, products("hat")), []int64{0, 300, 0}, 0},
		{"percent collections", percentOff("p", 10, collections("acc")), []int64{0, 150, 150}, 0},
		{"percent 100", percentOff("p", 100, products("shirt", "sock")), []int64{4000, 0, 1500}, 0},
		// 10.00 over 40:15:15 is 5.714/2.143/2.143: the left-over cent goes to the largest remainder.
		{"amount order allocated", amountOff("a", 1000, orderTarget()), []int64{572, 214, 214}, 0},
		{"amount over cart capped", amountOff("a", 10000, orderTarget()), []int64{4000, 1500, 1500}, 0},
		{"amount once on products", amountOff("a", 500, products("sock", "hat")), []int64{0, 250, 250}, 0},
		{"amount per item", perItem, []int64{0, 0, 600}, 0},
		{"amount per item capped at price", perItemCapped, []int64{0, 0, 1500}, 0},
		{"free shipping", freeShipping("s", 0, orderTarget()), []int64{0, 0, 0}, 500},
		{"free shipping capped", freeShipping("s", 300, orderTarget()), []int64{0, 0, 0}, 300},
		{"free shipping with target item", freeShipping("s", 0, products("hat")), []int64{0, 0, 0}, 500},
		{"free shipping without target item", freeShipping("s", 0, products("coat")), []int64{0, 0, 0}, 0},
		{"buy 2 get 1 free", bxgy("b", 2, 1, 100, products("sock")), []int64{0, 0, 500}, 0},
		// 3 summer units: one group of 2; the cheapest (hat) is half price.
		{"buy 1 get 1 half price", bxgy("b", 1, 1, 50, collections("summer")), []int64{0, 750, 0}, 0},
		// 6 units, two groups of 3: the two cheapest units (socks) are free.
		{"buy 2 get 1 repeats", bxgy("b", 2, 1, 100, orderTarget()), []int64{0, 0, 1000}, 0},
		// 2 shirts with buy 1 get 2: the incomplete group still frees one.
		{"incomplete last group", bxgy("b", 1, 2, 100, products("shirt")), []int64{2000, 0, 0}, 0},
		{"not enough units", bxgy("b", 3, 1, 100, products("shirt")), []int64{0, 0, 0}, 0},
		{"tiered highest reached", tiered("t", orderTarget(), pctTier(5000, 5), pctTier(7000, 10), pctTier(10000, 20)),
			[]int64{400, 150, 150}, 0},
		{"tiered amount on collection", tiered("t", collections("acc"), amtTier(1000, 100), amtTier(3000, 500)),
			[]int64{0, 250, 250}, 0},
		{"tiered lower tier", tiered("t", collections("acc"), amtTier(1000, 100), amtTier(3001, 500)),
			[]int64{0, 50, 50}, 0},
		{"tiered none reached", tiered("t", orderTarget(), pctTier(10000, 10)), []int64{0, 0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(t, kindsCart(), tt.promo)
			if got := lineDiscounts(r); !slices.Equal(got, tt.wantLines) {
				t.Errorf("line discounts = %v, want %v", got, tt.wantLines)
			}
			if got := r.Totals.ShippingDiscount.Minor; got != tt.wantShip {
				t.Errorf("shipping discount = %d, want %d", got, tt.wantShip)
			}
			var sum int64
			for _, d := range tt.wantLines {
				sum += d
			}
			applied := sum+tt.wantShip > 0
			if got := len(r.Applied) == 1 && r.Applied[0].PromotionID == tt.promo.ID; got != applied {
				t.Errorf("applied = %+v, want applied %v", r.Applied, applied)
			}
		})
	}
}

func TestPercentRounding(t *testing.T) {
	tests := []struct {
		name  string
		lines []Line
		pct   int64
		want  []int64
	}{
		// 10% of 10.00 is 1.00, spread 0.333/0.333/0.334.
		{"remainder to largest", []Line{line("a", "p", 333, 1), line("b", "p", 333, 1), line("c", "p", 334, 1)},
			10, []int64{33, 33, 34}},
		// 10% of 0.05 is 0.005: half up gives 0.01.
		{"half up", []Line{line("a", "p", 5, 1)}, 10, []int64{1}},
		// 10% of 0.04 is 0.004: rounds down.
		{"below half", []Line{line("a", "p", 4, 1)}, 10, []int64{0}},
		// Rounded once on the sum (0.015 -> 0.02), not per line (0 + 0 + 0).
		{"rounded on the sum", []Line{line("a", "p", 5, 1), line("b", "p", 5, 1), line("c", "p", 5, 1)},
			10, []int64{1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(t, newCart(tt.lines...), percentOff("p", tt.pct, orderTarget()))
			if got := lineDiscounts(r); !slices.Equal(got, tt.want) {
				t.Errorf("line discounts = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestZeroDecimalCurrency(t *testing.T) {
	c := Cart{Currency: "JPY", Now: testNow, Lines: []Line{
		{ID: "a", ProductID: "p", Quantity: 1, UnitPrice: money.New(999, "JPY")},
		{ID: "b", ProductID: "q", Quantity: 1, UnitPrice: money.New(1001, "JPY")},
	}}
	p := Promotion{ID: "yen", Kind: KindAmountOff, Target: orderTarget(), Amount: money.New(501, "JPY")}
	r := evaluate(t, c, p, percentOff("pct", 15, products("p")))
	// 501 over 999:1001 is 250.25/250.75: the yen left over goes to b.
	if got := lineDiscounts(r); !slices.Equal(got, []int64{250, 251}) || r.Totals.Total != money.New(1499, "JPY") {
		t.Errorf("lines %v total %v, want [250 251] and 1499 JPY", got, r.Totals.Total)
	}
}

func TestAdjustmentReasons(t *testing.T) {
	r := evaluate(t, kindsCart(),
		tiered("t", orderTarget(), pctTier(5000, 5), pctTier(7000, 10)),
	)
	want := "t: spend 70.00 EUR, get 10% off the order"
	if got := r.Lines[0].Adjustments[0].Reason; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	if len(r.OrderDiscounts) != 1 || r.OrderDiscounts[0].Amount != eur(700) || r.OrderDiscounts[0].Reason != want {
		t.Errorf("order discounts = %+v", r.OrderDiscounts)
	}
	p := bxgy("b", 2, 1, 50, products("sock"))
	p.Name = "Sock deal"
	r = evaluate(t, kindsCart(), p)
	if got, want := r.Lines[2].Adjustments[0].Reason, "Sock deal: buy 2 get 1 at 50% off (selected products)"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	r = evaluate(t, kindsCart(), freeShipping("ship", 0, orderTarget()))
	if len(r.ShippingDiscounts) != 1 || r.ShippingDiscounts[0].Reason != "ship: free shipping" {
		t.Errorf("shipping discounts = %+v", r.ShippingDiscounts)
	}
}

func TestFreeUnits(t *testing.T) {
	tests := []struct{ units, buy, get, want int64 }{
		{0, 2, 1, 0}, {2, 2, 1, 0}, {3, 2, 1, 1}, {5, 2, 1, 1}, {6, 2, 1, 2}, {7, 2, 1, 2},
		{1, 1, 1, 0}, {2, 1, 1, 1}, {3, 1, 1, 1}, {2, 1, 2, 1}, {3, 1, 2, 2}, {4, 1, 2, 2}, {5, 1, 2, 3},
	}
	for _, tt := range tests {
		if got := freeUnits(tt.units, BuyXGetY{Buy: tt.buy, Get: tt.get}); got != tt.want {
			t.Errorf("buy %d get %d with %d units: %d free, want %d", tt.buy, tt.get, tt.units, got, tt.want)
		}
	}
}
