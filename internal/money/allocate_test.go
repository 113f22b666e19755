package money

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"even", 300, []int64{100, 100, 100}, []int64{100, 100, 100}},
		{"proportional", 1000, []int64{2000, 1000, 1000}, []int64{500, 250, 250}},
		{"remainder tie goes to first", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"two left over ties by order", 200, []int64{1, 1, 1}, []int64{67, 67, 66}},
		{"largest remainder wins", 10, []int64{333, 333, 334}, []int64{3, 3, 4}},
		// 7 * 1/6 = 1.1667, 7 * 2/6 = 2.333, 7 * 3/6 = 3.5: one unit left, to the 0.5.
		{"largest remainder not first", 7, []int64{1, 2, 3}, []int64{1, 2, 4}},
		{"zero weight gets nothing", 99, []int64{0, 50, 50}, []int64{0, 50, 49}},
		{"negative total", -100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{"zero total", 0, []int64{0, 0}, []int64{0, 0}},
		{"single", 17, []int64{5}, []int64{17}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Allocate(New(tt.total, "EUR"), tt.weights)
			if err != nil {
				t.Fatal(err)
			}
			minor := make([]int64, len(got))
			for i, a := range got {
				if a.Currency != "EUR" {
					t.Fatalf("part %d currency %q", i, a.Currency)
				}
				minor[i] = a.Minor
			}
			if !slices.Equal(minor, tt.want) {
				t.Errorf("Allocate(%d, %v) = %v, want %v", tt.total, tt.weights, minor, tt.want)
			}
		})
	}
}

func TestAllocateErrors(t *testing.T) {
	if _, err := Allocate(New(5, "EUR"), []int64{0, 0}); !errors.Is(err, ErrInvalidAllocation) {
		t.Errorf("zero weights err = %v", err)
	}
	if _, err := Allocate(New(5, "EUR"), nil); !errors.Is(err, ErrInvalidAllocation) {
		t.Errorf("no weights err = %v", err)
	}
	if _, err := Allocate(New(5, "EUR"), []int64{3, -1}); !errors.Is(err, ErrInvalidAllocation) {
		t.Errorf("negative weight err = %v", err)
	}
	if err := AllocateMinor(make([]int64, 1), 5, []int64{1, 2}); !errors.Is(err, ErrInvalidAllocation) {
		t.Errorf("length mismatch err = %v", err)
	}
	if _, err := Allocate(New(5, "EUR"), []int64{1 << 62, 1 << 62}); !errors.Is(err, ErrOverflow) {
		t.Errorf("weight overflow err = %v", err)
	}
}

// TestAllocateProperties checks on random inputs, small and beyond 64 parts,
// that the parts sum to the total, never exceed their weight when the total
// fits in the weights, and follow the largest-remainder rule.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		n := 1 + rng.IntN(12)
		if iter%10 == 0 {
			n = 65 + rng.IntN(100)
		}
		weights := make([]int64, n)
		var sum int64
		for i := range weights {
			weights[i] = rng.Int64N(100000)
			sum += weights[i]
		}
		if sum == 0 {
			continue
		}
		total := rng.Int64N(sum + 1)
		parts := make([]int64, n)
		if err := AllocateMinor(parts, total, weights); err != nil {
			t.Fatal(err)
		}
		var got int64
		for i, p := range parts {
			got += p
			if p < 0 || p > weights[i] {
				t.Fatalf("part %d = %d outside [0, %d] (total %d, weights %v)", i, p, weights[i], total, weights)
			}
			floor := total * weights[i] / sum
			if p != floor && p != floor+1 {
				t.Fatalf("part %d = %d, floor %d", i, p, floor)
			}
		}
		if got != total {
			t.Fatalf("parts sum %d, total %d", got, total)
		}
		checkLargestRemainder(t, parts, weights, total, sum)
	}
}

func checkLargestRemainder(t *testing.T, parts, weights []int64, total, sum int64) {
	t.Helper()
	for i := range parts {
		for j := range parts {
			ri, rj := total*weights[i]%sum, total*weights[j]%sum
			bumpedI := parts[i] != total*weights[i]/sum
			bumpedJ := parts[j] != total*weights[j]/sum
			if !bumpedI && bumpedJ && (ri > rj || (ri == rj && i < j)) {
				t.Fatalf("part %d (rem %d) skipped while part %d (rem %d) got a unit", i, ri, j, rj)
			}
		}
	}
}

func BenchmarkAllocateMinor10(b *testing.B) {
	weights := []int64{1999, 2999, 599, 12000, 100, 4500, 333, 780, 19999, 4}
	parts := make([]int64, len(weights))
	b.ReportAllocs()
	for b.Loop() {
		if err := AllocateMinor(parts, 4321, weights); err != nil {
			b.Fatal(err)
		}
	}
}
