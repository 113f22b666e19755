package analytics_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func checkLines(t *testing.T, r analytics.StrategyReport, want []analyticstest.Line) {
	t.Helper()
	if len(r.Lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(r.Lines), len(want))
	}
	for i, w := range want {
		l := r.Lines[i]
		var rev int64
		for _, m := range l.Revenue {
			rev += m.Minor
		}
		if l.Key != w.Key || l.Connected != w.Connected || l.Siloed != w.Siloed || l.Lost != w.Lost ||
			l.Base != w.Base || l.Customers != w.Customers || rev != w.Revenue || l.Example != w.Example || l.Method == "" {
			t.Errorf("line %s: got %+v\nwant %+v", w.Key, l, w)
		}
	}
}

func TestStrategyReportOnScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		an := loadScenario(t, db)
		r, err := an.Strategy(context.Background(), october, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, r, analyticstest.October)
		if r.Customers != 4 || r.Events != 17 {
			t.Errorf("customers %d events %d, want 4 and 17 (events before November)", r.Customers, r.Events)
		}
		// November: B's ord_3 on the web, no cross-channel loss.
		n, err := an.Strategy(context.Background(), november, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, n, []analyticstest.Line{
			{Key: analytics.LineDuplicates, Connected: 1, Siloed: 1, Base: 1},
			{Key: analytics.LineContext},
			{Key: analytics.LineCarts},
			{Key: analytics.LinePromotions},
			{Key: analytics.LineUnlinked, Connected: 1, Siloed: 1, Base: 1},
		})
	})
}

func TestSnapshotFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		an := loadScenario(t, db)
		info, err := an.Refresh(ctx, nil)
		if err != nil || info.Events != 19 || info.Customers != 4 {
			t.Fatalf("refresh %+v, %v; want 19 events of 4 customers", info, err)
		}
		a, err := an.Attribution(ctx, october)
		if err != nil {
			t.Fatal(err)
		}
		// ord_1 (EUR 100.00): touchpoints ads (fall_sale), web, app; ord_2
		// (EUR 50.00): web only.
		want := map[analytics.Model]map[string]int64{
			analytics.FirstTouch:    {"ads": 10000, "web": 5000},
			analytics.LastTouch:     {"app": 10000, "web": 5000},
			analytics.Linear:        {"ads": 3334, "web": 3333 + 5000, "app": 3333},
			analytics.PositionBased: {"ads": 4000, "web": 2000 + 5000, "app": 4000},
		}
		for _, m := range a.Models {
			got := map[string]int64{}
			var total int64
			for _, c := range m.ByChannel {
				got[c.Key] += c.Minor
				total += c.Minor
			}
			if total != 15000 {
				t.Errorf("%s credits %d in all, want 15000", m.Model, total)
			}
			if w, ok := want[m.Model]; ok && !equalCredit(got, w) {
				t.Errorf("%s by channel %v, want %v", m.Model, got, w)
			}
			if m.Model == analytics.FirstTouch && (len(m.ByCampaign) != 2 || m.ByCampaign[0].Key != "fall_sale" || m.ByCampaign[0].Minor != 10000) {
				t.Errorf("first touch by campaign %+v, want fall_sale 10000 first", m.ByCampaign)
			}
		}
		sr, err := an.Support(ctx, october)
		if err != nil {
			t.Fatal(err)
		}
		tot := sr.Total
		if tot.Conversations != 2 || tot.Responded != 1 || tot.AvgFirstResponseSeconds != 300 ||
			tot.AvgResolutionSeconds != 8*3600+600 || tot.ContactsPerConversation != 1 || tot.CrossChannel != 1 {
			t.Errorf("service %+v", tot)
		}
		co, err := an.Cohorts(ctx, analytics.Period{From: october.From, To: november.To})
		if err != nil {
			t.Fatal(err)
		}
		if len(co.ByMonth) != 1 || co.ByMonth[0].Cohort != "2026-10" || co.ByMonth[0].Customers != 2 ||
			len(co.ByMonth[0].Active) != 2 || co.ByMonth[0].Active[1] != 1 || co.ByMonth[0].Retention[1] != 0.5 {
			t.Errorf("cohorts by month %+v", co.ByMonth)
		}
		if len(co.ByChannel) != 2 || co.ByChannel[0].Cohort != "ads" || co.ByChannel[1].Cohort != "web" {
			t.Errorf("cohorts by channel %+v", co.ByChannel)
		}
		seg := map[string]analytics.SegmentFigures{}
		for _, s := range co.Segments {
			seg[s.Segment] = s
		}
		omni, single, all := seg["omnichannel"], seg["single_channel"], seg["all"]
		if omni.Customers != 1 || omni.Buyers != 1 || omni.RepeatPurchaseRate != 0 || !equalMoney(omni.LifetimeValue, eur(10000)) {
			t.Errorf("omnichannel %+v", omni)
		}
		if single.Customers != 3 || single.Purchasers != 1 || single.RepeatPurchaseRate != 1 || single.Orders != 2 ||
			!equalMoney(single.LifetimeValue, eur(5000)) || !equalMoney(single.AverageOrderValue, eur(2500)) {
			t.Errorf("single channel %+v", single)
		}
		if all.Buyers != 2 || all.RepeatPurchaseRate != 0.5 || !equalMoney(all.LifetimeValue, eur(7500)) {
			t.Errorf("all %+v", all)
		}
		stored, err := an.StoredStrategy(ctx)
		if err != nil || len(stored.Lines) != 5 || stored.Period.From != "2026-10-01" || stored.Period.To != "2026-11-06" {
			t.Fatalf("stored report %+v, %v", stored, err)
		}
	})
}

func equalCredit(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAttributionFollowsTheLatestSnapshot asks for the same period again
// after new orders: the answer changes with the next refresh, not before.
func TestAttributionFollowsTheLatestSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		an := loadScenario(t, db)
		revenue := func() int64 {
			t.Helper()
			a, err := an.Attribution(ctx, october)
			if err != nil || len(a.Revenue) != 1 {
				t.Fatalf("attribution %+v, %v", a, err)
			}
			return a.Revenue[0].Minor
		}
		if got := revenue(); got != 15000 {
			t.Fatalf("October revenue %d, want 15000", got)
		}
		ord := analyticstest.Events()[4] // A's ord_1, placed again as ord_9
		ord.ID, ord.MessageID = "evt_again", "msg-again"
		ord.Payload = []byte(`{"type":"track","event":"Order Completed","properties":{"order_id":"ord_9","total_minor":2500,"currency":"EUR"}}`)
		cs := customer.NewService(db)
		cs.OnAppend(an.Append)
		if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := cs.AppendTx(ctx, tx, []customer.Event{ord}); return err }); err != nil {
			t.Fatal(err)
		}
		if got := revenue(); got != 15000 {
			t.Errorf("before the next refresh: %d, want the snapshot's 15000", got)
		}
		if _, err := an.Refresh(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := revenue(); got != 17500 {
			t.Errorf("after the refresh: %d, want 17500", got)
		}
	})
}
