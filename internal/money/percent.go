package money

import "strconv"

// Percent is a percentage in hundredths of a percent (basis points):
// 1250 is 12.5%, Hundred (10000) is 100%.
type Percent int64

// OnePercent is 1%; 20*OnePercent is 20%.
const OnePercent Percent = 100

// Hundred is 100%.
const Hundred Percent = 10000

// String formats p without trailing zeros, e.g. "12.5%" or "20%".
func (p Percent) String() string {
	v := int64(p)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	s := sign + strconv.FormatInt(v/100, 10)
	if frac := v % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:]
		if f[1] == '0' {
			f = f[:1]
		}
		s += "." + f
	}
	return s + "%"
}
