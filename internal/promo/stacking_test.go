package promo

import (
	"slices"
	"strings"
	"testing"
)

func TestStacking(t *testing.T) {
	hat20 := combinable(percentOff("hat20", 20, products("hat")))
	order10 := combinable(percentOff("order10", 10, orderTarget()))
	ship := combinable(freeShipping("ship", 0, orderTarget()))
	excl25 := percentOff("excl25", 25, orderTarget())
	excl10 := percentOff("excl10", 10, orderTarget())
	excl15 := percentOff("excl15", 15, orderTarget())
	prio := func(p Promotion, n int) Promotion { p.Priority = n; return p }
	tests := []struct {
		name        string
		promos      []Promotion
		wantApplied []string
		wantLines   []int64
		wantShip    int64
	}{
		// Items first (hat 3.00), then 10% of the 67.00 left, then shipping.
		{"combinables stack by stage", []Promotion{ship, order10, hat20},
			[]string{"hat20", "order10", "ship"}, []int64{400, 420, 150}, 500},
		{"exclusive beats stack", []Promotion{hat20, order10, excl25},
			[]string{"excl25"}, []int64{1000, 375, 375}, 0},
		{"stack beats exclusive", []Promotion{hat20, order10, excl10},
			[]string{"hat20", "order10"}, []int64{400, 420, 150}, 0},
		{"best exclusive", []Promotion{excl10, excl15},
			[]string{"excl15"}, []int64{600, 225, 225}, 0},
		{"tie goes to priority", []Promotion{percentOff("a", 10, orderTarget()), prio(percentOff("b", 10, orderTarget()), 5)},
			[]string{"b"}, []int64{400, 150, 150}, 0},
		{"tie on priority goes to id", []Promotion{percentOff("b", 10, orderTarget()), percentOff("a", 10, orderTarget())},
			[]string{"a"}, []int64{400, 150, 150}, 0},
		// Stack of 10% order (7.00) against exclusive 7.00 off: the higher priority leads.
		{"stack and exclusive tie", []Promotion{prio(order10, 1), amountOff("x", 700, orderTarget())},
			[]string{"order10"}, []int64{400, 150, 150}, 0},
		{"stack and exclusive tie other way", []Promotion{order10, prio(amountOff("x", 700, orderTarget()), 1)},
			[]string{"x"}, []int64{400, 150, 150}, 0},
		// Hat 60% (9.00), then acc 60% of 6.00+15.00, then the rest of the order.
		{"never below zero", []Promotion{
			combinable(percentOff("a-hat60", 60, products("hat"))),
			combinable(percentOff("b-acc60", 60, collections("acc"))),
			combinable(amountOff("c-all", 100000, orderTarget())),
		}, []string{"a-hat60", "b-acc60", "c-all"}, []int64{4000, 1500, 1500}, 0},
		{"priority orders a stage: amount then percent", []Promotion{
			prio(combinable(amountOff("amt", 1000, orderTarget())), 2), prio(combinable(percentOff("pct", 50, orderTarget())), 1),
		}, []string{"amt", "pct"}, []int64{2286, 857, 857}, 0},
		{"priority orders a stage: percent then amount", []Promotion{
			prio(combinable(amountOff("amt", 1000, orderTarget())), 1), prio(combinable(percentOff("pct", 50, orderTarget())), 2),
		}, []string{"pct", "amt"}, []int64{2572, 964, 964}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(t, kindsCart(), tt.promos...)
			if got := appliedIDs(r); !slices.Equal(got, tt.wantApplied) {
				t.Errorf("applied %v, want %v", got, tt.wantApplied)
			}
			if got := lineDiscounts(r); !slices.Equal(got, tt.wantLines) {
				t.Errorf("line discounts %v, want %v", got, tt.wantLines)
			}
			if got := r.Totals.ShippingDiscount.Minor; got != tt.wantShip {
				t.Errorf("shipping discount %d, want %d", got, tt.wantShip)
			}
		})
	}
}

func TestNotCombinableReasons(t *testing.T) {
	tests := []struct {
		name       string
		promos     []Promotion
		codes      []string
		wantReason map[string]Reason
		wantInMsg  string
	}{
		{"combinable code loses to exclusive",
			[]Promotion{withCode(combinable(percentOff("c", 10, orderTarget())), "C10"), percentOff("big", 30, orderTarget())},
			[]string{"C10"}, map[string]Reason{"C10": ReasonNotCombinable}, "big"},
		{"exclusive code loses to stack",
			[]Promotion{withCode(percentOff("x", 10, orderTarget()), "X"), combinable(percentOff("c1", 10, orderTarget())),
				combinable(percentOff("c2", 10, orderTarget()))},
			[]string{"X"}, map[string]Reason{"X": ReasonNotCombinable}, "c1"},
		{"exclusive code loses to exclusive code",
			[]Promotion{withCode(percentOff("x", 10, orderTarget()), "X"), withCode(percentOff("y", 20, orderTarget()), "Y")},
			[]string{"X", "Y"}, map[string]Reason{"X": ReasonNotCombinable}, "y"},
		{"second free shipping gives nothing",
			[]Promotion{withCode(combinable(freeShipping("s1", 0, orderTarget())), "S1"),
				withCode(combinable(freeShipping("s2", 0, orderTarget())), "S2")},
			[]string{"S2", "S1"}, map[string]Reason{"S2": ReasonNoDiscount}, "no further discount"},
		{"exclusive code with no items",
			[]Promotion{withCode(percentOff("x", 10, products("coat")), "X"), percentOff("y", 5, orderTarget())},
			[]string{"X"}, map[string]Reason{"X": ReasonNoEligibleItems}, "any item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kindsCart()
			c.Codes = tt.codes
			r := evaluate(t, c, tt.promos...)
			got := map[string]Reason{}
			for _, rej := range r.Rejected {
				got[rej.Code] = rej.Reason
				if !strings.Contains(rej.Message, tt.wantInMsg) {
					t.Errorf("message %q does not mention %q", rej.Message, tt.wantInMsg)
				}
			}
			if len(got) != len(tt.wantReason) {
				t.Fatalf("rejections %+v, want %v", r.Rejected, tt.wantReason)
			}
			for code, want := range tt.wantReason {
				if got[code] != want {
					t.Errorf("code %s: reason %q, want %q", code, got[code], want)
				}
			}
		})
	}
}
