package inventory_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

type fixture struct {
	inv               *inventory.Service
	db                *store.DB
	variant, variant2 string
	warehouse, shop   inventory.Location
}

func setup(t *testing.T, db *store.DB) fixture {
	t.Helper()
	ctx := context.Background()
	p, err := catalog.NewService(db).CreateProduct(ctx, catalog.ProductInput{Title: "Mug", Variants: []catalog.VariantInput{
		{SKU: "MUG-1", Price: 1200, Currency: "EUR"}, {SKU: "MUG-2", Price: 1200, Currency: "EUR"}}})
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.NewService(db)
	wh, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "paris", Name: "Paris shop", Kind: inventory.Shop,
		PickupEnabled: true, Address: inventory.Address{Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "fr"},
		OpeningHours: []inventory.Hours{{Day: "mon", Opens: "09:00", Closes: "19:00"}}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{inv: inv, db: db, variant: p.Variants[0].ID, variant2: p.Variants[1].ID, warehouse: wh, shop: shop}
}

func TestReserveConsumeRelease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if f.shop.Address.Country != "FR" || !f.shop.PickupEnabled || f.shop.Ships || !f.warehouse.Ships {
			t.Fatalf("shop = %+v", f.shop)
		}
		if _, err := f.inv.SetStock(ctx, f.variant, f.shop.ID, 5); err != nil {
			t.Fatal(err)
		}
		level := func() inventory.Level {
			l, err := f.inv.Levels(ctx, []string{f.variant}, f.shop.ID)
			if err != nil || len(l) != 1 {
				t.Fatalf("levels %v %v", l, err)
			}
			return l[0]
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.inv.ReserveTx(ctx, tx, "ord_1", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 2}, {VariantID: f.variant, Quantity: 1}}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if l := level(); l.OnHand != 5 || l.Reserved != 3 || l.Available != 2 {
			t.Fatalf("after reserve: %+v", l)
		}
		if _, err := f.inv.SetStock(ctx, f.variant, f.shop.ID, 2); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Errorf("setting on hand below reserved: err %v, want unprocessable", err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := f.inv.ConsumeTx(ctx, tx, "ord_1"); return err }); err != nil {
			t.Fatal(err)
		}
		if l := level(); l.OnHand != 2 || l.Reserved != 0 {
			t.Fatalf("after consume: %+v", l)
		}
		// Releasing a consumed reservation changes nothing.
		err = db.InTx(ctx, func(tx *store.Tx) error {
			n, err := f.inv.ReleaseTx(ctx, tx, "ord_1")
			if n != 0 {
				t.Errorf("released %d consumed reservations", n)
			}
			return err
		})
		if err != nil || level().OnHand != 2 {
			t.Fatalf("release after consume: %v %+v", err, level())
		}
	})
}

func TestShortageRollsBackTheWholeReservation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.inv.SetStock(ctx, f.variant, f.shop.ID, 3)
		f.inv.SetStock(ctx, f.variant2, f.shop.ID, 1)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.inv.ReserveTx(ctx, tx, "ord_2", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 2}, {VariantID: f.variant2, Quantity: 2}}, nil)
			return err
		})
		se, ok := inventory.AsShortage(err)
		if !ok || apperr.CodeOf(err) != apperr.Unprocessable || se.Requested != 2 || se.Available != 1 {
			t.Fatalf("err = %v, want shortage of 2 with 1 available", err)
		}
		levels, _ := f.inv.Levels(ctx, nil, f.shop.ID)
		for _, l := range levels {
			if l.Reserved != 0 {
				t.Errorf("reservation left behind: %+v", l)
			}
		}
	})
}

func TestShippingReservationUsesPriorityAndSkipsShops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		second, err := f.inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh2", Name: "Second", Kind: inventory.Warehouse, Priority: 5})
		if err != nil {
			t.Fatal(err)
		}
		f.inv.SetStock(ctx, f.variant, f.shop.ID, 10)     // shops do not ship
		f.inv.SetStock(ctx, f.variant, f.warehouse.ID, 1) // priority 0 but too few
		f.inv.SetStock(ctx, f.variant, second.ID, 4)
		var got []inventory.Reservation
		err = db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			got, err = f.inv.ReserveForShippingTx(ctx, tx, "ord_3", []inventory.Line{{VariantID: f.variant, Quantity: 3}}, nil)
			return err
		})
		if err != nil || len(got) != 1 || got[0].LocationID != second.ID {
			t.Fatalf("reservations %+v err %v, want one at %s", got, err, second.ID)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.inv.ReserveForShippingTx(ctx, tx, "ord_4", []inventory.Line{{VariantID: f.variant, Quantity: 3}}, nil)
			return err
		})
		if se, ok := inventory.AsShortage(err); !ok || se.Available != 2 {
			t.Fatalf("err = %v, want shortage with 2 available across shipping locations", err)
		}
	})
}

func TestExpiredReservationsAreFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.inv.SetStock(ctx, f.variant, f.shop.ID, 2)
		past := time.Now().Add(-time.Minute)
		future := time.Now().Add(time.Hour)
		db.InTx(ctx, func(tx *store.Tx) error {
			f.inv.ReserveTx(ctx, tx, "ord_old", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 1}}, &past)
			f.inv.ReserveTx(ctx, tx, "ord_new", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 1}}, &future)
			return nil
		})
		refs, err := f.inv.ExpiredRefs(ctx, time.Now(), 10)
		if err != nil || len(refs) != 1 || refs[0] != "ord_old" {
			t.Fatalf("expired = %v (err %v), want [ord_old]", refs, err)
		}
	})
}

func TestRestockCreatesStockAtTheReturnLocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return f.inv.RestockTx(ctx, tx, "ret_1", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 2}})
		})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := f.inv.Levels(ctx, []string{f.variant}, f.shop.ID)
		if len(l) != 1 || l[0].OnHand != 2 {
			t.Fatalf("levels %+v", l)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			return f.inv.SellTx(ctx, tx, "pos_1", f.shop.ID, []inventory.Line{{VariantID: f.variant, Quantity: 3}})
		})
		if se, ok := inventory.AsShortage(err); !ok || se.Available != 2 {
			t.Fatalf("selling 3 of 2: err %v", err)
		}
	})
}

// TestLastUnitGoesToExactlyOneBuyer races 50 transactions for one unit.
func TestLastUnitGoesToExactlyOneBuyer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, err := f.inv.SetStock(ctx, f.variant, f.shop.ID, 1); err != nil {
			t.Fatal(err)
		}
		const buyers = 50
		var ok, short atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range buyers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := db.InTx(ctx, func(tx *store.Tx) error {
					_, err := f.inv.ReserveTx(ctx, tx, "ord_race_"+string(rune('a'+i%26))+string(rune('a'+i/26)), f.shop.ID,
						[]inventory.Line{{VariantID: f.variant, Quantity: 1}}, nil)
					return err
				})
				switch _, isShort := inventory.AsShortage(err); {
				case err == nil:
					ok.Add(1)
				case isShort:
					short.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || short.Load() != buyers-1 {
			t.Fatalf("%d succeeded, %d out of stock; want 1 and %d", ok.Load(), short.Load(), buyers-1)
		}
		l, _ := f.inv.Levels(ctx, []string{f.variant}, f.shop.ID)
		if l[0].Reserved != 1 || l[0].Available != 0 {
			t.Fatalf("level after race: %+v", l[0])
		}
	})
}

func TestInvalidLocations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		inv := inventory.NewService(db)
		tests := []struct {
			name  string
			in    inventory.LocationInput
			field string
		}{
			{"bad code", inventory.LocationInput{Code: "A B", Name: "x", Kind: "shop"}, "code"},
			{"no name", inventory.LocationInput{Code: "a", Kind: "shop"}, "name"},
			{"bad kind", inventory.LocationInput{Code: "a", Name: "x", Kind: "depot"}, "kind"},
			{"pickup without address", inventory.LocationInput{Code: "a", Name: "x", Kind: "shop", PickupEnabled: true}, "address"},
			{"bad hours", inventory.LocationInput{Code: "a", Name: "x", Kind: "shop",
				OpeningHours: []inventory.Hours{{Day: "mon", Opens: "18:00", Closes: "09:00"}}}, "opening_hours[0]"},
		}
		for _, tc := range tests {
			_, err := inv.CreateLocation(context.Background(), tc.in)
			if e, ok := apperr.As(err); !ok || e.Field != tc.field {
				t.Errorf("%s: err %v, want invalid %s", tc.name, err, tc.field)
			}
		}
	})
}

func TestLocationCodeLookupIgnoresCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := inventory.NewService(db)
		loc, err := s.CreateLocation(ctx, inventory.LocationInput{Code: "SHOP-LYON", Name: "Lyon", Kind: "shop",
			Address: inventory.Address{Line1: "1 rue", City: "Lyon", PostalCode: "69001", Country: "FR"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{"SHOP-LYON", "shop-lyon", " Shop-Lyon ", loc.ID} {
			if got, err := s.Location(ctx, ref); err != nil || got.ID != loc.ID {
				t.Errorf("Location(%q) = %v, %v; want %s", ref, got.ID, err, loc.ID)
			}
		}
	})
}
