package app_test

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// loadJourneys resolves the scenario's customers through the identity
// service, stores their events through the customer service (so the
// analytics hook sees them), then joins A's phone to A the way a login on
// the phone would, merging the two profiles. It returns the scenario ids
// mapped to the real ones.
func loadJourneys(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	idents := map[string]identity.Identifier{
		analyticstest.A:      {Type: identity.Email, Value: "a@example.com"},
		analyticstest.APhone: {Type: identity.DeviceID, Value: "phone-a"},
		analyticstest.B:      {Type: identity.Email, Value: "b@example.com"},
		analyticstest.C:      {Type: identity.AnonymousID, Value: "visitor-c"},
		analyticstest.D:      {Type: identity.Email, Value: "d@example.com"},
	}
	real := map[string]string{}
	resolve := func(ids ...identity.Identifier) string {
		r, err := s.App.Identity().Resolve(ctx, identity.Request{Identifiers: ids, Channel: "web", At: analyticstest.At(10, 1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return r.CustomerID
	}
	for _, c := range analyticstest.Customers() {
		real[c] = resolve(idents[c])
	}
	events := analyticstest.Events()
	for i := range events {
		events[i].CustomerID = real[events[i].CustomerID]
	}
	for _, part := range [][]customer.Event{events[:5], events[5:12], events[12:]} {
		err := s.App.DB().InTx(ctx, func(tx *store.Tx) error {
			_, err := s.App.Customers().AppendTx(ctx, tx, part)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := resolve(idents[analyticstest.A], idents[analyticstest.APhone]); got != real[analyticstest.A] {
		t.Fatalf("login on the phone resolved to %s, want A (%s)", got, real[analyticstest.A])
	}
	return real
}

func TestAnalyticsEndToEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		real := loadJourneys(t, s)
		read, marketer, agent := s.Token(t, auth.ScopeRead), s.Token(t, auth.ScopeMarketer), s.Token(t, auth.ScopeAgent)
		get := func(path, token string) []byte {
			t.Helper()
			code, body := s.Do(t, "GET", path, token, nil)
			if code != 200 {
				t.Fatalf("GET %s: %d %s", path, code, body)
			}
			return body
		}
		if code, body := s.Do(t, "POST", "/api/v1/analytics/refresh", marketer, nil); code != 200 {
			t.Fatalf("refresh: %d %s", code, body)
		}
		oct := "?from=2026-10-01&to=2026-10-31"

		o := apptest.DecodeJSON[analytics.Overview](t, get("/api/v1/analytics/overview"+oct, read))
		if c := o.Current; c.Orders != 2 || c.Visitors != 3 || c.Purchasers != 2 || c.NewCustomers != 2 ||
			len(c.Revenue) != 1 || c.Revenue[0].Minor != 15000 || o.Previous.From != "2026-08-31" {
			t.Errorf("overview %+v", o)
		}

		f := apptest.DecodeJSON[analytics.Funnel](t, get("/api/v1/analytics/funnel"+oct, read))
		var steps []int64
		for _, st := range f.Steps {
			steps = append(steps, st.Customers)
		}
		if !slices.Equal(steps, []int64{3, 2, 2, 2}) || f.SwitchedJourneys != 1 {
			t.Errorf("funnel steps %v switched %d", steps, f.SwitchedJourneys)
		}

		a := apptest.DecodeJSON[analytics.Attribution](t, get("/api/v1/analytics/attribution"+oct, read))
		if len(a.Models) != 5 || a.Models[0].Model != analytics.FirstTouch || a.Models[0].ByChannel[0].Key != "ads" ||
			a.Models[0].ByChannel[0].Minor != 10000 || a.Models[0].ByCampaign[0].Key != "fall_sale" {
			t.Errorf("attribution %+v", a.Models)
		}

		sv := apptest.DecodeJSON[analytics.ServiceReport](t, get("/api/v1/analytics/service"+oct, read))
		if sv.Total.Conversations != 2 || sv.Total.CrossChannel != 1 || sv.Total.AvgFirstResponseSeconds != 300 {
			t.Errorf("service %+v", sv.Total)
		}

		co := apptest.DecodeJSON[analytics.Cohorts](t, get("/api/v1/analytics/cohorts?from=2026-10-01&to=2026-11-30", read))
		if len(co.ByMonth) != 1 || co.ByMonth[0].Retention[1] != 0.5 || co.Segments[2].RepeatPurchaseRate != 0.5 {
			t.Errorf("cohorts %+v", co)
		}

		r := apptest.DecodeJSON[analytics.StrategyReport](t, get("/api/v1/analytics/strategy"+oct, read))
		checkStrategy(t, r, analyticstest.October, real)
		stored := apptest.DecodeJSON[analytics.StrategyReport](t, get("/api/v1/analytics/strategy", read))
		if stored.Period.From != "2026-10-01" || stored.Period.To != "2026-11-06" {
			t.Errorf("stored strategy covers %+v", stored.Period)
		}
		checkStrategy(t, stored, analyticstest.AllTime, real)

		rows := readCSV(t, get("/api/v1/analytics/strategy"+oct+"&format=csv", read))
		if len(rows) != 6 || rows[0][0] != "key" || rows[3][0] != "carts_not_found" || rows[3][4] != "1" || rows[3][10] != real[analyticstest.A] {
			t.Errorf("strategy CSV %v", rows)
		}
		rows = readCSV(t, get("/api/v1/analytics/attribution"+oct+"&format=csv&table=by_campaign", read))
		if rows[0][1] != "campaign" || len(rows) < 2 {
			t.Errorf("attribution CSV %v", rows)
		}
		for _, path := range []string{"overview", "daily", "funnel", "cohorts", "service"} {
			if rows := readCSV(t, get("/api/v1/analytics/"+path+oct+"&format=csv", read)); len(rows) < 2 {
				t.Errorf("%s CSV has no rows: %v", path, rows)
			}
		}

		for _, bad := range []struct {
			method, path, token string
			want                int
		}{
			{"GET", "/api/v1/analytics/overview", agent, 403},
			{"GET", "/api/v1/analytics/overview", "", 401},
			{"POST", "/api/v1/analytics/refresh", read, 403},
			{"GET", "/api/v1/analytics/overview?from=2026-10-31&to=2026-10-01", read, 400},
			{"GET", "/api/v1/analytics/funnel?to=31/10/2026", read, 400},
			{"GET", "/api/v1/analytics/funnel?format=xml", read, 400},
			{"GET", "/api/v1/analytics/funnel?format=csv&table=nope", read, 400},
		} {
			if code, body := s.Do(t, bad.method, bad.path, bad.token, nil); code != bad.want {
				t.Errorf("%s %s: %d %s, want %d", bad.method, bad.path, code, body, bad.want)
			}
		}
	})
}

func checkStrategy(t *testing.T, r analytics.StrategyReport, want []analyticstest.Line, real map[string]string) {
	t.Helper()
	if len(r.Lines) != len(want) {
		t.Fatalf("strategy lines %+v", r.Lines)
	}
	for i, w := range want {
		l := r.Lines[i]
		var rev int64
		for _, m := range l.Revenue {
			rev += m.Minor
		}
		if l.Key != w.Key || l.Connected != w.Connected || l.Siloed != w.Siloed || l.Lost != w.Lost || l.Base != w.Base ||
			l.Customers != w.Customers || rev != w.Revenue || l.Example != real[w.Example] || l.Method == "" {
			t.Errorf("line %s: got %+v, want %+v (example %s)", w.Key, l, w, real[w.Example])
		}
	}
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("CSV %s: %v", body, err)
	}
	return rows
}
