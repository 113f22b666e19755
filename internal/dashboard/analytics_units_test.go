package dashboard

import (
	"net/url"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
)

func TestAnalyticsFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{formatSeconds(0), "0 s"}, {formatSeconds(44.6), "45 s"}, {formatSeconds(300), "5 min"},
		{formatSeconds(29410), "8 h 10 min"}, {formatSeconds(7200), "2 h"}, {formatSeconds(3*86400 + 4*3600), "3 days 4 h"},
		{formatSeconds(2 * 86400), "2 days"},
		{formatShare(2.0 / 3), "66.7%"}, {formatShare(0), "0.0%"}, {formatShare(1), "100.0%"},
		{formatDecimal(1.666), "1.67"}, {formatDecimal(2), "2"},
		{moneyList(nil), "–"}, {moneyList([]analytics.Money{{Currency: "EUR", Minor: 7500}, {Currency: "JPY", Minor: 300}}), "75.00 EUR + 300 JPY"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	c := analytics.Cohort{Active: []int64{4, 1}, Retention: []float64{1, 0.25}}
	if got := cohortAt(c, 1); !got.Has || got.Active != 1 || got.Level != 2 {
		t.Errorf("month 1 cell %+v", got)
	}
	if got := cohortAt(c, 2); got.Has {
		t.Errorf("a month the data has not reached shows %+v", got)
	}
}

func TestParsePeriodView(t *testing.T) {
	now := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query          string
		days           int
		from, to, link string
		bad            bool
	}{
		{"", 30, "2026-10-27", "2026-11-25", "days=30", false},
		{"days=7", 7, "2026-11-19", "2026-11-25", "days=7", false},
		{"from=2026-10-01&to=2026-10-31", 0, "2026-10-01", "2026-10-31", "from=2026-10-01&to=2026-10-31", false},
		{"to=2026-10-31", 0, "2026-10-02", "2026-10-31", "from=2026-10-02&to=2026-10-31", false},
		{"days=12", 0, "", "", "", true},
		{"from=2026-10-31&to=2026-10-01", 0, "", "", "", true},
		{"from=yesterday", 0, "", "", "", true},
	} {
		q, _ := url.ParseQuery(tc.query)
		v, err := parsePeriodView(q, now)
		if (err != nil) != tc.bad {
			t.Errorf("%q: error %v", tc.query, err)
			continue
		}
		if !tc.bad && (v.Days != tc.days || v.From != tc.from || v.To != tc.to || v.query().Encode() != tc.link) {
			t.Errorf("%q: %d days, %s to %s, link %s", tc.query, v.Days, v.From, v.To, v.query().Encode())
		}
	}
}
