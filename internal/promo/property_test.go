package promo

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

var (
	genProducts    = []string{"p0", "p1", "p2", "p3", "p4", "p5"}
	genCollections = []string{"c0", "c1", "c2"}
)

func pick(rng *rand.Rand, from []string) []string {
	out := []string{from[rng.IntN(len(from))]}
	if rng.IntN(3) == 0 {
		out = append(out, from[rng.IntN(len(from))])
	}
	return out
}

// genPromotion returns a random valid promotion of any kind and target.
func genPromotion(rng *rand.Rand, i int) Promotion {
	p := Promotion{ID: fmt.Sprintf("promo-%02d", i), Priority: rng.IntN(3), Combinable: rng.IntN(2) == 0}
	switch rng.IntN(4) {
	case 0, 1:
		p.Target = orderTarget()
	case 2:
		p.Target = products(pick(rng, genProducts)...)
	default:
		p.Target = collections(pick(rng, genCollections)...)
	}
	switch rng.IntN(6) {
	case 0:
		p.Kind, p.Percent = KindPercentOff, money.Percent(1+rng.IntN(int(money.Hundred)))
	case 1:
		p.Kind, p.Amount, p.PerItem = KindAmountOff, eur(1+rng.Int64N(20000)), rng.IntN(3) == 0
	case 2:
		p.Kind = KindFreeShipping
		if rng.IntN(2) == 0 {
			p.Amount = eur(1 + rng.Int64N(800))
		}
	case 3:
		p.Kind = KindBuyXGetY
		p.BuyXGetY = BuyXGetY{Buy: 1 + rng.Int64N(3), Get: 1 + rng.Int64N(2), Percent: money.Percent(1 + rng.IntN(int(money.Hundred)))}
	default:
		p.Kind = KindTiered
		var th int64
		for range 1 + rng.IntN(3) {
			th += 1 + rng.Int64N(10000)
			tier := Tier{Threshold: eur(th)}
			if rng.IntN(2) == 0 {
				tier.Percent = money.Percent(1 + rng.IntN(5000))
			} else {
				tier.Amount = eur(1 + rng.Int64N(5000))
			}
			p.Tiers = append(p.Tiers, tier)
		}
	}
	if rng.IntN(3) == 0 {
		p.Code = fmt.Sprintf("CODE%d", i)
	}
	if rng.IntN(5) == 0 {
		p.Conditions.MinSubtotal = eur(rng.Int64N(20000))
	}
	if rng.IntN(6) == 0 {
		p.Conditions.EndsAt = testNow.Add(time.Duration(rng.IntN(3)-1) * time.Hour)
	}
	if rng.IntN(6) == 0 {
		p.Conditions.Channels = []string{"web", "pos", "app"}[rng.IntN(3):]
	}
	return p
}

func genCart(rng *rand.Rand, nPromos int) Cart {
	c := newCart()
	for i := range 1 + rng.IntN(8) {
		c.Lines = append(c.Lines, line(fmt.Sprintf("l%d", i), genProducts[rng.IntN(len(genProducts))],
			rng.Int64N(5000), 1+rng.Int64N(5), pick(rng, genCollections)...))
	}
	if rng.IntN(3) > 0 {
		c.Shipping = eur(rng.Int64N(1000))
	}
	for i := range nPromos {
		if rng.IntN(3) == 0 {
			c.Codes = append(c.Codes, fmt.Sprintf("code%d", i))
		}
	}
	if rng.IntN(4) == 0 {
		c.Wallet = []string{"UNKNOWN"}
	}
	return c
}

// TestPropertyInvariantsAndDeterminism evaluates random carts against
// random promotions: every result must add up and must not depend on the
// promotions' order or on reusing one Index.
func TestPropertyInvariantsAndDeterminism(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	seen := map[string]int{}
	for iter := range 400 {
		n := 1 + rng.IntN(15)
		promos := make([]Promotion, n)
		for i := range promos {
			promos[i] = genPromotion(rng, i)
		}
		c := genCart(rng, n)
		want := evaluate(t, c, promos...)
		seen[fmt.Sprintf("applied %d", min(len(want.Applied), 2))]++
		for _, r := range want.Rejected {
			seen[string(r.Reason)]++
		}
		ix, err := NewIndex(promos)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			rng.Shuffle(len(promos), func(i, j int) { promos[i], promos[j] = promos[j], promos[i] })
			got := evaluate(t, c, promos...)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("iteration %d: shuffled promotions changed the result:\n%+v\n%+v", iter, got, want)
			}
			again, err := ix.Evaluate(c)
			if err != nil || !reflect.DeepEqual(again, want) {
				t.Fatalf("iteration %d: reused index changed the result: %v", iter, err)
			}
		}
	}
	// The generator must reach the interesting cases, or the test proves little.
	for _, k := range []string{"applied 0", "applied 1", "applied 2", "unknown_code", "not_combinable",
		"min_subtotal_not_met", "expired", "wrong_channel", "no_eligible_items"} {
		if seen[k] == 0 {
			t.Errorf("no random case had %q (seen %v)", k, seen)
		}
	}
}

// TestPropertyBestCombination checks the search against brute force: no
// subset of combinable promotions stacked, and no exclusive promotion
// alone, gives more than the engine's choice.
func TestPropertyBestCombination(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for iter := range 150 {
		n := 1 + rng.IntN(7)
		promos := make([]Promotion, n)
		for i := range promos {
			promos[i] = genPromotion(rng, i)
			promos[i].Code = "" // all automatic: every subset is reachable
		}
		c := genCart(rng, 0)
		best := evaluate(t, c, promos...).Totals.Discount.Minor
		for mask := 1; mask < 1<<n; mask++ {
			var subset []Promotion
			exclusive := 0
			for i, p := range promos {
				if mask&(1<<i) != 0 {
					subset = append(subset, p)
					if !p.Combinable {
						exclusive++
					}
				}
			}
			if exclusive > 0 && len(subset) > 1 {
				continue // an exclusive promotion only applies alone
			}
			if got := evaluate(t, c, subset...).Totals.Discount.Minor; got > best {
				t.Fatalf("iteration %d: subset %v gives %d, engine chose %d", iter, mask, got, best)
			}
		}
	}
}

// FuzzEvaluate checks on fuzzed inputs that totals are never negative and
// that adjustments always sum to the discounts.
func FuzzEvaluate(f *testing.F) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		f.Add(seed, uint8(5))
	}
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		promos := make([]Promotion, int(n%40))
		for i := range promos {
			promos[i] = genPromotion(rng, i)
		}
		c := genCart(rng, len(promos))
		r, err := Evaluate(c, promos)
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, c, r)
	})
}

// TestConcurrentEvaluate shares one Index between goroutines (run with
// -race): pooled scratch space must never leak between evaluations.
func TestConcurrentEvaluate(t *testing.T) {
	ix, err := NewIndex(benchPromotions(300))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	carts := make([]Cart, 8)
	want := make([]Result, len(carts))
	for i := range carts {
		carts[i] = benchCart()
		carts[i].Lines = carts[i].Lines[:1+rng.IntN(len(carts[i].Lines))]
		if want[i], err = ix.Evaluate(carts[i]); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for n := range 50 {
				i := (g + n) % len(carts)
				got, err := ix.Evaluate(carts[i])
				if err == nil && !reflect.DeepEqual(got, want[i]) {
					err = fmt.Errorf("cart %d: concurrent result differs", i)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
