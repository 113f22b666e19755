package app

import (
	"testing"
	"time"
)

func TestSalesKey(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	from := time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		to   time.Time
		want [2]int64
	}{
		{"up to now", now, [2]int64{from.UnixMilli(), 0}},
		{"up to a moment ago: the same entry", now.Add(-20 * time.Second), [2]int64{from.UnixMilli(), 0}},
		{"a past period", from.AddDate(0, 0, 30), [2]int64{from.UnixMilli(), from.AddDate(0, 0, 30).UnixMilli()}},
		{"ended two minutes ago", now.Add(-2 * time.Minute), [2]int64{from.UnixMilli(), now.Add(-2 * time.Minute).UnixMilli()}},
	}
	for _, tc := range tests {
		if got := salesKey(from, tc.to, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
