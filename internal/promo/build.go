package promo

import "github.com/omni-hq/omni/internal/money"

// result turns the chosen ledger into a Result.
func (e *evaluator) result() Result {
	cur := e.p.Currency
	amt := func(m int64) money.Amount { return money.New(m, cur) }
	r := Result{Currency: cur, Lines: make([]LineResult, len(e.p.Lines))}
	perLine := make([]int, len(e.p.Lines))
	nLineAdj, nApplied, nOrder := 0, 0, 0
	for _, a := range e.best.adj {
		c := &e.cands[a.cand]
		if c.applied == 0 {
			nApplied++
			if e.ix.promos[c.idx].stage == stageOrder {
				nOrder++
			}
		}
		c.applied += a.amount
		if a.line >= 0 {
			perLine[a.line]++
			nLineAdj++
		}
	}
	if nApplied > 0 {
		r.Applied = make([]Applied, 0, nApplied)
	}
	if nOrder > 0 {
		r.OrderDiscounts = make([]Adjustment, 0, nOrder)
	}
	backing := make([]Adjustment, 0, nLineAdj)
	var itemDiscount int64
	for i := range r.Lines {
		lr := &r.Lines[i]
		lr.LineID = e.p.Lines[i].ID
		lr.Subtotal, lr.Total = amt(e.p.sub[i]), amt(e.best.rem[i])
		lr.Discount = amt(e.p.sub[i] - e.best.rem[i])
		itemDiscount += lr.Discount.Minor
		lr.Adjustments = backing[len(backing) : len(backing) : len(backing)+perLine[i]]
		backing = backing[:len(backing)+perLine[i]]
	}
	for _, a := range e.best.adj {
		c := &e.cands[a.cand]
		adjm := e.adjustment(c, a.amount)
		if a.line >= 0 {
			lr := &r.Lines[a.line]
			lr.Adjustments = append(lr.Adjustments, adjm)
		} else {
			r.ShippingDiscounts = append(r.ShippingDiscounts, adjm)
		}
		if !c.listed {
			c.listed = true
			pr := &e.ix.promos[c.idx]
			r.Applied = append(r.Applied, Applied{
				PromotionID: pr.ID, Name: pr.Name, Code: pr.Code, Kind: pr.Kind, Amount: amt(c.applied),
			})
			if pr.stage == stageOrder {
				r.OrderDiscounts = append(r.OrderDiscounts, e.adjustment(c, c.applied))
			}
		}
	}
	shipDiscount := e.p.shipping - e.best.ship
	r.Totals = Totals{
		Subtotal:         amt(e.p.subtotal),
		ItemDiscount:     amt(itemDiscount),
		ShippingDiscount: amt(shipDiscount),
		Discount:         amt(itemDiscount + shipDiscount),
		Shipping:         amt(e.p.shipping),
		Total:            amt(e.p.subtotal - itemDiscount + e.best.ship),
	}
	r.Rejected = e.rejections()
	return r
}

func (e *evaluator) adjustment(c *cand, amount int64) Adjustment {
	pr := &e.ix.promos[c.idx]
	reason := pr.reasons[0]
	if pr.Kind == KindTiered {
		reason = pr.reasons[c.tier]
	}
	return Adjustment{PromotionID: pr.ID, Code: pr.Code, Amount: money.New(amount, e.p.Currency), Reason: reason}
}

// rejections explains, in the order given, every code that did not apply.
func (e *evaluator) rejections() []Rejection {
	var out []Rejection
	for _, en := range e.codes {
		if en.cand < 0 {
			out = append(out, Rejection{Code: en.raw, FromWallet: en.wallet, Reason: ReasonUnknownCode,
				Message: message(en.raw, nil, ReasonUnknownCode, money.Amount{}, &e.p, "")})
			continue
		}
		c := &e.cands[en.cand]
		if c.applied > 0 {
			continue
		}
		pr := &e.ix.promos[c.idx]
		reason := c.reason
		if reason == "" {
			reason = e.lostReason(c, pr)
		}
		rej := Rejection{Code: en.raw, FromWallet: en.wallet, PromotionID: pr.ID, Reason: reason}
		if reason == ReasonMinSubtotalNotMet {
			rej.Missing = money.New(c.missing, e.p.Currency)
		}
		rej.Message = message(en.raw, pr, reason, rej.Missing, &e.p, e.winnerName())
		out = append(out, rej)
	}
	return out
}

// lostReason says why a valid candidate gave nothing in the result: it
// was outdone by an option it cannot join, or it had nothing to discount.
func (e *evaluator) lostReason(c *cand, pr *compiled) Reason {
	if e.lead < 0 {
		return ReasonNoDiscount
	}
	winnerExclusive := e.winner >= 0
	if pr.Combinable && winnerExclusive && c.stacked > 0 {
		return ReasonNotCombinable
	}
	if !pr.Combinable && c.alone > 0 {
		return ReasonNotCombinable
	}
	return ReasonNoDiscount
}

func (e *evaluator) winnerName() string {
	if e.lead < 0 {
		return ""
	}
	pr := &e.ix.promos[e.lead]
	if pr.Name != "" {
		return pr.Name
	}
	return pr.ID
}
