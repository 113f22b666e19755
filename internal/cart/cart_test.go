package cart_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestOneCartOnEveryChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cid := w.visitor(t, "phone-1")
		if _, err := w.carts.AddItem(ctx, cid, "app", item("MUG", 2)); err != nil {
			t.Fatal(err)
		}
		v, err := w.carts.AddItem(ctx, cid, "web", item("TEE", 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Lines) != 2 || v.Totals.Subtotal != 2*1200+2000 || v.Currency != "EUR" || v.UpdatedChannel != "web" {
			t.Fatalf("web view = %+v", v)
		}
		if v.Lines[0].AddedChannel != "app" || v.Lines[1].AddedChannel != "web" {
			t.Errorf("line channels = %s, %s", v.Lines[0].AddedChannel, v.Lines[1].AddedChannel)
		}
		// At the counter: the same cart at POS prices; the tee is web/app only.
		pos, err := w.carts.View(ctx, cid, "pos")
		if err != nil {
			t.Fatal(err)
		}
		if pos.ID != v.ID || pos.Lines[0].UnitPrice != 1000 || pos.Lines[1].Problem == "" || pos.Totals.Subtotal != 2000 {
			t.Fatalf("pos view = %+v", pos)
		}
		page, err := w.customers.Timeline(ctx, cid, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		var cartEvents []string
		for _, e := range page.Events {
			if e.Type == "cart" {
				cartEvents = append(cartEvents, e.Name+"@"+e.Channel)
			}
		}
		if len(cartEvents) != 2 || cartEvents[0] != "Product Added@web" || cartEvents[1] != "Product Added@app" {
			t.Errorf("timeline cart events = %v", cartEvents)
		}
	})
}

func TestBadChangesLeaveTheCartUnchanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cid := w.visitor(t, "v")
		expired := promo.Promotion{Name: "Old", Code: "OLD", Kind: promo.KindPercentOff, Percent: 1000,
			Conditions: promo.Conditions{EndsAt: time.Now().Add(-time.Hour)}}
		posOnly := promo.Promotion{Name: "Counter", Code: "COUNTER", Kind: promo.KindPercentOff, Percent: 1000,
			Conditions: promo.Conditions{Channels: []string{"pos"}}}
		for _, p := range []promo.Promotion{expired, posOnly} {
			if _, err := w.promos.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		before, err := w.carts.AddItem(ctx, cid, "web", item("MUG", 1))
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			do   func() error
			code apperr.Code
		}{
			{"unknown sku", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("NOPE", 1)); return err }, apperr.Invalid},
			{"zero quantity", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("MUG", 0)); return err }, apperr.Invalid},
			{"negative quantity", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("MUG", -3)); return err }, apperr.Invalid},
			{"absurd quantity", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("MUG", 1_000_000)); return err }, apperr.Invalid},
			{"more than stock", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("MUG", 10)); return err }, apperr.Unprocessable},
			{"not on channel", func() error { _, err := w.carts.AddItem(ctx, cid, "pos", item("TEE", 1)); return err }, apperr.Unprocessable},
			{"currency mismatch", func() error { _, err := w.carts.AddItem(ctx, cid, "web", item("CAP", 1)); return err }, apperr.Invalid},
			{"unknown channel", func() error { _, err := w.carts.AddItem(ctx, cid, "fax", item("MUG", 1)); return err }, apperr.Invalid},
			{"unknown code", func() error { _, err := w.carts.AddCode(ctx, cid, "web", "NOSUCH"); return err }, apperr.Invalid},
			{"expired code", func() error { _, err := w.carts.AddCode(ctx, cid, "web", "old"); return err }, apperr.Invalid},
			{"code for another channel", func() error { _, err := w.carts.AddCode(ctx, cid, "web", "COUNTER"); return err }, apperr.Invalid},
			{"set quantity of absent item", func() error { _, err := w.carts.SetQuantity(ctx, cid, "web", item("TEE", 1)); return err }, apperr.NotFound},
			{"unknown customer", func() error { _, err := w.carts.AddItem(ctx, "cus_nobody", "web", item("MUG", 1)); return err }, apperr.NotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.do()
				e, ok := apperr.As(err)
				if !ok || e.Code != tc.code || e.Message == "" {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				after, err := w.carts.View(ctx, cid, "web")
				if err != nil {
					t.Fatal(err)
				}
				if after.Version != before.Version || len(after.Lines) != 1 || after.Lines[0].Quantity != 1 || len(after.Codes) != 0 {
					t.Fatalf("cart changed: %+v", after)
				}
			})
		}
	})
}

func TestCodesAndWalletExplainEveryLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cid := w.visitor(t, "v")
		mugs := promo.Promotion{Name: "Mugs 25% off", Code: "MUGS25", Kind: promo.KindPercentOff, Percent: 2500,
			Target: promo.Target{Type: promo.TargetProducts, ProductIDs: []string{w.mug.ID}}, Combinable: true}
		big := promo.Promotion{Name: "5 off over 100", Code: "BIG5", Kind: promo.KindAmountOff, Amount: money.New(500, "EUR"),
			Conditions: promo.Conditions{MinSubtotal: money.New(10000, "EUR")}, Combinable: true}
		fb := promo.Promotion{Name: "Facebook 2 off", Code: "FB2", Kind: promo.KindAmountOff, Amount: money.New(200, "EUR"), Combinable: true}
		for _, p := range []promo.Promotion{mugs, big, fb} {
			if _, err := w.promos.Create(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		w.carts.AddItem(ctx, cid, "web", item("MUG", 2))
		w.carts.AddItem(ctx, cid, "web", item("TEE", 1))
		if _, err := w.carts.AddCode(ctx, cid, "web", "mugs25"); err != nil {
			t.Fatal(err)
		}
		// BIG5 waits for a bigger cart: kept, and explained.
		if _, err := w.carts.AddCode(ctx, cid, "app", "BIG5"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.promos.AttachPromotion(ctx, cid, "FB2", "messenger", "ad_click"); err != nil {
			t.Fatal(err)
		}
		v, err := w.carts.View(ctx, cid, "web")
		if err != nil {
			t.Fatal(err)
		}
		// 2 mugs: 2400 − 25% = 600 off; FB2 200 spread over the lines.
		if v.Totals.Subtotal != 4400 || v.Totals.Discount != 800 || v.Totals.Total != 3600 {
			t.Fatalf("totals = %+v", v.Totals)
		}
		if len(v.Lines[0].Adjustments) == 0 || v.Lines[0].Adjustments[0].Reason == "" {
			t.Errorf("mug line has no explained adjustment: %+v", v.Lines[0])
		}
		if len(v.Rejected) != 1 || v.Rejected[0].Code != "BIG5" || v.Rejected[0].Reason != promo.ReasonMinSubtotalNotMet ||
			v.Rejected[0].Missing.Minor != 10000-4400 {
			t.Errorf("rejected = %+v", v.Rejected)
		}
		js, _ := json.Marshal(v)
		if len(js) == 0 {
			t.Fatal("view does not encode")
		}
	})
}

func TestMergeCombinesCartsUpToStock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		phone := w.visitor(t, "phone")
		home := w.visitor(t, "home")
		w.carts.AddItem(ctx, phone, "app", item("MUG", 6))
		w.carts.AddItem(ctx, phone, "app", item("TEE", 1))
		w.carts.AddItem(ctx, home, "web", item("MUG", 7)) // 6 + 7 > 10 in stock
		if _, err := w.promos.Create(ctx, promo.Promotion{Name: "Ten", Code: "TEN", Kind: promo.KindPercentOff, Percent: 1000, Combinable: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.carts.AddCode(ctx, phone, "app", "TEN"); err != nil {
			t.Fatal(err)
		}
		email, _ := identity.New(identity.Email, "ann@example.com")
		phoneID, _ := identity.New(identity.AnonymousID, "phone")
		homeID, _ := identity.New(identity.AnonymousID, "home")
		if _, err := w.ids.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{phoneID, email}, Channel: "app"}); err != nil {
			t.Fatal(err)
		}
		res, err := w.ids.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{homeID, email}, Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Merged) != 1 {
			t.Fatalf("merges = %+v, want one", res.Merged)
		}
		v, err := w.carts.View(ctx, home, "web") // the old id leads to the survivor
		if err != nil {
			t.Fatal(err)
		}
		qty := map[string]int64{}
		for _, l := range v.Lines {
			qty[l.SKU] = l.Quantity
		}
		if qty["MUG"] != 10 || qty["TEE"] != 1 || len(v.Codes) != 1 || v.Codes[0] != "TEN" || v.Totals.Discount == 0 {
			t.Fatalf("merged cart: quantities %v codes %v discount %d", qty, v.Codes, v.Totals.Discount)
		}
	})
}

func TestMergedQuantity(t *testing.T) {
	tests := []struct{ a, b, avail, want int64 }{
		{2, 3, 10, 5},
		{6, 7, 10, 10},
		{6, 7, 4, 7}, // never below what either cart held
		{900, 900, 5000, cart.MaxQuantity},
	}
	for _, tc := range tests {
		if got := cart.MergedQuantity(tc.a, tc.b, tc.avail); got != tc.want {
			t.Errorf("MergedQuantity(%d, %d, %d) = %d, want %d", tc.a, tc.b, tc.avail, got, tc.want)
		}
	}
}

func TestConcurrentChannelsShareOneCart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		cid := w.visitor(t, "v")
		var wg sync.WaitGroup
		channels := []string{"web", "app", "chat", "pos", "messenger"}
		for _, ch := range channels {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.carts.AddItem(ctx, cid, ch, cart.Item{VariantRef: catalog.VariantRef{SKU: "MUG"}, Quantity: 1}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		v, err := w.carts.View(ctx, cid, "web")
		if err != nil || len(v.Lines) != 1 || v.Lines[0].Quantity != int64(len(channels)) {
			t.Fatalf("cart after concurrent adds: %+v %v", v.Lines, err)
		}
	})
}
