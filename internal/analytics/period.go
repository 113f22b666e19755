package analytics

import (
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

const dayMs = 24 * 60 * 60 * 1000

// Day numbers UTC calendar days since 1970-01-01.
type Day int64

// DayOf returns the UTC day of a Unix-millisecond time.
func DayOf(ms int64) Day {
	if ms < 0 {
		return Day((ms - dayMs + 1) / dayMs)
	}
	return Day(ms / dayMs)
}

// Time returns the start of the day.
func (d Day) Time() time.Time { return time.UnixMilli(int64(d) * dayMs).UTC() }

// String formats the day as YYYY-MM-DD.
func (d Day) String() string { return d.Time().Format(time.DateOnly) }

// Period is a range of whole UTC days: From included, To excluded.
type Period struct {
	From Day `json:"-"`
	To   Day `json:"-"`
}

// NewPeriod returns the days from from's day up to, but not including, to's
// day. A zero to means the day after now; a zero from means 30 days before to.
func NewPeriod(from, to time.Time) Period {
	p := Period{}
	if to.IsZero() {
		p.To = DayOf(time.Now().UnixMilli()) + 1
	} else {
		p.To = DayOf(to.UnixMilli())
	}
	if from.IsZero() {
		p.From = p.To - 30
	} else {
		p.From = DayOf(from.UnixMilli())
	}
	return p
}

// ParsePeriod reads inclusive YYYY-MM-DD dates (either may be empty): the
// period runs from from's day through to's day. Empty to means today; empty
// from means 30 days ending with to.
func ParsePeriod(from, to string, now time.Time) (Period, error) {
	var p Period
	if strings.TrimSpace(to) == "" {
		p.To = DayOf(now.UnixMilli()) + 1
	} else {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(to))
		if err != nil {
			return p, apperr.InvalidField("to", "must be a date like 2026-10-31")
		}
		p.To = DayOf(t.UnixMilli()) + 1
	}
	if strings.TrimSpace(from) == "" {
		p.From = p.To - 30
	} else {
		f, err := time.Parse(time.DateOnly, strings.TrimSpace(from))
		if err != nil {
			return p, apperr.InvalidField("from", "must be a date like 2026-10-01")
		}
		p.From = DayOf(f.UnixMilli())
	}
	if p.From >= p.To {
		return p, apperr.InvalidField("from", "must not be after to")
	}
	if p.To-p.From > 3660 {
		return p, apperr.InvalidField("from", "periods are limited to ten years")
	}
	return p, nil
}

// Days is the period's length.
func (p Period) Days() int { return int(p.To - p.From) }

// Previous is the period of the same length just before p.
func (p Period) Previous() Period { return Period{From: p.From - Day(p.Days()), To: p.From} }

// Contains reports whether the Unix-millisecond time falls in the period.
func (p Period) Contains(ms int64) bool { d := DayOf(ms); return d >= p.From && d < p.To }

// StartMs and EndMs bound the period in Unix milliseconds (end excluded).
func (p Period) StartMs() int64 { return int64(p.From) * dayMs }

// EndMs is the first millisecond after the period.
func (p Period) EndMs() int64 { return int64(p.To) * dayMs }

// Range is a period as dates for reports: first and last day included.
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Range returns the period's first and last day.
func (p Period) Range() Range { return Range{From: p.From.String(), To: (p.To - 1).String()} }

// String formats the period as "from … to" with inclusive dates.
func (p Period) String() string { return fmt.Sprintf("%s to %s", p.From, p.To-1) }

// monthOf returns the UTC month of a day as YYYY-MM.
func monthOf(d Day) string { return d.Time().Format("2006-01") }

// monthIndex counts months since January 1970 for a Unix-millisecond time.
func monthIndex(ms int64) int {
	t := time.UnixMilli(ms).UTC()
	return (t.Year()-1970)*12 + int(t.Month()) - 1
}

// monthName formats a month index as YYYY-MM.
func monthName(i int) string {
	return fmt.Sprintf("%04d-%02d", 1970+i/12, i%12+1)
}
