package analytics

import (
	"slices"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		typ, name string
		want      Kind
	}{
		{"track", "Product Viewed", KindView},
		{"cart", "Product Added", KindAdd},
		{"cart", "Product Removed", KindRemove},
		{"track", "Checkout Started", KindCheckout},
		{"track", "Order Completed", KindOrder},
		{"order", "Order Completed", KindOrder},
		{"order", "Order Refunded", KindRefund},
		{"order", "Order Picked Up", KindOther},
		{"track", "Promotion Clicked", KindPromo},
		{"track", "Promotion Viewed", KindPromo},
		{"cart", "Coupon Entered", KindCoupon},
		{"track", "Coupon Applied", KindCoupon},
		{"message", "Message received", KindMessage},
		{"page", "Home", KindPage},
		{"screen", "Cart", KindPage},
		{"identify", "", KindOther},
		{"identify", "Order Completed", KindOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.typ, tt.name); got != tt.want {
			t.Errorf("Classify(%q, %q) = %v, want %v", tt.typ, tt.name, got, tt.want)
		}
	}
}

func TestParseFacts(t *testing.T) {
	tests := []struct {
		name    string
		kind    Kind
		payload string
		want    Facts
	}{
		{"omni order in minor units", KindOrder, `{"properties":{"order_id":"ord_1","total_minor":12345,"currency":"eur","channel":"pos"}}`,
			Facts{OrderID: "ord_1", Minor: 12345, Currency: "EUR"}},
		{"segment total as a string", KindOrder, `{"properties":{"order_id":"50314b8e","total":"27.50","revenue":25,"currency":"USD","coupon":"Hasbros"}}`,
			Facts{OrderID: "50314b8e", Minor: 2750, Currency: "USD", Promos: []string{"code:hasbros"}}},
		{"revenue when no total, default currency", KindOrder, `{"properties":{"order_id":7,"revenue":25.005}}`,
			Facts{OrderID: "7", Minor: 2501, Currency: "USD"}},
		{"zero-decimal currency", KindOrder, `{"properties":{"order_id":"j","total":1500,"currency":"JPY"}}`,
			Facts{OrderID: "j", Minor: 1500, Currency: "JPY"}},
		{"no amount", KindRefund, `{"properties":{"order_id":"ord_1"}}`, Facts{OrderID: "ord_1", Minor: -1, Currency: "USD"}},
		{"promotion", KindPromo, `{"properties":{"promotion_id":"promo_1","code":" FALL10 "},"context":{"campaign":{"name":"fall","source":"fb"}}}`,
			Facts{Minor: -1, Currency: "USD", Promos: []string{"id:promo_1", "code:fall10"}, Campaign: "fall"}},
		{"inbox message at the top level", KindMessage, `{"conversation_id":"cnv_1","direction":"in","channel":"chat"}`,
			Facts{Minor: -1, Currency: "USD", Conversation: "cnv_1", Direction: "in"}},
		{"campaign without a name", KindPage, `{"context":{"campaign":{"source":"google","medium":"cpc"}}}`,
			Facts{Minor: -1, Campaign: "google / cpc"}},
		{"coupon id list", KindCoupon, `{"properties":{"coupon_id":"A1","codes":["b2","A1"]}}`,
			Facts{Minor: -1, Currency: "USD", Promos: []string{"code:a1", "code:b2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFacts(tt.kind, []byte(tt.payload), "USD")
			if err != nil {
				t.Fatal(err)
			}
			if got.OrderID != tt.want.OrderID || got.Minor != tt.want.Minor || got.Currency != tt.want.Currency ||
				!slices.Equal(got.Promos, tt.want.Promos) || got.Conversation != tt.want.Conversation ||
				got.Direction != tt.want.Direction || got.Campaign != tt.want.Campaign {
				t.Fatalf("ParseFacts = %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`{`, `{"properties":{"total_minor":"12.5"}}`, `{"properties":{"total":"twelve"}}`} {
		if _, err := ParseFacts(KindOrder, []byte(bad), "USD"); err == nil {
			t.Errorf("ParseFacts(%s) accepted it", bad)
		}
	}
}

func TestMajorToMinor(t *testing.T) {
	tests := []struct {
		in   string
		exp  int
		want int64
	}{
		{"19.99", 2, 1999}, {"0.1", 2, 10}, {"1e2", 2, 10000}, {"-5", 2, -500},
		{"0.005", 2, 1}, {"-0.005", 2, -1}, {"0.0049", 2, 0}, {"1.2345", 3, 1235}, {"7", 0, 7},
	}
	for _, tt := range tests {
		if got, err := MajorToMinor(tt.in, tt.exp); err != nil || got != tt.want {
			t.Errorf("MajorToMinor(%q, %d) = %d, %v; want %d", tt.in, tt.exp, got, err, tt.want)
		}
	}
	if _, err := MajorToMinor("1e30", 2); err == nil {
		t.Error("MajorToMinor accepted an amount beyond int64")
	}
}

func TestChunkEncodingRoundTrips(t *testing.T) {
	for _, n := range []int{0, 1, arrayMax, arrayMax + 1, 1 << 16} {
		var b bitmap
		for i := 0; i < n; i++ {
			b.set(uint16(i * 7919 % (1 << 16)))
		}
		enc := encodeChunk(&b)
		wantKind := byte(kindArray)
		if b.count() > arrayMax {
			wantKind = kindBitmap
		}
		if enc[0] != wantKind {
			t.Errorf("%d members encoded as %q", n, enc[0])
		}
		var back bitmap
		if err := decodeChunk(&back, enc); err != nil || back != b {
			t.Errorf("%d members: round trip differs (%v)", n, err)
		}
	}
	var b bitmap
	for _, bad := range [][]byte{{'a', 1}, {'b', 0, 0}, {'x'}} {
		if decodeChunk(&b, bad) == nil {
			t.Errorf("decodeChunk(%v) accepted it", bad)
		}
	}
}

func TestCustomerSetAlgebra(t *testing.T) {
	set := func(ns ...int64) CustomerSet {
		s := CustomerSet{}
		for _, n := range ns {
			s.add(n)
		}
		return s
	}
	a, b := set(1, 5, 70000, 200000), set(5, 70000, 9)
	if got := Intersect(a, b).Members(); !slices.Equal(got, []int64{5, 70000}) {
		t.Errorf("a ∩ b = %v", got)
	}
	u := a.Clone()
	u.Or(b)
	if got := u.Members(); !slices.Equal(got, []int64{1, 5, 9, 70000, 200000}) || u.Len() != 5 {
		t.Errorf("a ∪ b = %v", got)
	}
	d := a.Clone()
	d.AndNot(b)
	if got := d.Members(); !slices.Equal(got, []int64{1, 200000}) || !a.Has(5) || a.Has(9) {
		t.Errorf("a − b = %v (a changed: %v)", got, a.Members())
	}
}

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	p, err := ParsePeriod("2026-10-01", "2026-10-31", now)
	if err != nil || p.Days() != 31 || p.Range() != (Range{"2026-10-01", "2026-10-31"}) {
		t.Fatalf("ParsePeriod = %+v (%d days), %v", p, p.Days(), err)
	}
	if prev := p.Previous().Range(); prev != (Range{"2026-08-31", "2026-09-30"}) {
		t.Errorf("previous = %+v", prev)
	}
	if p, err := ParsePeriod("", "", now); err != nil || p.Range() != (Range{"2026-10-17", "2026-11-15"}) {
		t.Errorf("default period %+v, %v", p.Range(), err)
	}
	for _, bad := range [][2]string{{"2026-13-01", ""}, {"", "yesterday"}, {"2026-11-02", "2026-11-01"}, {"1990-01-01", "2026-01-01"}} {
		if _, err := ParsePeriod(bad[0], bad[1], now); err == nil {
			t.Errorf("ParsePeriod(%q, %q) accepted it", bad[0], bad[1])
		}
	}
	if DayOf(-1) != -1 || DayOf(0) != 0 || DayOf(dayMs) != 1 {
		t.Error("DayOf rounds towards minus infinity")
	}
}

func TestTouchpoints(t *testing.T) {
	minute := int64(time.Minute / time.Millisecond)
	rec := func(ts int64, ch string, kind Kind, campaign string, external bool) record {
		return record{ts: ts, channel: ch, kind: kind, external: external, facts: Facts{Campaign: campaign}}
	}
	recs := []record{
		rec(0, "ads", KindPromo, "fall", true),
		rec(1*minute, "web", KindView, "", true),        // new channel
		rec(2*minute, "web", KindAdd, "", true),         // same visit
		rec(40*minute, "web", KindView, "", true),       // 38 minutes later: new visit
		rec(41*minute, "web", KindView, "spring", true), // new campaign
		rec(42*minute, "email", KindMessage, "", false), // outbound: not a touchpoint
		rec(43*minute, "web", KindView, "", true),       // same visit, campaign kept
	}
	j := buildJourney("c", recs, 30*minute)
	var got []string
	for _, tp := range j.touches {
		got = append(got, tp.channel+"/"+tp.campaign)
	}
	want := []string{"ads/fall", "web/", "web/", "web/spring"}
	if !slices.Equal(got, want) {
		t.Fatalf("touchpoints %v, want %v", got, want)
	}
	if j.acquisition != "ads" || !slices.Equal(j.channels, []string{"ads", "web"}) {
		t.Errorf("acquisition %q channels %v", j.acquisition, j.channels)
	}
	o := order{ts: 41 * minute, channel: "web"}
	if n := len(j.touchesBefore(o, 2*minute)); n != 2 {
		t.Errorf("%d touchpoints within 2 minutes of the order, want 2", n)
	}
	if tp := j.touchesBefore(order{ts: 100 * minute, channel: "pos"}, minute); len(tp) != 1 || tp[0].channel != "pos" {
		t.Errorf("order without touchpoints: %v, want one on its own channel", tp)
	}
}
