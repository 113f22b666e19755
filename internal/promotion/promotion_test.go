package promotion_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func eur(minor int64) money.Amount { return money.New(minor, "EUR") }

func tenOff(code string) promo.Promotion {
	return promo.Promotion{Name: "Ten off", Code: code, Kind: promo.KindAmountOff, Amount: eur(1000),
		Target: promo.Target{Type: promo.TargetOrder}, Combinable: true}
}

func cart(codes ...string) promo.Cart {
	return promo.Cart{Currency: "EUR", Channel: "web", Codes: codes,
		Lines: []promo.Line{{ID: "l1", VariantID: "v1", ProductID: "p1", Quantity: 2, UnitPrice: eur(2500)}}}
}

func TestCreateValidatesAndNormalisesCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		p, err := svc.Create(ctx, tenOff(" summer10 "))
		if err != nil {
			t.Fatal(err)
		}
		if p.Code != "SUMMER10" || !p.Active || p.ID == "" {
			t.Fatalf("stored = %+v", p)
		}
		if _, err := svc.Create(ctx, tenOff("Summer10")); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("duplicate code: %v, want conflict", err)
		}
		bad := tenOff("X")
		bad.Amount = eur(-5)
		if _, err := svc.Create(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("negative amount: %v, want invalid", err)
		}
		got, err := svc.ByCode(ctx, db, "summer10")
		if err != nil || got.ID != p.ID {
			t.Fatalf("by code: %v %v", got.ID, err)
		}
	})
}

func TestWalletAppliesUntilUsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		p, err := svc.Create(ctx, tenOff("FB10"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Evaluate(ctx, nil, "cus_1", cart())
		if err != nil || res.Totals.Discount.Minor != 0 {
			t.Fatalf("before attach: discount %v err %v", res.Totals.Discount, err)
		}
		e, err := svc.AttachPromotion(ctx, "cus_1", "fb10", "messenger", "ad_click")
		if err != nil || e.Code != "FB10" || e.Channel != "messenger" {
			t.Fatalf("attach: %+v %v", e, err)
		}
		res, err = svc.Evaluate(ctx, nil, "cus_1", cart())
		if err != nil || res.Totals.Discount.Minor != 1000 {
			t.Fatalf("after attach: discount %v err %v, want 1000", res.Totals.Discount, err)
		}
		if res, _ := svc.Evaluate(ctx, nil, "cus_other", cart()); res.Totals.Discount.Minor != 0 {
			t.Errorf("another customer got the wallet promotion")
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return svc.RecordUsesTx(ctx, tx, "cus_1", "ord_1", res.Applied)
		})
		if err != nil {
			t.Fatal(err)
		}
		if res, _ := svc.Evaluate(ctx, nil, "cus_1", cart()); res.Totals.Discount.Minor != 0 {
			t.Errorf("used wallet promotion still applies: %v", res.Totals.Discount)
		}
		st, _ := svc.Get(ctx, p.ID)
		if st.UsageCount != 1 {
			t.Errorf("usage count %d, want 1", st.UsageCount)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return svc.ReleaseUsesTx(ctx, tx, "ord_1") }); err != nil {
			t.Fatal(err)
		}
		if res, _ := svc.Evaluate(ctx, nil, "cus_1", cart()); res.Totals.Discount.Minor != 1000 {
			t.Errorf("released wallet promotion does not apply again: %v", res.Totals.Discount)
		}
	})
}

func TestAttachRefusesWhatCannotApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		expired := tenOff("OLD")
		expired.Conditions.EndsAt = time.Now().Add(-time.Hour)
		exhausted := tenOff("GONE")
		exhausted.Conditions.UsageLimit = 1
		auto := tenOff("")
		for _, p := range []promo.Promotion{expired, exhausted, auto} {
			if _, err := svc.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		gone, _ := svc.ByCode(ctx, db, "GONE")
		db.InTx(ctx, func(tx *store.Tx) error {
			return svc.RecordUsesTx(ctx, tx, "cus_x", "ord_x", []promo.Applied{{PromotionID: gone.ID}})
		})
		all, _ := svc.List(ctx)
		var autoID string
		for _, p := range all {
			if p.Code == "" {
				autoID = p.ID
			}
		}
		tests := []struct {
			code string
			want apperr.Code
		}{
			{"NOPE", apperr.Invalid},
			{"old", apperr.Invalid},
			{"GONE", apperr.Conflict},
			{autoID, apperr.Invalid},
			{"", apperr.Invalid},
		}
		for _, tc := range tests {
			_, err := svc.AttachPromotion(ctx, "cus_1", tc.code, "web", "api")
			if apperr.CodeOf(err) != tc.want {
				t.Errorf("attach %q: err %v, want %s", tc.code, err, tc.want)
			}
		}
		w, _ := svc.Wallet(ctx, nil, "cus_1")
		if len(w) != 0 {
			t.Errorf("wallet holds %v after refusals", w)
		}
	})
}

func TestUsageLimitHoldsUnderRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		p := tenOff("LAST3")
		p.Conditions.UsageLimit = 3
		st, err := svc.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var ok, conflict atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.InTx(ctx, func(tx *store.Tx) error {
					return svc.RecordUsesTx(ctx, tx, "cus", "ord_"+string(rune('a'+i)), []promo.Applied{{PromotionID: st.ID, Code: "LAST3"}})
				})
				if err == nil {
					ok.Add(1)
				} else if apperr.CodeOf(err) == apperr.Conflict {
					conflict.Add(1)
				} else {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 3 || conflict.Load() != 17 {
			t.Fatalf("%d uses recorded, %d refused; want 3 and 17", ok.Load(), conflict.Load())
		}
		res, _ := svc.Evaluate(ctx, nil, "cus_new", cart("LAST3"))
		if len(res.Rejected) != 1 || res.Rejected[0].Reason != promo.ReasonUsageExhausted {
			t.Fatalf("rejections %+v, want usage_exhausted", res.Rejected)
		}
	})
}

func TestWalletMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		svc.Create(ctx, tenOff("A"))
		svc.Create(ctx, tenOff("B"))
		svc.AttachPromotion(ctx, "anon", "A", "messenger", "ad_click")
		svc.AttachPromotion(ctx, "anon", "B", "email", "email_link")
		svc.AttachPromotion(ctx, "known", "B", "web", "storefront")
		if err := db.InTx(ctx, func(tx *store.Tx) error { return svc.MergeTx(ctx, tx, "anon", "known") }); err != nil {
			t.Fatal(err)
		}
		w, _ := svc.Wallet(ctx, nil, "known")
		if len(w) != 2 {
			t.Fatalf("merged wallet = %+v, want A and B", w)
		}
		if left, _ := svc.Wallet(ctx, nil, "anon"); len(left) != 0 {
			t.Errorf("merged-away wallet still holds %v", left)
		}
	})
}

func TestCodeFromEvent(t *testing.T) {
	tests := []struct {
		name, payload, code, source string
	}{
		{"property", `{"type":"track","event":"Promotion Clicked","properties":{"promotion_code":"FB10"}}`, "FB10", "event"},
		{"ad campaign", `{"properties":{"promotion":"FB10"},"context":{"campaign":{"source":"facebook","medium":"paid_social"}}}`, "FB10", "ad_click"},
		{"utm_promotion", `{"context":{"campaign":{"name":"summer","medium":"cpc","promotion":"SUMMER"}}}`, "SUMMER", "ad_click"},
		{"landing url", `{"type":"page","context":{"page":{"url":"https://shop.example/p/mug?utm_source=fb&omni_promo=MUG5"}}}`, "MUG5", "landing_url"},
		{"email link", `{"properties":{"url":"https://shop.example/?omni_promo=NEWS"},"context":{"campaign":{"medium":"email"}}}`, "NEWS", "email_link"},
		{"nothing", `{"properties":{"revenue":3}}`, "", ""},
		{"not json", `{`, "", ""},
	}
	for _, tc := range tests {
		code, source, ok := promotion.CodeFromEvent([]byte(tc.payload))
		if code != tc.code || source != tc.source || ok != (tc.code != "") {
			t.Errorf("%s: got %q %q %v, want %q %q", tc.name, code, source, ok, tc.code, tc.source)
		}
	}
}

// Evaluation reads the usage counts only when an active promotion limits
// them, and then reads them: a per-customer limit holds for the customer
// who used the promotion and for nobody else, whether the inputs are read
// with the evaluation or before it.
func TestPerCustomerLimitHoldsWithInputsReadFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := promotion.NewService(db, promotion.Options{})
		if _, err := svc.Create(ctx, tenOff("WELCOME")); err != nil {
			t.Fatal(err)
		}
		p := tenOff("ONCE")
		p.Conditions.UsageLimitPerCustomer = 1
		st, err := svc.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return svc.RecordUsesTx(ctx, tx, "cus_used", "ord_1", []promo.Applied{{PromotionID: st.ID, Code: "ONCE"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			customer string
			want     promo.Reason // "" when ONCE applies
		}{{"cus_used", promo.ReasonCustomerLimit}, {"cus_other", ""}} {
			in, err := svc.Inputs(ctx, nil, tc.customer, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			first, err := svc.EvaluateInputs(ctx, in, cart("ONCE"))
			if err != nil {
				t.Fatal(err)
			}
			direct, err := svc.Evaluate(ctx, nil, tc.customer, cart("ONCE"))
			if err != nil {
				t.Fatal(err)
			}
			for name, res := range map[string]promo.Result{"inputs first": first, "evaluate": direct} {
				var got promo.Reason
				if len(res.Rejected) > 0 {
					got = res.Rejected[0].Reason
				}
				if got != tc.want {
					t.Errorf("%s, %s: rejection %q, want %q (result %+v)", tc.customer, name, got, tc.want, res.Rejected)
				}
			}
		}
	})
}
