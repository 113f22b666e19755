// Package money represents amounts of money as integer minor units (cents,
// fils, yen) tagged with an ISO 4217 currency. No floating point is used
// anywhere: arithmetic is exact and every result that would not fit in an
// int64 is reported as ErrOverflow.
//
// Rounding: Fraction and Percent round half up, that is half away from zero
// (0.5 becomes 1, 2.5 becomes 3, -2.5 becomes -3). Allocate splits a total
// proportionally and hands out the remainder by largest remainder, ties to
// the earlier part, so the parts always sum exactly to the total.
package money

import (
	"math"
	"math/bits"
)

// Amount is a quantity of money in integer minor units of Currency:
// {Minor: 1234, Currency: "EUR"} is 12.34 EUR.
type Amount struct {
	Minor    int64    `json:"minor"`
	Currency Currency `json:"currency"`
}

// New returns the amount of minor units in currency c.
func New(minor int64, c Currency) Amount {
	return Amount{Minor: minor, Currency: c}
}

// Zero returns a zero amount in currency c.
func Zero(c Currency) Amount {
	return Amount{Currency: c}
}

// IsZero reports whether a has no minor units.
func (a Amount) IsZero() bool { return a.Minor == 0 }

// IsNegative reports whether a is below zero.
func (a Amount) IsNegative() bool { return a.Minor < 0 }

// IsPositive reports whether a is above zero.
func (a Amount) IsPositive() bool { return a.Minor > 0 }

func (a Amount) same(b Amount) error {
	if a.Currency != b.Currency {
		return &CurrencyMismatchError{Left: a.Currency, Right: b.Currency}
	}
	return nil
}

// Add returns a+b. Different currencies give a *CurrencyMismatchError.
func (a Amount) Add(b Amount) (Amount, error) {
	if err := a.same(b); err != nil {
		return Amount{}, err
	}
	s := a.Minor + b.Minor
	if (b.Minor > 0 && s < a.Minor) || (b.Minor < 0 && s > a.Minor) {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: s, Currency: a.Currency}, nil
}

// Sub returns a-b. Different currencies give a *CurrencyMismatchError.
func (a Amount) Sub(b Amount) (Amount, error) {
	if err := a.same(b); err != nil {
		return Amount{}, err
	}
	d := a.Minor - b.Minor
	if (b.Minor < 0 && d < a.Minor) || (b.Minor > 0 && d > a.Minor) {
		return Amount{}, ErrOverflow
	}
	return Amount{Minor: d, Currency: a.Currency}, nil
}

// Cmp compares a and b: -1 if a < b, 0 if equal, +1 if a > b.
// Different currencies give a *CurrencyMismatchError.
func (a Amount) Cmp(b Amount) (int, error) {
	if err := a.same(b); err != nil {
		return 0, err
	}
	switch {
	case a.Minor < b.Minor:
		return -1, nil
	case a.Minor > b.Minor:
		return 1, nil
	}
	return 0, nil
}

// Mul returns a multiplied by quantity q, exactly.
func (a Amount) Mul(q int64) (Amount, error) {
	m, err := mulDiv(a.Minor, q, 1)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Minor: m, Currency: a.Currency}, nil
}

// Fraction returns a*num/den rounded half up (half away from zero).
// A zero den gives ErrInvalidAmount.
func (a Amount) Fraction(num, den int64) (Amount, error) {
	if den == 0 {
		return Amount{}, ErrInvalidAmount
	}
	m, err := mulDiv(a.Minor, num, den)
	if err != nil {
		return Amount{}, err
	}
	return Amount{Minor: m, Currency: a.Currency}, nil
}

// Percent returns p of a, rounded half up (half away from zero):
// 15% of 0.05 EUR is 0.0075 EUR, which rounds to 0.01 EUR.
func (a Amount) Percent(p Percent) (Amount, error) {
	return a.Fraction(int64(p), int64(Hundred))
}

func uabs(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // also correct for math.MinInt64
	}
	return uint64(x)
}

// mulDiv returns x*num/den rounded half away from zero, using a 128-bit
// intermediate product so that only the final result has to fit in int64.
func mulDiv(x, num, den int64) (int64, error) {
	neg := (x < 0) != (num < 0) != (den < 0)
	ux, un, ud := uabs(x), uabs(num), uabs(den)
	hi, lo := bits.Mul64(ux, un)
	if hi >= ud {
		return 0, ErrOverflow
	}
	q, r := bits.Div64(hi, lo, ud)
	if r >= ud-r { // 2r >= den, without overflowing
		q++
		if q == 0 {
			return 0, ErrOverflow
		}
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	if q > limit {
		return 0, ErrOverflow
	}
	if neg {
		if q == limit {
			return math.MinInt64, nil
		}
		return -int64(q), nil
	}
	return int64(q), nil
}
