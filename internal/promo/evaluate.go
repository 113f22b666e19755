package promo

import (
	"slices"
)

// pair says that automatic promotion promo targets cart line line.
type pair struct{ promo, line int32 }

// cand is a promotion that may apply to the cart being evaluated.
type cand struct {
	idx     int32 // into Index.promos
	all     bool  // every line is eligible
	lo, hi  int32 // eligible lines: evaluator.lineBuf[lo:hi]
	code    int32 // into evaluator.codes, -1 for automatic
	tier    int   // tiered: the tier reached
	reason  Reason
	missing int64
	alone   int64 // discount when applied alone (exclusive candidates)
	stacked int64 // discount within the stack (combinable candidates)
	applied int64 // discount in the chosen result
	listed  bool  // already in Result.Applied
}

// entered is one distinct code from Cart.Codes or Cart.Wallet.
type entered struct {
	raw    string
	norm   string
	wallet bool
	cand   int32 // -1 for an unknown code
}

// evaluator holds the scratch space of one evaluation; evaluators are
// pooled by the Index so that steady-state evaluation allocates little.
type evaluator struct {
	ix      *Index
	p       priced
	sub     []int64
	pairs   []pair
	sorted  []pair  // pairs sorted by promotion
	counts  []int32 // counting sort of the pairs by promotion
	lineBuf []int32
	all     []int32
	cands   []cand
	codes   []entered
	cur     ledger
	best    ledger
	weights []int64
	parts   []int64
	order   []int32
	stack   []uint64 // stage<<56 | promotion index<<24 | candidate index
	winner  int32    // cand index of the exclusive winner, -1 for the stack
	lead    int32    // promotion index leading the chosen option, -1 if none
}

// Evaluate builds an Index from promotions and evaluates cart with it. To
// evaluate many carts, build the Index once and call Index.Evaluate.
func Evaluate(cart Cart, promotions []Promotion) (Result, error) {
	ix, err := NewIndex(promotions)
	if err != nil {
		return Result{}, err
	}
	return ix.Evaluate(cart)
}

// Evaluate chooses the best valid combination of the index's promotions
// for cart and explains every code that did not apply. The result depends
// only on cart and the indexed promotions. Evaluate fails only on a
// malformed cart (ErrInvalidCart).
func (ix *Index) Evaluate(cart Cart) (Result, error) {
	e, _ := ix.scratch.Get().(*evaluator)
	if e == nil {
		e = &evaluator{ix: ix}
	}
	defer ix.scratch.Put(e)
	p, err := price(&cart, e.sub)
	if err != nil {
		return Result{}, err
	}
	e.p, e.sub = p, p.sub
	e.gather()
	e.qualify()
	e.choose()
	r := e.result()
	e.p = priced{} // do not keep the caller's cart alive in the pool
	return r, nil
}

func (e *evaluator) lines(c *cand) []int32 {
	if c.all {
		return e.all
	}
	return e.lineBuf[c.lo:c.hi]
}

// gather collects the candidates: automatic promotions found through the
// lines' products and collections, automatic order-wide promotions, and
// the promotions of the entered and wallet codes.
func (e *evaluator) gather() {
	ix, lines := e.ix, e.p.Lines
	e.pairs, e.lineBuf, e.all, e.cands, e.codes = e.pairs[:0], e.lineBuf[:0], e.all[:0], e.cands[:0], e.codes[:0]
	for li := range lines {
		l := &lines[li]
		e.all = append(e.all, int32(li))
		for _, pi := range ix.byProduct[l.ProductID] {
			e.pairs = append(e.pairs, pair{pi, int32(li)})
		}
		for _, col := range l.CollectionIDs {
			for _, pi := range ix.byCollection[col] {
				e.pairs = append(e.pairs, pair{pi, int32(li)})
			}
		}
	}
	e.sortPairs()
	for i, pr := range e.pairs {
		if i > 0 && pr == e.pairs[i-1] {
			continue
		}
		if n := len(e.cands); n == 0 || e.cands[n-1].idx != pr.promo {
			lo := int32(len(e.lineBuf))
			e.cands = append(e.cands, cand{idx: pr.promo, lo: lo, hi: lo, code: -1})
		}
		e.lineBuf = append(e.lineBuf, pr.line)
		e.cands[len(e.cands)-1].hi++
	}
	for _, pi := range ix.orderAuto {
		e.cands = append(e.cands, cand{idx: pi, all: true, code: -1})
	}
	e.gatherCodes(e.p.Codes, false)
	e.gatherCodes(e.p.Wallet, true)
}

// sortPairs orders the pairs by promotion, then line, with a counting sort
// by promotion: pairs are gathered line by line, and the sort is stable, so
// the lines of one promotion stay in order (a line met through both its
// product and a collection follows itself).
func (e *evaluator) sortPairs() {
	n := len(e.ix.promos)
	e.counts = slices.Grow(e.counts[:0], n+1)[:n+1]
	clear(e.counts)
	for _, pr := range e.pairs {
		e.counts[pr.promo+1]++
	}
	for i := 1; i <= n; i++ {
		e.counts[i] += e.counts[i-1]
	}
	e.sorted = slices.Grow(e.sorted[:0], len(e.pairs))[:len(e.pairs)]
	for _, pr := range e.pairs {
		e.sorted[e.counts[pr.promo]] = pr
		e.counts[pr.promo]++
	}
	e.pairs, e.sorted = e.sorted, e.pairs
}

func (e *evaluator) gatherCodes(codes []string, wallet bool) {
next:
	for _, raw := range codes {
		code := normalizeCode(raw)
		for _, seen := range e.codes {
			if seen.norm == code {
				continue next
			}
		}
		e.codes = append(e.codes, entered{raw: raw, norm: code, wallet: wallet, cand: -1})
		pi, ok := e.ix.byCode[code]
		if !ok {
			continue
		}
		e.codes[len(e.codes)-1].cand = int32(len(e.cands))
		c := cand{idx: pi, code: int32(len(e.codes) - 1)}
		pr := &e.ix.promos[pi]
		if pr.Target.Type == TargetOrder {
			c.all = true
		} else {
			c.lo = int32(len(e.lineBuf))
			for li := range e.p.Lines {
				if pr.eligible(&e.p.Lines[li]) {
					e.lineBuf = append(e.lineBuf, int32(li))
				}
			}
			c.hi = int32(len(e.lineBuf))
		}
		e.cands = append(e.cands, c)
	}
}

// qualify checks every candidate's conditions, eligible items and, for
// tiered promotions, the tier reached.
func (e *evaluator) qualify() {
	for ci := range e.cands {
		c := &e.cands[ci]
		pr := &e.ix.promos[c.idx]
		c.reason, c.missing = check(pr, &e.p)
		lines := e.lines(c)
		if c.reason == "" && len(lines) == 0 {
			c.reason = ReasonNoEligibleItems
		}
		if c.reason == "" && pr.Kind == KindTiered {
			var spent int64
			for _, li := range lines {
				spent += e.p.sub[li]
			}
			c.tier = -1
			for i, t := range pr.Tiers {
				if spent >= t.Threshold.Minor {
					c.tier = i
				}
			}
			if c.tier < 0 {
				c.reason, c.missing = ReasonMinSubtotalNotMet, pr.Tiers[0].Threshold.Minor-spent
			}
		}
	}
}

// choose applies all valid combinable candidates together (items, then
// order, then shipping; by priority within a stage), then each valid
// exclusive candidate alone, and keeps the largest discount; ties go to
// the option whose leading promotion ranks first (priority, then ID).
func (e *evaluator) choose() {
	e.winner, e.lead = -1, -1
	var bestVal int64
	e.best.reset(&e.p)
	e.cur.reset(&e.p)
	e.stack = e.stack[:0]
	for ci := range e.cands {
		c := &e.cands[ci]
		if pr := &e.ix.promos[c.idx]; c.reason == "" && pr.Combinable {
			e.stack = append(e.stack, uint64(pr.stage)<<56|uint64(c.idx)<<24|uint64(ci))
		}
	}
	slices.Sort(e.stack)
	var total int64
	lead := int32(-1)
	for _, key := range e.stack {
		ci := int32(key & (1<<24 - 1))
		c := &e.cands[ci]
		c.stacked = e.apply(ci, &e.cur)
		total += c.stacked
		if c.stacked > 0 && (lead < 0 || c.idx < lead) {
			lead = c.idx
		}
	}
	if total > 0 {
		bestVal, e.lead = total, lead
		e.cur, e.best = e.best, e.cur
	}
	for ci := range e.cands {
		c := &e.cands[ci]
		if c.reason != "" || e.ix.promos[c.idx].Combinable {
			continue
		}
		e.cur.reset(&e.p)
		c.alone = e.apply(int32(ci), &e.cur)
		if c.alone > 0 && (c.alone > bestVal || (c.alone == bestVal && c.idx < e.lead)) {
			bestVal, e.lead, e.winner = c.alone, c.idx, int32(ci)
			e.cur, e.best = e.best, e.cur
		}
	}
}
