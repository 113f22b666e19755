package promo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

func TestValidatePromotion(t *testing.T) {
	ok := percentOff("p", 10, orderTarget())
	tests := []struct {
		name    string
		edit    func(p *Promotion)
		wantErr string // "" means valid
	}{
		{"valid", func(p *Promotion) {}, ""},
		{"no id", func(p *Promotion) { p.ID = "" }, "id is empty"},
		{"space in code", func(p *Promotion) { p.Code = "SUMMER SALE" }, "white space"},
		{"unknown kind", func(p *Promotion) { p.Kind = "bogo" }, "unknown kind"},
		{"unknown target", func(p *Promotion) { p.Target.Type = "shop" }, "unknown target"},
		{"order with ids", func(p *Promotion) { p.Target.ProductIDs = []string{"x"} }, "order target"},
		{"products without ids", func(p *Promotion) { p.Target = Target{Type: TargetProducts} }, "products target"},
		{"collections with product", func(p *Promotion) {
			p.Target = Target{Type: TargetCollections, CollectionIDs: []string{"c"}, ProductIDs: []string{"x"}}
		}, "collections target"},
		{"empty target id", func(p *Promotion) { p.Target = products("a", "") }, "empty id"},
		{"percent zero", func(p *Promotion) { p.Percent = 0 }, "percent_off needs"},
		{"percent over 100", func(p *Promotion) { p.Percent = money.Hundred + 1 }, "percent_off needs"},
		{"percent with amount", func(p *Promotion) { p.Amount = eur(1) }, "percent_off needs"},
		{"amount zero", func(p *Promotion) { *p = amountOff("p", 0, orderTarget()) }, "amount_off needs"},
		{"amount negative", func(p *Promotion) { *p = amountOff("p", -5, orderTarget()) }, "amount_off needs"},
		{"amount unknown currency", func(p *Promotion) { *p = amountOff("p", 5, orderTarget()); p.Amount.Currency = "XXX" }, "unknown currency"},
		{"per item on percent", func(p *Promotion) { p.PerItem = true }, "per_item"},
		{"shipping negative cap", func(p *Promotion) { *p = freeShipping("p", 0, orderTarget()); p.Amount = eur(-1) }, "free_shipping needs"},
		{"bxgy no get", func(p *Promotion) { *p = bxgy("p", 2, 0, 100, orderTarget()) }, "buy_x_get_y needs"},
		{"bxgy huge", func(p *Promotion) { *p = bxgy("p", MaxQuantity+1, 1, 100, orderTarget()) }, "buy_x_get_y needs"},
		{"bxgy no percent", func(p *Promotion) { *p = bxgy("p", 2, 1, 0, orderTarget()) }, "buy_x_get_y needs"},
		{"tiered none", func(p *Promotion) { *p = tiered("p", orderTarget()) }, "at least one tier"},
		{"tiered both", func(p *Promotion) {
			*p = tiered("p", orderTarget(), Tier{Threshold: eur(100), Percent: 5, Amount: eur(1)})
		}, "either a percent"},
		{"tiered not increasing", func(p *Promotion) {
			*p = tiered("p", orderTarget(), pctTier(500, 5), pctTier(500, 10))
		}, "must exceed"},
		{"tiered mixed currency", func(p *Promotion) {
			*p = tiered("p", orderTarget(), pctTier(500, 5), Tier{Threshold: money.New(900, "USD"), Percent: 10})
		}, "other values in EUR"},
		{"min subtotal other currency", func(p *Promotion) {
			*p = amountOff("p", 5, orderTarget())
			p.Conditions.MinSubtotal = money.New(100, "USD")
		}, "other values in EUR"},
		{"ends before start", func(p *Promotion) {
			p.Conditions.StartsAt, p.Conditions.EndsAt = testNow, testNow
		}, "ends_at"},
		{"negative limit", func(p *Promotion) { p.Conditions.UsageLimit = -1 }, "usage limits"},
		{"empty channel", func(p *Promotion) { p.Conditions.Channels = []string{""} }, "channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			err := p.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidPromotion) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want ErrInvalidPromotion mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewIndexRejects(t *testing.T) {
	tests := []struct {
		name   string
		promos []Promotion
		want   string
	}{
		{"duplicate id", []Promotion{percentOff("a", 1, orderTarget()), percentOff("a", 2, orderTarget())}, "appears twice"},
		{"duplicate code", []Promotion{withCode(percentOff("a", 1, orderTarget()), "X"),
			withCode(percentOff("b", 1, orderTarget()), "x")}, "code \"x\" used by"},
		{"invalid", []Promotion{percentOff("a", 0, orderTarget())}, "percent_off needs"},
	}
	for _, tt := range tests {
		if _, err := NewIndex(tt.promos); !errors.Is(err, ErrInvalidPromotion) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: NewIndex err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestInvalidCart(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Cart)
		want string
	}{
		{"currency", func(c *Cart) { c.Currency = "EURO" }, "not an ISO 4217"},
		{"no time", func(c *Cart) { c.Now = time.Time{} }, "now"},
		{"no line id", func(c *Cart) { c.Lines[0].ID = "" }, "no id"},
		{"duplicate line id", func(c *Cart) { c.Lines[1].ID = "l1" }, "twice"},
		{"zero quantity", func(c *Cart) { c.Lines[0].Quantity = 0 }, "quantity"},
		{"line currency", func(c *Cart) { c.Lines[0].UnitPrice.Currency = "USD" }, "price is in"},
		{"negative price", func(c *Cart) { c.Lines[0].UnitPrice.Minor = -1 }, "negative"},
		{"overflow", func(c *Cart) { c.Lines[0].UnitPrice.Minor = math.MaxInt64 / 2 }, "overflow"},
		{"shipping currency", func(c *Cart) { c.Shipping = money.New(5, "USD") }, "shipping"},
		{"shipping negative", func(c *Cart) { c.Shipping = eur(-5) }, "shipping"},
		{"too many lines", func(c *Cart) {
			for i := range MaxLines {
				c.Lines = append(c.Lines, line(fmt.Sprint("x", i), "p", 1, 1))
			}
		}, "lines, at most"},
		{"too many codes", func(c *Cart) {
			c.Codes = make([]string, MaxCodes)
			c.Wallet = []string{"ONE-MORE"}
		}, "codes, at most"},
	}
	ix, err := NewIndex(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		c := kindsCart()
		tt.edit(&c)
		if _, err := ix.Evaluate(c); !errors.Is(err, ErrInvalidCart) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrInvalidCart mentioning %q", tt.name, err, tt.want)
		}
	}
}

// TestPromotionsJSON reads stored promotions, checks they round-trip
// through JSON unchanged, and evaluates them.
func TestPromotionsJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/promotions.json")
	if err != nil {
		t.Fatal(err)
	}
	var promos []Promotion
	if err := json.Unmarshal(data, &promos); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(promos)
	if err != nil {
		t.Fatal(err)
	}
	var again []Promotion
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(promos, again) {
		t.Fatalf("round trip changed promotions:\n%s", out)
	}
	c := kindsCart()
	c.Codes = []string{"welcome5"}
	c.Customer.FirstOrder = true
	r := evaluate(t, c, promos...)
	// Stack: socks buy 2 get 1 (5.00), 5.00 off for a first order, free shipping over 50.00.
	want := []string{"sock-b2g1", "welcome", "ship-50"}
	if got := appliedIDs(r); !reflect.DeepEqual(got, want) || r.Totals.Discount != eur(1500) {
		t.Errorf("applied %v discount %v, want %v and 15.00 EUR", got, r.Totals.Discount, want)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}
