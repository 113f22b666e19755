package money

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// String formats a as "12.34 EUR", with as many decimals as the currency's
// exponent ("1234 JPY", "1.500 KWD", "-0.05 USD"). An unknown currency is
// formatted without decimals.
func (a Amount) String() string {
	exp, err := a.Currency.Exponent()
	if err != nil {
		exp = 0
	}
	digits := strconv.FormatUint(uabs(a.Minor), 10)
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	var b strings.Builder
	b.Grow(len(digits) + len(a.Currency) + 3)
	if a.Minor < 0 {
		b.WriteByte('-')
	}
	b.WriteString(digits[:len(digits)-exp])
	if exp > 0 {
		b.WriteByte('.')
		b.WriteString(digits[len(digits)-exp:])
	}
	b.WriteByte(' ')
	b.WriteString(string(a.Currency))
	return b.String()
}

// Parse reads an amount written as String writes it: a decimal number, one
// space and an ISO 4217 code, e.g. "12.34 EUR", "-5 USD", "1.5 KWD". Fewer
// decimals than the currency's exponent are allowed ("12.3 EUR" is 12.30);
// more, thousands separators or exponents are not.
func Parse(s string) (Amount, error) {
	num, code, ok := strings.Cut(s, " ")
	if !ok || strings.TrimSpace(code) != code {
		return Amount{}, fmt.Errorf("parse %q: want \"<number> <currency>\": %w", s, ErrInvalidAmount)
	}
	cur, err := ParseCurrency(code)
	if err != nil {
		return Amount{}, fmt.Errorf("parse %q: %w", s, err)
	}
	exp, _ := cur.Exponent()
	minor, err := parseMinor(num, exp)
	if err != nil {
		return Amount{}, fmt.Errorf("parse %q: %w", s, err)
	}
	return Amount{Minor: minor, Currency: cur}, nil
}

// parseMinor converts a decimal number to minor units with exp decimals.
func parseMinor(num string, exp int) (int64, error) {
	neg := false
	switch {
	case strings.HasPrefix(num, "-"):
		neg, num = true, num[1:]
	case strings.HasPrefix(num, "+"):
		num = num[1:]
	}
	whole, frac, hasDot := strings.Cut(num, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("number %q: %w", num, ErrInvalidAmount)
	}
	if len(frac) > exp {
		return 0, fmt.Errorf("%d decimals, currency allows %d: %w", len(frac), exp, ErrInvalidAmount)
	}
	digits := whole + frac + strings.Repeat("0", exp-len(frac))
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var v uint64
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("character %q in number: %w", c, ErrInvalidAmount)
		}
		d := uint64(c - '0')
		if v > (limit-d)/10 {
			return 0, ErrOverflow
		}
		v = v*10 + d
	}
	if neg {
		if v == limit {
			return math.MinInt64, nil
		}
		return -int64(v), nil
	}
	return int64(v), nil
}
