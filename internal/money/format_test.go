package money

import (
	"errors"
	"math"
	"testing"
)

func TestCurrencyExponent(t *testing.T) {
	tests := map[Currency]int{"JPY": 0, "KRW": 0, "USD": 2, "EUR": 2, "KWD": 3, "BHD": 3, "CLF": 4}
	for c, want := range tests {
		got, err := c.Exponent()
		if err != nil || got != want {
			t.Errorf("%s exponent = %d, %v; want %d", c, got, err, want)
		}
	}
	if _, err := Currency("XYZ").Exponent(); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("XYZ err = %v", err)
	}
	if c, err := ParseCurrency(" eur "); err != nil || c != "EUR" {
		t.Errorf("ParseCurrency = %q, %v", c, err)
	}
	if _, err := ParseCurrency("EURO"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("EURO err = %v", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		a    Amount
		want string
	}{
		{New(1234, "EUR"), "12.34 EUR"},
		{New(5, "EUR"), "0.05 EUR"},
		{New(-5, "USD"), "-0.05 USD"},
		{New(0, "USD"), "0.00 USD"},
		{New(1234, "JPY"), "1234 JPY"},
		{New(1500, "KWD"), "1.500 KWD"},
		{New(1, "KWD"), "0.001 KWD"},
		{New(math.MinInt64, "EUR"), "-92233720368547758.08 EUR"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("String(%d %s) = %q, want %q", tt.a.Minor, tt.a.Currency, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Amount
		wantErr error
	}{
		{"12.34 EUR", New(1234, "EUR"), nil},
		{"12.3 EUR", New(1230, "EUR"), nil},
		{"12 EUR", New(1200, "EUR"), nil},
		{"-0.05 usd", New(-5, "USD"), nil},
		{"+1 USD", New(100, "USD"), nil},
		{"1234 JPY", New(1234, "JPY"), nil},
		{"1.5 KWD", New(1500, "KWD"), nil},
		{"-92233720368547758.08 EUR", New(math.MinInt64, "EUR"), nil},
		{"12.345 EUR", Amount{}, ErrInvalidAmount},
		{"12.5 JPY", Amount{}, ErrInvalidAmount},
		{"12. EUR", Amount{}, ErrInvalidAmount},
		{".5 EUR", Amount{}, ErrInvalidAmount},
		{"1,000.00 EUR", Amount{}, ErrInvalidAmount},
		{"1e3 EUR", Amount{}, ErrInvalidAmount},
		{"12.34", Amount{}, ErrInvalidAmount},
		{"12.34  EUR", Amount{}, ErrInvalidAmount},
		{"12.34 EUR ", Amount{}, ErrInvalidAmount},
		{"12.34 XYZ", Amount{}, ErrUnknownCurrency},
		{"92233720368547758.08 EUR", Amount{}, ErrOverflow},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseStringRoundTrip(t *testing.T) {
	for _, c := range []Currency{"EUR", "JPY", "KWD", "CLF"} {
		for _, m := range []int64{0, 1, -1, 9, 10, 99, 100, 101, 123456789, math.MaxInt64, math.MinInt64} {
			a := New(m, c)
			got, err := Parse(a.String())
			if err != nil || got != a {
				t.Errorf("round trip %d %s via %q = %v, %v", m, c, a.String(), got, err)
			}
		}
	}
}
