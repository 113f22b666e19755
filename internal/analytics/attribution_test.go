package analytics

import (
	"slices"
	"testing"
	"time"
)

const day = int64(24 * time.Hour / time.Millisecond)

// TestCredit checks every model against tables worked out by hand. The
// order is at day 28; touchpoints are given as days before it.
func TestCredit(t *testing.T) {
	half := 7 * 24 * time.Hour
	order := 28 * day
	at := func(daysBefore ...int64) []int64 {
		out := make([]int64, len(daysBefore))
		for i, d := range daysBefore {
			out[i] = order - d*day
		}
		return out
	}
	tests := []struct {
		name    string
		model   Model
		value   int64
		touches []int64
		want    []int64
	}{
		{"first touch takes all", FirstTouch, 10000, at(14, 7, 0), []int64{10000, 0, 0}},
		{"last touch takes all", LastTouch, 10000, at(14, 7, 0), []int64{0, 0, 10000}},
		{"single touchpoint", Linear, 999, at(3), []int64{999}},
		// 10000 / 3 = 3333 r 1: equal remainders, the earliest gets the unit.
		{"linear remainder to the earliest", Linear, 10000, at(14, 7, 0), []int64{3334, 3333, 3333}},
		// 100 / 6 = 16 r 4: the first four get 17.
		{"linear six ways", Linear, 100, at(5, 4, 3, 2, 1, 0), []int64{17, 17, 17, 17, 16, 16}},
		{"position one touch", PositionBased, 10000, at(1), []int64{10000}},
		{"position two touches halve", PositionBased, 10001, at(2, 1), []int64{5001, 5000}},
		// 40 / 20 / 40.
		{"position three", PositionBased, 10000, at(3, 2, 1), []int64{4000, 2000, 4000}},
		// 40 %, 20 % over two middles (10 % each), 40 %.
		{"position four", PositionBased, 10000, at(4, 3, 2, 1), []int64{4000, 1000, 1000, 4000}},
		// Weights 2(n-2)=6, 1, 1, 1, 6 (sum 15): 1000·6/15 = 400, 1000/15 = 66.67
		// three times: 66 each and 2 units left, to the two largest remainders
		// (the middles, 0.67 each; earliest first).
		{"position five, rounding", PositionBased, 1000, at(5, 4, 3, 2, 1), []int64{400, 67, 67, 66, 400}},
		// Ages 14, 7, 0 days with a 7-day half-life: weights 1/4, 1/2, 1
		// (sum 7/4): 10000·(1/7, 2/7, 4/7) = 1428.57, 2857.14, 5714.29 →
		// 1428, 2857, 5714 and one unit left to the largest remainder (the first).
		{"time decay halves each week", TimeDecay, 10000, at(14, 7, 0), []int64{1429, 2857, 5714}},
		{"time decay equal ages", TimeDecay, 100, at(7, 7), []int64{50, 50}},
		{"no value", Linear, 0, at(2, 1), []int64{0, 0}},
		{"refund-sized negative value", Linear, -10, at(2, 1, 0), []int64{-4, -3, -3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Credit(tt.model, tt.value, tt.touches, order, half)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Credit = %v, want %v", got, tt.want)
			}
			if sum(got) != tt.value {
				t.Fatalf("parts sum to %d, want %d", sum(got), tt.value)
			}
		})
	}
}

func TestWeights(t *testing.T) {
	half := 7 * 24 * time.Hour
	tests := []struct {
		model   Model
		touches []int64
		want    []int64
	}{
		{TimeDecay, []int64{0, 7 * day, 14 * day}, []int64{250_000_000, 500_000_000, 1_000_000_000}},
		{TimeDecay, []int64{14*day - 7*day/2 /* 3.5 days before */, 14 * day}, []int64{707_106_781, 1_000_000_000}},
		{TimeDecay, []int64{-10_000 * day}, []int64{1}},
		{PositionBased, []int64{1, 2, 3, 4, 5, 6}, []int64{8, 1, 1, 1, 1, 8}},
		{Linear, nil, []int64{}},
	}
	for _, tt := range tests {
		got := Weights(tt.model, tt.touches, 14*day, half)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: weights %v, want %v", tt.model, tt.touches, got, tt.want)
		}
	}
}

func TestParseModel(t *testing.T) {
	for _, m := range Models {
		if got, err := ParseModel(string(m)); err != nil || got != m {
			t.Errorf("ParseModel(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := ParseModel("u_shaped"); err == nil {
		t.Error("ParseModel accepted an unknown model")
	}
}
