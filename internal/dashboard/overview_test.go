package dashboard_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/dashboard"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// salesBook stands in for the commerce domain, which is not part of this
// tree yet: it answers the OverviewSource seam with fixed figures per period.
type salesBook struct {
	calls [][2]time.Time
}

func (s *salesBook) Sales(_ context.Context, from, to time.Time) (dashboard.Sales, error) {
	s.calls = append(s.calls, [2]time.Time{from, to})
	eur := func(minor int64) money.Amount { return money.New(minor, "EUR") }
	if len(s.calls)%2 == 1 { // the current period is asked first
		return dashboard.Sales{Revenue: eur(123450), Orders: 10, Buyers: 8, Visitors: 200,
			ByChannel: map[string]dashboard.ChannelSales{"web": {Revenue: eur(100000), Orders: 7}}}, nil
	}
	return dashboard.Sales{Revenue: eur(50000), Orders: 4, Buyers: 4, Visitors: 100}, nil
}

func TestOverviewWithCommerceFigures(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	acc := auth.NewService(db)
	u, err := acc.CreateUser(ctx, "owner@example.com", password, auth.ScopeAdmin)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	book := &salesBook{}
	h, err := dashboard.New(dashboard.Deps{Sessions: acc, Sources: acc, Customers: customer.NewService(db),
		Identities: identity.NewService(db, identity.Options{}), Activity: activity.NewService(db), Overview: book},
		dashboard.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	secret, _, err := acc.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/?days=7", nil)
	req.AddCookie(&http.Cookie{Name: "omni_session", Value: secret})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := html.UnescapeString(string(raw))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"1234.50 EUR", "before: 500.00 EUR", "123.45 EUR", "before: 125.00 EUR", "4.0%", "before: 4.0%", "+150%"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, "No data yet") {
		t.Error("a connected source still shows no data")
	}
	from := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	if len(book.calls) != 2 || !book.calls[0][0].Equal(from) || !book.calls[0][1].Equal(now) ||
		!book.calls[1][0].Equal(from.AddDate(0, 0, -7)) || !book.calls[1][1].Equal(from) {
		t.Errorf("periods asked: %v", book.calls)
	}
}
