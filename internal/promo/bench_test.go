package promo

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

// benchPromotions returns a realistic active set of n promotions over a
// catalog of 5,000 products in 500 collections: 60% automatic promotions
// on three products, 30% on one collection, 3% automatic order-wide
// promotions (percent, amount, tiers, free shipping; some limited to
// channels or already expired), 7% code promotions. Two thirds are
// combinable.
func benchPromotions(n int) []Promotion {
	rng := rand.New(rand.NewPCG(2024, 6))
	prod := func() string { return fmt.Sprintf("prod-%d", rng.IntN(5000)) }
	coll := func() string { return fmt.Sprintf("coll-%d", rng.IntN(500)) }
	out := make([]Promotion, 0, n)
	for i := range n {
		p := Promotion{ID: fmt.Sprintf("promo-%04d", i), Name: fmt.Sprintf("Promotion %d", i),
			Priority: rng.IntN(5), Combinable: rng.IntN(3) > 0}
		switch r := i % 100; {
		case r < 90:
			if r < 60 {
				p.Target = products(prod(), prod(), prod())
			} else {
				p.Target = collections(coll())
			}
			switch rng.IntN(4) {
			case 0, 1:
				p.Kind, p.Percent = KindPercentOff, money.Percent(5+rng.IntN(30))*money.OnePercent
			case 2:
				p.Kind, p.Amount = KindAmountOff, eur(100+rng.Int64N(900))
			default:
				p.Kind, p.BuyXGetY = KindBuyXGetY, BuyXGetY{Buy: 2, Get: 1, Percent: money.Hundred}
			}
		case r < 93:
			p.Target = orderTarget()
			switch r {
			case 90:
				p.Kind, p.Percent = KindPercentOff, 5*money.OnePercent
				p.Conditions.Channels = []string{"web", "app"}
			case 91:
				p.Kind, p.Tiers = KindTiered, []Tier{pctTier(5000, 5), pctTier(10000, 10), amtTier(20000, 2500)}
			default:
				p.Kind = KindFreeShipping
				p.Conditions.MinSubtotal = eur(5000)
				p.Conditions.EndsAt = testNow.Add(time.Duration(rng.IntN(2)*2-1) * time.Hour)
			}
		default:
			p.Code = fmt.Sprintf("CODE%04d", i)
			p.Target = orderTarget()
			p.Kind, p.Amount = KindAmountOff, eur(500+rng.Int64N(1500))
			p.Conditions.MinSubtotal = eur(3000)
			p.Conditions.UsageLimitPerCustomer = 1
		}
		out = append(out, p)
	}
	return out
}

func benchCart() Cart {
	rng := rand.New(rand.NewPCG(99, 1))
	c := newCart()
	for i := range 10 {
		c.Lines = append(c.Lines, line(fmt.Sprintf("line-%d", i), fmt.Sprintf("prod-%d", rng.IntN(5000)),
			500+rng.Int64N(5000), 1+rng.Int64N(3),
			fmt.Sprintf("coll-%d", rng.IntN(500)), fmt.Sprintf("coll-%d", rng.IntN(500))))
	}
	c.Shipping = eur(495)
	c.Codes = []string{"code0093"}
	c.Wallet = []string{"CODE0195", "CODE0999"}
	c.Customer.Uses = map[string]int64{"promo-0195": 1}
	return c
}

func BenchmarkEvaluate1000Promotions10Lines(b *testing.B) {
	ix, err := NewIndex(benchPromotions(1000))
	if err != nil {
		b.Fatal(err)
	}
	c := benchCart()
	r, err := ix.Evaluate(c)
	if err != nil {
		b.Fatal(err)
	}
	checkInvariants(b, c, r)
	if len(r.Applied) < 2 || len(r.Rejected) == 0 {
		b.Fatalf("benchmark cart should stack promotions and reject a code: %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ix.Evaluate(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewIndex1000Promotions(b *testing.B) {
	promos := benchPromotions(1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewIndex(promos); err != nil {
			b.Fatal(err)
		}
	}
}
