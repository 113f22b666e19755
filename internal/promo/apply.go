package promo

import (
	"cmp"
	"slices"

	"github.com/omni-hq/omni/internal/money"
)

// adj is one recorded discount: candidate, line (-1 for shipping), amount.
type adj struct {
	cand   int32
	line   int32
	amount int64
}

// ledger tracks what is left to discount while promotions apply one after
// the other, and the discounts given so far.
type ledger struct {
	rem  []int64 // per line, minor units
	ship int64
	adj  []adj
}

func (l *ledger) reset(p *priced) {
	l.rem = append(l.rem[:0], p.sub...)
	l.ship = p.shipping
	l.adj = l.adj[:0]
}

// apply gives candidate ci's discount on what l has left, records it and
// returns its total. Every kind discounts at most what is left, so lines
// and shipping never go below zero.
func (e *evaluator) apply(ci int32, l *ledger) int64 {
	c := &e.cands[ci]
	pr := &e.ix.promos[c.idx]
	lines := e.lines(c)
	switch pr.Kind {
	case KindPercentOff:
		return e.spread(ci, l, lines, percentOf(e.remaining(l, lines), pr.Percent))
	case KindAmountOff:
		if pr.PerItem {
			return e.perItem(ci, l, lines, pr.Amount.Minor)
		}
		return e.spread(ci, l, lines, min(pr.Amount.Minor, e.remaining(l, lines)))
	case KindTiered:
		t := pr.Tiers[c.tier]
		base := e.remaining(l, lines)
		if t.Percent != 0 {
			return e.spread(ci, l, lines, percentOf(base, t.Percent))
		}
		return e.spread(ci, l, lines, min(t.Amount.Minor, base))
	case KindFreeShipping:
		d := l.ship
		if pr.Amount.IsPositive() {
			d = min(d, pr.Amount.Minor)
		}
		if d > 0 {
			l.ship -= d
			l.adj = append(l.adj, adj{cand: ci, line: -1, amount: d})
		}
		return d
	case KindBuyXGetY:
		return e.buyXGetY(ci, l, lines, pr.BuyXGetY)
	}
	return 0
}

func percentOf(base int64, p money.Percent) int64 {
	// Cannot fail: the result is at most base.
	a, _ := money.New(base, "").Percent(p)
	return a.Minor
}

func (e *evaluator) remaining(l *ledger, lines []int32) int64 {
	var s int64
	for _, li := range lines {
		s += l.rem[li]
	}
	return s
}

// spread takes total off lines in proportion to what each has left, with
// money.AllocateMinor, so the line parts sum exactly to total and none
// exceeds its line (total is at most the lines' sum).
func (e *evaluator) spread(ci int32, l *ledger, lines []int32, total int64) int64 {
	if total <= 0 {
		return 0
	}
	e.weights = e.weights[:0]
	for _, li := range lines {
		e.weights = append(e.weights, l.rem[li])
	}
	e.parts = append(e.parts[:0], e.weights...)
	if err := money.AllocateMinor(e.parts, total, e.weights); err != nil {
		return 0 // unreachable: weights are non-negative and sum to >= total > 0
	}
	for i, li := range lines {
		if d := e.parts[i]; d > 0 {
			l.rem[li] -= d
			l.adj = append(l.adj, adj{cand: ci, line: li, amount: d})
		}
	}
	return total
}

// perItem takes amount off every unit of lines, capped at what is left.
func (e *evaluator) perItem(ci int32, l *ledger, lines []int32, amount int64) int64 {
	var total int64
	for _, li := range lines {
		d := l.rem[li]
		if m, err := money.New(amount, "").Mul(e.p.Lines[li].Quantity); err == nil {
			d = min(d, m.Minor)
		}
		if d > 0 {
			l.rem[li] -= d
			total += d
			l.adj = append(l.adj, adj{cand: ci, line: li, amount: d})
		}
	}
	return total
}

// freeUnits is how many of units target units a buy-X-get-Y deal
// discounts: Get for every complete group of Buy+Get, plus, in a last
// incomplete group, the units beyond its first Buy.
func freeUnits(units int64, b BuyXGetY) int64 {
	g := b.Buy + b.Get
	return units/g*b.Get + max(0, units%g-b.Buy)
}

// buyXGetY discounts the cheapest eligible units by b.Percent. A line's
// discounted units are valued pro rata at what the line has left.
func (e *evaluator) buyXGetY(ci int32, l *ledger, lines []int32, b BuyXGetY) int64 {
	var units int64
	for _, li := range lines {
		units += e.p.Lines[li].Quantity
	}
	free := freeUnits(units, b)
	if free == 0 {
		return 0
	}
	order := append(e.order[:0], lines...)
	slices.SortStableFunc(order, func(a, b int32) int {
		return cmp.Compare(e.p.Lines[a].UnitPrice.Minor, e.p.Lines[b].UnitPrice.Minor)
	})
	e.order = order
	var total int64
	for _, li := range order {
		if free == 0 {
			break
		}
		q := e.p.Lines[li].Quantity
		k := min(q, free)
		free -= k
		a, err := money.New(l.rem[li], "").Fraction(k*int64(b.Percent), q*int64(money.Hundred))
		if err != nil || a.Minor <= 0 {
			continue
		}
		d := min(a.Minor, l.rem[li])
		l.rem[li] -= d
		total += d
		l.adj = append(l.adj, adj{cand: ci, line: li, amount: d})
	}
	return total
}
