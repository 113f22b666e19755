package dashboard

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/analytics"
)

// formatShare writes a ratio as a percentage with one decimal: 0.6667 is "66.7%".
func formatShare(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}

// formatDecimal writes a figure with at most two decimals: 1.5, 0.33, 2.
func formatDecimal(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// moneyList writes amounts in several currencies, "–" when there are none.
func moneyList(ms []analytics.Money) string {
	if len(ms) == 0 {
		return "–"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = formatMoney(m.Minor, m.Currency)
	}
	return strings.Join(parts, " + ")
}

// formatSeconds writes a duration given in seconds for people: "45 s",
// "5 min", "2 h 5 min", "3 days 4 h".
func formatSeconds(s float64) string {
	d := int64(math.Round(s))
	switch {
	case d < 60:
		return fmt.Sprintf("%d s", d)
	case d < 3600:
		return fmt.Sprintf("%d min", (d+30)/60)
	case d < 86400:
		m := (d + 30) / 60
		if m%60 == 0 {
			return fmt.Sprintf("%d h", m/60)
		}
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	h := (d + 1800) / 3600
	if h%24 == 0 {
		return fmt.Sprintf("%d days", h/24)
	}
	return fmt.Sprintf("%d days %d h", h/24, h%24)
}

// cohortCell is one cell of a cohort table: the customers of the cohort
// buying in a month after their first purchase, and their share.
type cohortCell struct {
	Has    bool // the month has been reached by the data
	Active int64
	Share  float64
	Level  int // 0 to 5, for shading
}

func cohortAt(c analytics.Cohort, month int) cohortCell {
	if month < 0 || month >= len(c.Active) || month >= len(c.Retention) {
		return cohortCell{}
	}
	r := c.Retention[month]
	return cohortCell{Has: true, Active: c.Active[month], Share: r, Level: int(math.Ceil(min(max(r, 0), 1) * 5))}
}

// months returns 0, 1, … n−1, the month columns of a cohort table.
func months(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
