package promo

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/omni-hq/omni/internal/money"
)

// Stages in which stacked promotions apply: item promotions first, then
// order-wide ones on what is left, then shipping.
const (
	stageItems = iota
	stageOrder
	stageShipping
)

// compiled is a validated promotion with what evaluation needs precomputed.
type compiled struct {
	*Promotion
	code     string // upper-cased Code
	currency money.Currency
	stage    int
	targets  map[string]struct{} // product or collection ids; nil for order
	reasons  []string            // human reason; one per tier for tiered
}

// MaxPromotions is the most promotions one Index holds.
const MaxPromotions = 1 << 20

// Index is a set of promotions prepared for fast, repeated evaluation.
// Build it once per change of the active promotions with NewIndex; it is
// immutable and safe for concurrent use by many goroutines.
type Index struct {
	promos       []compiled // by priority (high first), then ID
	byProduct    map[string][]int32
	byCollection map[string][]int32
	byCode       map[string]int32
	orderAuto    []int32 // automatic promotions targeting the whole order
	scratch      sync.Pool
}

// NewIndex validates promotions and indexes them by product, collection
// and code. It rejects duplicate IDs and codes that differ only in case.
// The promotions are copied; later changes to the slice do not affect the
// index.
func NewIndex(promotions []Promotion) (*Index, error) {
	if len(promotions) > MaxPromotions {
		return nil, fmt.Errorf("build promotion index: %d promotions, at most %d: %w",
			len(promotions), MaxPromotions, ErrInvalidPromotion)
	}
	ps := slices.Clone(promotions)
	slices.SortFunc(ps, func(a, b Promotion) int {
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	ix := &Index{
		promos:       make([]compiled, len(ps)),
		byProduct:    map[string][]int32{},
		byCollection: map[string][]int32{},
		byCode:       map[string]int32{},
	}
	for i := range ps {
		p := &ps[i]
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("build promotion index: %w", err)
		}
		if i > 0 && ps[i-1].ID == p.ID {
			return nil, fmt.Errorf("build promotion index: id %q appears twice: %w", p.ID, ErrInvalidPromotion)
		}
		if err := ix.add(int32(i), p); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

func (ix *Index) add(i int32, p *Promotion) error {
	cur, _ := p.currency() // validated
	c := compiled{Promotion: p, code: normalizeCode(p.Code), currency: cur, stage: stageOf(p)}
	c.reasons = describe(p)
	if c.code != "" {
		if other, dup := ix.byCode[c.code]; dup {
			return fmt.Errorf("build promotion index: code %q used by %q and %q: %w",
				p.Code, ix.promos[other].ID, p.ID, ErrInvalidPromotion)
		}
		ix.byCode[c.code] = i
	}
	var ids []string
	var byTarget map[string][]int32
	switch p.Target.Type {
	case TargetProducts:
		ids, byTarget = p.Target.ProductIDs, ix.byProduct
	case TargetCollections:
		ids, byTarget = p.Target.CollectionIDs, ix.byCollection
	default:
		if c.code == "" {
			ix.orderAuto = append(ix.orderAuto, i)
		}
	}
	if ids != nil {
		c.targets = make(map[string]struct{}, len(ids))
		for _, id := range ids {
			if _, dup := c.targets[id]; dup {
				continue
			}
			c.targets[id] = struct{}{}
			if c.code == "" {
				byTarget[id] = append(byTarget[id], i)
			}
		}
	}
	ix.promos[i] = c
	return nil
}

func normalizeCode(code string) string {
	return strings.ToUpper(strings.TrimSpace(code))
}

func stageOf(p *Promotion) int {
	switch {
	case p.Kind == KindFreeShipping:
		return stageShipping
	case p.Target.Type == TargetOrder && p.Kind != KindBuyXGetY:
		return stageOrder
	}
	return stageItems
}

// Len returns the number of promotions in the index.
func (ix *Index) Len() int { return len(ix.promos) }

// eligible reports whether line l is a target of promotion c.
func (c *compiled) eligible(l *Line) bool {
	switch c.Target.Type {
	case TargetProducts:
		_, ok := c.targets[l.ProductID]
		return ok
	case TargetCollections:
		for _, id := range l.CollectionIDs {
			if _, ok := c.targets[id]; ok {
				return true
			}
		}
		return false
	}
	return true
}

// describe builds the human reasons shown with p's adjustments.
func describe(p *Promotion) []string {
	name := p.Name
	if name == "" {
		name = p.ID
	}
	where := map[TargetType]string{
		TargetOrder: "the order", TargetProducts: "selected products", TargetCollections: "selected collections",
	}[p.Target.Type]
	var deals []string
	switch p.Kind {
	case KindPercentOff:
		deals = []string{fmt.Sprintf("%v off %s", p.Percent, where)}
	case KindAmountOff:
		if p.PerItem {
			deals = []string{fmt.Sprintf("%v off each item of %s", p.Amount, where)}
		} else {
			deals = []string{fmt.Sprintf("%v off %s", p.Amount, where)}
		}
	case KindFreeShipping:
		deals = []string{"free shipping"}
		if p.Amount.IsPositive() {
			deals[0] = fmt.Sprintf("free shipping up to %v", p.Amount)
		}
	case KindBuyXGetY:
		b := p.BuyXGetY
		off := "free"
		if b.Percent != money.Hundred {
			off = fmt.Sprintf("at %v off", b.Percent)
		}
		deals = []string{fmt.Sprintf("buy %d get %d %s (%s)", b.Buy, b.Get, off, where)}
	case KindTiered:
		for _, t := range p.Tiers {
			off := t.Percent.String()
			if t.Amount.IsPositive() {
				off = t.Amount.String()
			}
			deals = append(deals, fmt.Sprintf("spend %v, get %s off %s", t.Threshold, off, where))
		}
	}
	for i := range deals {
		deals[i] = name + ": " + deals[i]
	}
	return deals
}
