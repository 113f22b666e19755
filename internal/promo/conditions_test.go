package promo

import (
	"slices"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

func TestCodeConditions(t *testing.T) {
	base := func() Promotion { return withCode(percentOff("save", 10, orderTarget()), "SAVE10") }
	tests := []struct {
		name        string
		edit        func(p *Promotion, c *Cart)
		wantReason  Reason // "" means the code applies
		wantMissing int64
	}{
		{"applies", func(p *Promotion, c *Cart) {}, "", 0},
		{"unknown code", func(p *Promotion, c *Cart) { c.Codes = []string{"NOPE"} }, ReasonUnknownCode, 0},
		{"lower case code", func(p *Promotion, c *Cart) { c.Codes = []string{" save10 "} }, "", 0},
		{"currency mismatch", func(p *Promotion, c *Cart) {
			p.Conditions.MinSubtotal = money.New(100, "USD")
		}, ReasonCurrencyMismatch, 0},
		{"not started", func(p *Promotion, c *Cart) { p.Conditions.StartsAt = testNow.Add(time.Hour) }, ReasonNotStarted, 0},
		{"starts now", func(p *Promotion, c *Cart) { p.Conditions.StartsAt = testNow }, "", 0},
		{"expired at end", func(p *Promotion, c *Cart) { p.Conditions.EndsAt = testNow }, ReasonExpired, 0},
		{"ends later", func(p *Promotion, c *Cart) { p.Conditions.EndsAt = testNow.Add(time.Nanosecond) }, "", 0},
		{"wrong channel", func(p *Promotion, c *Cart) { p.Conditions.Channels = []string{"pos", "app"} }, ReasonWrongChannel, 0},
		{"channel listed", func(p *Promotion, c *Cart) { p.Conditions.Channels = []string{"pos", "WEB"} }, "", 0},
		{"usage exhausted", func(p *Promotion, c *Cart) {
			p.Conditions.UsageLimit = 100
			c.Customer.TotalUses = map[string]int64{"save": 100}
		}, ReasonUsageExhausted, 0},
		{"usage left", func(p *Promotion, c *Cart) {
			p.Conditions.UsageLimit = 100
			c.Customer.TotalUses = map[string]int64{"save": 99}
		}, "", 0},
		{"customer limit", func(p *Promotion, c *Cart) {
			p.Conditions.UsageLimitPerCustomer = 1
			c.Customer.Uses = map[string]int64{"save": 1}
		}, ReasonCustomerLimit, 0},
		{"customer limit other promotion", func(p *Promotion, c *Cart) {
			p.Conditions.UsageLimitPerCustomer = 1
			c.Customer.Uses = map[string]int64{"other": 1}
		}, "", 0},
		{"first order only", func(p *Promotion, c *Cart) { p.Conditions.FirstOrderOnly = true }, ReasonFirstOrderOnly, 0},
		{"first order", func(p *Promotion, c *Cart) {
			p.Conditions.FirstOrderOnly = true
			c.Customer.FirstOrder = true
		}, "", 0},
		{"min subtotal not met", func(p *Promotion, c *Cart) { p.Conditions.MinSubtotal = eur(10000) }, ReasonMinSubtotalNotMet, 3000},
		{"min subtotal met", func(p *Promotion, c *Cart) { p.Conditions.MinSubtotal = eur(7000) }, "", 0},
		{"no eligible items", func(p *Promotion, c *Cart) {
			p.Target = products("coat")
		}, ReasonNoEligibleItems, 0},
		{"nothing to discount", func(p *Promotion, c *Cart) {
			*p = withCode(freeShipping("save", 0, orderTarget()), "SAVE10")
			c.Shipping = money.Amount{}
		}, ReasonNoDiscount, 0},
		{"tier not reached", func(p *Promotion, c *Cart) {
			*p = withCode(tiered("save", collections("acc"), pctTier(5000, 10)), "SAVE10")
		}, ReasonMinSubtotalNotMet, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := base(), kindsCart()
			c.Codes = []string{"SAVE10"}
			tt.edit(&p, &c)
			r := evaluate(t, c, p)
			if tt.wantReason == "" {
				if len(r.Rejected) != 0 || !slices.Equal(appliedIDs(r), []string{"save"}) {
					t.Fatalf("applied %v rejected %+v, want save applied", appliedIDs(r), r.Rejected)
				}
				return
			}
			if len(r.Applied) != 0 || len(r.Rejected) != 1 {
				t.Fatalf("applied %v rejected %+v, want one rejection", appliedIDs(r), r.Rejected)
			}
			rej := r.Rejected[0]
			if rej.Reason != tt.wantReason || rej.Missing.Minor != tt.wantMissing || rej.Code != c.Codes[0] || rej.Message == "" {
				t.Errorf("rejection %+v, want reason %s missing %d", rej, tt.wantReason, tt.wantMissing)
			}
			if wantID := "save"; tt.wantReason == ReasonUnknownCode {
				if rej.PromotionID != "" {
					t.Errorf("unknown code names promotion %q", rej.PromotionID)
				}
			} else if rej.PromotionID != wantID {
				t.Errorf("rejection promotion %q, want %q", rej.PromotionID, wantID)
			}
		})
	}
}

func TestRejectionMessages(t *testing.T) {
	p := withCode(percentOff("save", 10, orderTarget()), "SAVE")
	p.Conditions.MinSubtotal = eur(10000)
	c := kindsCart()
	c.Codes = []string{"save"}
	r := evaluate(t, c, p)
	want := "add 30.00 EUR more to use code save (minimum 100.00 EUR)"
	if len(r.Rejected) != 1 || r.Rejected[0].Message != want || r.Rejected[0].Missing != eur(3000) {
		t.Errorf("rejected = %+v, want message %q", r.Rejected, want)
	}
}

func TestCodesAndWallet(t *testing.T) {
	promos := []Promotion{
		withCode(percentOff("a", 10, products("shirt")), "Shirt10"),
		withCode(combinable(percentOff("b", 10, products("hat"))), "HAT10"),
		withCode(percentOff("c", 10, products("sock")), "SOCK10"),
		combinable(percentOff("auto-exp", 50, orderTarget())),
	}
	promos[0].Combinable = true
	promos[3].Conditions.EndsAt = testNow // expired automatic: never listed
	c := kindsCart()
	c.Codes = []string{"shirt10", "bogus"}
	c.Wallet = []string{"SHIRT10", "hat10"}
	r := evaluate(t, c, promos...)
	if got := appliedIDs(r); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("applied %v, want [a b] (code promotions need their code, wallet counts)", got)
	}
	if len(r.Rejected) != 1 || r.Rejected[0].Code != "bogus" || r.Rejected[0].FromWallet {
		t.Errorf("rejected = %+v, want only the entered bogus code", r.Rejected)
	}
	c.Codes = nil
	c.Wallet = []string{"SOCK10", "nope"}
	r = evaluate(t, c, promos...)
	if len(r.Rejected) != 1 || !r.Rejected[0].FromWallet || r.Rejected[0].Reason != ReasonUnknownCode {
		t.Errorf("rejected = %+v, want the wallet's unknown code", r.Rejected)
	}
}

func TestAutomaticNeedsNoCode(t *testing.T) {
	auto := percentOff("auto", 10, orderTarget())
	auto.Conditions.Channels = []string{"pos"}
	c := kindsCart()
	r := evaluate(t, c, auto)
	if len(r.Applied) != 0 || len(r.Rejected) != 0 {
		t.Fatalf("web cart: applied %v rejected %+v, want neither", appliedIDs(r), r.Rejected)
	}
	c.Channel = "pos"
	r = evaluate(t, c, auto)
	if !slices.Equal(appliedIDs(r), []string{"auto"}) || r.Totals.Discount != eur(700) {
		t.Errorf("pos cart: applied %v discount %v", appliedIDs(r), r.Totals.Discount)
	}
}
