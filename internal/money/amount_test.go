package money

import (
	"errors"
	"math"
	"testing"
)

func TestAddSub(t *testing.T) {
	tests := []struct {
		name    string
		a, b    Amount
		add     Amount
		sub     Amount
		wantErr error
	}{
		{"same currency", New(1234, "EUR"), New(66, "EUR"), New(1300, "EUR"), New(1168, "EUR"), nil},
		{"negative result", New(5, "USD"), New(10, "USD"), New(15, "USD"), New(-5, "USD"), nil},
		{"mismatch", New(5, "USD"), New(5, "EUR"), Amount{}, Amount{}, ErrCurrencyMismatch},
		{"zero value has no currency", Amount{}, New(1, "EUR"), Amount{}, Amount{}, ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			if !errors.Is(err, tt.wantErr) || got != tt.add {
				t.Errorf("Add = %v, %v; want %v, %v", got, err, tt.add, tt.wantErr)
			}
			got, err = tt.a.Sub(tt.b)
			if !errors.Is(err, tt.wantErr) || got != tt.sub {
				t.Errorf("Sub = %v, %v; want %v, %v", got, err, tt.sub, tt.wantErr)
			}
		})
	}
}

func TestMismatchErrorIsTyped(t *testing.T) {
	_, err := New(1, "USD").Add(New(1, "JPY"))
	var me *CurrencyMismatchError
	if !errors.As(err, &me) || me.Left != "USD" || me.Right != "JPY" {
		t.Fatalf("err = %v, want *CurrencyMismatchError{USD, JPY}", err)
	}
	if _, err := New(1, "USD").Cmp(New(1, "JPY")); !errors.Is(err, ErrCurrencyMismatch) {
		t.Fatalf("Cmp err = %v", err)
	}
}

func TestOverflow(t *testing.T) {
	big := New(math.MaxInt64, "EUR")
	small := New(math.MinInt64, "EUR")
	if _, err := big.Add(New(1, "EUR")); !errors.Is(err, ErrOverflow) {
		t.Errorf("MaxInt64+1 err = %v", err)
	}
	if _, err := small.Sub(New(1, "EUR")); !errors.Is(err, ErrOverflow) {
		t.Errorf("MinInt64-1 err = %v", err)
	}
	if _, err := small.Add(New(-1, "EUR")); !errors.Is(err, ErrOverflow) {
		t.Errorf("MinInt64+(-1) err = %v", err)
	}
	if _, err := big.Mul(2); !errors.Is(err, ErrOverflow) {
		t.Errorf("Mul err = %v", err)
	}
	if _, err := small.Mul(-1); !errors.Is(err, ErrOverflow) {
		t.Errorf("MinInt64*-1 err = %v", err)
	}
	if got, err := New(math.MinInt64/2, "EUR").Mul(2); err != nil || got.Minor != math.MinInt64 {
		t.Errorf("MinInt64/2*2 = %v, %v", got, err)
	}
	// The 128-bit intermediate lets a large amount take a percentage.
	if got, err := big.Percent(50 * OnePercent); err != nil || got.Minor != math.MaxInt64/2+1 {
		t.Errorf("50%% of MaxInt64 = %v, %v", got, err)
	}
}

func TestMul(t *testing.T) {
	tests := []struct {
		a    Amount
		q    int64
		want int64
	}{
		{New(1999, "EUR"), 3, 5997},
		{New(1999, "EUR"), 0, 0},
		{New(250, "JPY"), -2, -500},
	}
	for _, tt := range tests {
		got, err := tt.a.Mul(tt.q)
		if err != nil || got != New(tt.want, tt.a.Currency) {
			t.Errorf("%v * %d = %v, %v; want %d", tt.a, tt.q, got, err, tt.want)
		}
	}
}

// TestPercentRoundsHalfUp pins the rounding rule: half away from zero.
func TestPercentRoundsHalfUp(t *testing.T) {
	tests := []struct {
		minor int64
		p     Percent
		want  int64
	}{
		{1000, 20 * OnePercent, 200},
		{5, 15 * OnePercent, 1},    // 0.75 -> 1
		{5, 10 * OnePercent, 1},    // 0.5 -> 1 (half up)
		{15, 10 * OnePercent, 2},   // 1.5 -> 2
		{25, 10 * OnePercent, 3},   // 2.5 -> 3 (not 2: not half to even)
		{-25, 10 * OnePercent, -3}, // -2.5 -> -3 (away from zero)
		{4, 10 * OnePercent, 0},    // 0.4 -> 0
		{14, 10 * OnePercent, 1},   // 1.4 -> 1
		{999, 1250, 125},           // 124.875 -> 125
		{1999, Hundred, 1999},
		{1999, 0, 0},
	}
	for _, tt := range tests {
		got, err := New(tt.minor, "EUR").Percent(tt.p)
		if err != nil || got.Minor != tt.want {
			t.Errorf("%v of %d = %v, %v; want %d", tt.p, tt.minor, got, err, tt.want)
		}
	}
}

func TestFraction(t *testing.T) {
	tests := []struct {
		minor, num, den, want int64
	}{
		{1000, 1, 3, 333},
		{1000, 2, 3, 667},
		{-1000, 2, 3, -667},
		{1000, 2, -3, -667},
		{7, 1, 2, 4},
	}
	for _, tt := range tests {
		got, err := New(tt.minor, "USD").Fraction(tt.num, tt.den)
		if err != nil || got.Minor != tt.want {
			t.Errorf("%d*%d/%d = %v, %v; want %d", tt.minor, tt.num, tt.den, got, err, tt.want)
		}
	}
	if _, err := New(1, "USD").Fraction(1, 0); !errors.Is(err, ErrInvalidAmount) {
		t.Errorf("zero denominator err = %v", err)
	}
}

func TestCmpAndSign(t *testing.T) {
	a, b := New(5, "EUR"), New(7, "EUR")
	if c, _ := a.Cmp(b); c != -1 {
		t.Errorf("Cmp = %d", c)
	}
	if c, _ := b.Cmp(a); c != 1 {
		t.Errorf("Cmp = %d", c)
	}
	if c, _ := a.Cmp(a); c != 0 {
		t.Errorf("Cmp = %d", c)
	}
	if !Zero("EUR").IsZero() || !New(-1, "EUR").IsNegative() || !a.IsPositive() {
		t.Error("sign predicates wrong")
	}
}

func TestPercentString(t *testing.T) {
	tests := map[Percent]string{
		20 * OnePercent: "20%", 1250: "12.5%", 1205: "12.05%", 5: "0.05%", Hundred: "100%", -150: "-1.5%",
	}
	for p, want := range tests {
		if got := p.String(); got != want {
			t.Errorf("Percent(%d) = %q, want %q", int64(p), got, want)
		}
	}
}
