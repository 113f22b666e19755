package cart_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// Two cart services on one database stand for two nodes: each remembers
// the carts it changed, and a change made by the other, or one refused,
// must never be hidden by what it remembers. The answer to every change is
// the cart as stored.
func TestChangesAnswerTheStoredCartAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		other := cart.NewService(db, cart.Deps{Catalog: w.cat, Stock: w.inv, Promotions: w.promos,
			Timeline: w.customers, Customers: w.ids})
		cid := w.visitor(t, "two-nodes")
		steps := []struct {
			node *cart.Service
			do   func(s *cart.Service) (cart.View, error)
		}{
			{w.carts, func(s *cart.Service) (cart.View, error) { return s.AddItem(ctx, cid, "web", item("MUG", 1)) }},
			{other, func(s *cart.Service) (cart.View, error) { return s.AddItem(ctx, cid, "app", item("TEE", 1)) }},
			{w.carts, func(s *cart.Service) (cart.View, error) { return s.AddItem(ctx, cid, "web", item("MUG", 2)) }},
			{other, func(s *cart.Service) (cart.View, error) { return s.SetQuantity(ctx, cid, "app", item("TEE", 0)) }},
			{w.carts, func(s *cart.Service) (cart.View, error) { return s.AddItem(ctx, cid, "web", item("TEE", 2)) }},
			{other, func(s *cart.Service) (cart.View, error) { return s.Clear(ctx, cid, "app") }},
			{w.carts, func(s *cart.Service) (cart.View, error) { return s.AddItem(ctx, cid, "web", item("TEE", 1)) }},
		}
		for i, st := range steps {
			got, err := st.do(st.node)
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			assertStored(t, w, cid, i, got)
		}
		// A refused change (more than in stock) leaves nothing remembered
		// that was not stored.
		if _, err := w.carts.AddItem(ctx, cid, "web", item("TEE", 50)); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Fatalf("add beyond stock: %v, want unprocessable", err)
		}
		got, err := w.carts.AddItem(ctx, cid, "web", item("MUG", 1))
		if err != nil {
			t.Fatal(err)
		}
		assertStored(t, w, cid, len(steps), got)
	})
}

// assertStored compares a change's answer with the cart read afresh.
func assertStored(t *testing.T, w *world, cid string, step int, got cart.View) {
	t.Helper()
	want, err := cart.NewService(w.db, cart.Deps{Catalog: w.cat, Stock: w.inv, Promotions: w.promos}).View(context.Background(), cid, "web")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != want.Version || len(got.Lines) != len(want.Lines) || got.Totals != want.Totals {
		t.Fatalf("step %d: answer v%d %d lines %+v; stored v%d %d lines %+v", step, got.Version, len(got.Lines), got.Totals,
			want.Version, len(want.Lines), want.Totals)
	}
	for i := range got.Lines {
		g, s := got.Lines[i], want.Lines[i]
		if g.VariantID != s.VariantID || g.Quantity != s.Quantity || g.AddedChannel != s.AddedChannel || g.UpdatedChannel != s.UpdatedChannel {
			t.Errorf("step %d, line %d: answer %+v, stored %+v", step, i, g, s)
		}
	}
}

// More changes at once than PostgreSQL's pool has connections, before any
// promotion index exists: a change reads its pricing inputs inside its
// transaction, and must not wait there for a connection that the others
// hold.
func TestConcurrentChangesWithAColdPromotionIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if _, err := w.promos.Create(context.Background(), promo.Promotion{Name: "Mugs", Kind: promo.KindPercentOff, Percent: 1000,
			Target: promo.Target{Type: promo.TargetProducts, ProductIDs: []string{w.mug.ID}}}); err != nil {
			t.Fatal(err)
		}
		const n = 48
		customers := make([]string, n)
		for i := range customers {
			customers[i] = w.visitor(t, fmt.Sprintf("cold-%d", i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		fresh := cart.NewService(db, cart.Deps{Catalog: w.cat, Stock: w.inv,
			Promotions: promotion.NewService(db, promotion.Options{}), Timeline: w.customers, Customers: w.ids})
		var wg sync.WaitGroup
		for _, cid := range customers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := fresh.AddItem(ctx, cid, "web", item("MUG", 1))
				if err != nil {
					t.Error(err)
					return
				}
				if v.Totals.Discount != 120 {
					t.Errorf("discount %d, want 120 (10%% of 12.00)", v.Totals.Discount)
				}
			}()
		}
		wg.Wait()
	})
}
