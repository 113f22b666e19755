package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

var (
	october  = analytics.Period{From: analytics.DayOf(analyticstest.At(time.October, 1, 0, 0).UnixMilli()), To: analytics.DayOf(analyticstest.At(time.November, 1, 0, 0).UnixMilli())}
	november = analytics.Period{From: october.To, To: october.To + 30}
	fixedNow = func() time.Time { return analyticstest.At(time.December, 1, 0, 0) }
)

// loadScenario stores the scenario through the customer service with the
// analytics hook, in two batches, then merges A's phone profile into A as
// the identity service would.
func loadScenario(t *testing.T, db *store.DB) *analytics.Service {
	t.Helper()
	ctx := context.Background()
	cs := customer.NewService(db)
	an := analytics.NewService(db, analytics.Options{Now: fixedNow})
	cs.OnAppend(an.Append)
	for _, id := range analyticstest.Customers() {
		if _, err := db.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, 0, 0, 0)", id); err != nil {
			t.Fatal(err)
		}
	}
	events := analyticstest.Events()
	for _, part := range [][]customer.Event{events[:7], events[7:], events[:3]} { // the last batch is a retry
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := cs.AppendTx(ctx, tx, part); return err }); err != nil {
			t.Fatal(err)
		}
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := cs.MergeTx(ctx, tx, analyticstest.APhone, analyticstest.A); err != nil {
			return err
		}
		return an.MergeTx(ctx, tx, analyticstest.APhone, analyticstest.A)
	})
	if err != nil {
		t.Fatal(err)
	}
	return an
}

func eur(minor int64) []analytics.Money { return []analytics.Money{{Currency: "EUR", Minor: minor}} }

func TestOverviewFromRollups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		an := loadScenario(t, db)
		checkOverview(t, an)
		if err := an.Rebuild(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		t.Run("rebuilt", func(t *testing.T) { checkOverview(t, an) })
	})
}

func checkOverview(t *testing.T, an *analytics.Service) {
	ctx := context.Background()
	o, err := an.Overview(ctx, october)
	if err != nil {
		t.Fatal(err)
	}
	c := o.Current
	if c.Orders != 2 || !equalMoney(c.Revenue, eur(15000)) || !equalMoney(c.AverageOrderValue, eur(7500)) {
		t.Errorf("October orders %d revenue %v aov %v; want 2, EUR 150.00, EUR 75.00", c.Orders, c.Revenue, c.AverageOrderValue)
	}
	if c.Visitors != 3 || c.Purchasers != 2 || c.NewCustomers != 2 || c.ReturningCustomers != 0 {
		t.Errorf("October visitors %d purchasers %d new %d returning %d; want 3 2 2 0", c.Visitors, c.Purchasers, c.NewCustomers, c.ReturningCustomers)
	}
	if c.ConversionRate != 2.0/3 || c.Events != 17 {
		t.Errorf("October conversion %v events %d; want 2/3 and 17", c.ConversionRate, c.Events)
	}
	want := map[string][2]int64{"ads": {1, 0}, "app": {2, 1}, "chat": {1, 0}, "email": {0, 0}, "messenger": {1, 0}, "web": {2, 1}}
	if len(o.Channels) != len(want) {
		t.Fatalf("channels %+v", o.Channels)
	}
	for _, ch := range o.Channels {
		w := want[ch.Channel]
		if ch.Current.Visitors != w[0] || ch.Current.Purchasers != w[1] {
			t.Errorf("%s: visitors %d purchasers %d, want %v", ch.Channel, ch.Current.Visitors, ch.Current.Purchasers, w)
		}
	}
	n, err := an.Overview(ctx, november)
	if err != nil {
		t.Fatal(err)
	}
	c = n.Current
	if c.Orders != 1 || !equalMoney(c.Revenue, eur(2000)) || !equalMoney(c.Refunded, eur(2000)) || !equalMoney(c.NetRevenue, eur(0)) {
		t.Errorf("November orders %d revenue %v refunded %v net %v", c.Orders, c.Revenue, c.Refunded, c.NetRevenue)
	}
	if c.NewCustomers != 0 || c.ReturningCustomers != 1 || n.Before.Orders != 2 {
		t.Errorf("November new %d returning %d, previous period orders %d; want 0 1 2", c.NewCustomers, c.ReturningCustomers, n.Before.Orders)
	}
}

func TestFunnelCountsCustomersAcrossChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		an := loadScenario(t, db)
		f, err := an.Funnel(context.Background(), october)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			customers, switched int64
		}{{3, 0}, {2, 0}, {2, 1}, {2, 0}}
		for i, w := range want {
			s := f.Steps[i]
			if s.Customers != w.customers || s.SwitchedChannel != w.switched {
				t.Errorf("step %s: customers %d switched %d, want %d %d", s.Step, s.Customers, s.SwitchedChannel, w.customers, w.switched)
			}
		}
		if f.SwitchedJourneys != 1 || f.SwitchedShare != 0.5 || f.Conversion != 2.0/3 {
			t.Errorf("switched journeys %d share %v conversion %v; want 1, 0.5, 2/3", f.SwitchedJourneys, f.SwitchedShare, f.Conversion)
		}
	})
}

func equalMoney(a, b []analytics.Money) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestCachedSetsFollowMerges reads the overview before the phone profile
// merges into A (four visitors), then after (three): the cached day sets
// must not outlive the merge.
func TestCachedSetsFollowMerges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cs := customer.NewService(db)
		an := analytics.NewService(db, analytics.Options{Now: fixedNow})
		cs.OnAppend(an.Append)
		for _, id := range analyticstest.Customers() {
			if _, err := db.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, 0, 0, 0)", id); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := cs.AppendTx(ctx, tx, analyticstest.Events()); return err }); err != nil {
			t.Fatal(err)
		}
		visitors := func() int64 {
			o, err := an.Overview(ctx, october)
			if err != nil {
				t.Fatal(err)
			}
			return o.Current.Visitors
		}
		if v := visitors(); v != 4 {
			t.Fatalf("before the merge: %d visitors, want 4", v)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := cs.MergeTx(ctx, tx, analyticstest.APhone, analyticstest.A); err != nil {
				return err
			}
			return an.MergeTx(ctx, tx, analyticstest.APhone, analyticstest.A)
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := visitors(); v != 3 {
			t.Fatalf("after the merge: %d visitors, want 3", v)
		}
	})
}
