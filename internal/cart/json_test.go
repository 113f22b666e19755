package cart

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
)

// stdJSON is what encoding/json writes for v with HTML escaping off.
func stdJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	tricky := "quote \" backslash \\ <tag> & ünïcödé \u2028\u2029 \x01\x1f\t\n\r\b\f bad:\xff\xfe end"
	amt := money.New(1234, "EUR")
	full := View{ID: "cart_1", CustomerID: "cus_1", Channel: "web", Currency: "EUR",
		Lines: []LineView{
			{VariantID: "v1", ProductID: "p1", SKU: tricky, ProductTitle: "T-shirt", VariantTitle: "Red / M", ImageURL: "https://x/y.png",
				Quantity: 3, UnitPrice: -5, Subtotal: 1 << 40, Discount: 7, Total: 8,
				Adjustments: []promo.Adjustment{{PromotionID: "promo_1", Code: "SUMMER", Amount: amt, Reason: tricky}, {PromotionID: "promo_2", Amount: amt}},
				Problem:     "gone", AddedChannel: "app", UpdatedChannel: "pos"},
			{VariantID: "v2", Adjustments: []promo.Adjustment{}},
		},
		Codes:          []string{"A", tricky},
		Applied:        []promo.Applied{{PromotionID: "promo_1", Name: tricky, Code: "SUMMER", Kind: promo.KindPercentOff, Amount: amt}, {}},
		Rejected:       []promo.Rejection{{Code: "X", FromWallet: true, PromotionID: "promo_3", Reason: promo.ReasonExpired, Message: tricky, Missing: amt}, {}},
		OrderDiscounts: []promo.Adjustment{{PromotionID: "promo_4", Amount: amt, Reason: "order"}},
		ShipDiscounts:  []promo.Adjustment{{PromotionID: "promo_5", Amount: amt, Reason: "ship"}},
		Totals:         Totals{Items: 1, Subtotal: 2, ItemDiscount: 3, Shipping: 4, ShippingDiscount: 5, Discount: 6, Total: 7},
		UpdatedChannel: "web", UpdatedAt: &at, Version: 42}
	cases := map[string]View{
		"every field":     full,
		"empty":           {},
		"empty, no nils":  {CustomerID: "cus_1", Channel: "web", Lines: []LineView{}, Codes: []string{}, Applied: []promo.Applied{}, Rejected: []promo.Rejection{}, OrderDiscounts: []promo.Adjustment{}},
		"time in a zone":  {UpdatedAt: ptr(time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))},
		"invalid utf8 at": {ID: "\xff", CustomerID: "a\xc3", Channel: "\xe2\x80"},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			want := stdJSON(t, v)
			if got := v.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestAppendJSONKnowsEveryField fails when a field is added to a type the
// appender writes, so that the appender is extended with it.
func TestAppendJSONKnowsEveryField(t *testing.T) {
	for typ, n := range map[reflect.Type]int{
		reflect.TypeFor[View]():             14,
		reflect.TypeFor[LineView]():         15,
		reflect.TypeFor[Totals]():           7,
		reflect.TypeFor[promo.Adjustment](): 4,
		reflect.TypeFor[promo.Applied]():    5,
		reflect.TypeFor[promo.Rejection]():  6,
		reflect.TypeFor[money.Amount]():     2,
	} {
		if typ.NumField() != n {
			t.Errorf("%s has %d fields, the JSON appender writes %d: extend cart.View.AppendJSON", typ, typ.NumField(), n)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\x7f", "\u2028", "\xff", "é\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := View{CustomerID: s, Codes: []string{s}}
		if got, want := v.AppendJSON(nil), stdJSON(t, v); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON(%q):\n got %s\nwant %s", s, got, want)
		}
	})
}
