package money

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Allocate splits total across len(weights) parts in proportion to the
// non-negative weights (for example line prices) so that the parts sum
// exactly to total. See AllocateMinor for the rule.
func Allocate(total Amount, weights []int64) ([]Amount, error) {
	parts := make([]int64, len(weights))
	if err := AllocateMinor(parts, total.Minor, weights); err != nil {
		return nil, err
	}
	out := make([]Amount, len(parts))
	for i, p := range parts {
		out[i] = Amount{Minor: p, Currency: total.Currency}
	}
	return out, nil
}

// AllocateMinor writes into parts the split of total (minor units) in
// proportion to weights. Each part first gets floor(|total|*w/W), W being
// the sum of weights; the units left over go one each to the parts with the
// largest remainders, ties to the earlier part. The parts then sum exactly
// to total, and when |total| <= W no part exceeds its weight. A negative
// total is split as its absolute value and negated. Weights summing to zero
// are only accepted for a zero total. It does not allocate for up to 64
// parts.
func AllocateMinor(parts []int64, total int64, weights []int64) error {
	if len(parts) != len(weights) {
		return fmt.Errorf("allocate: %d parts for %d weights: %w", len(parts), len(weights), ErrInvalidAllocation)
	}
	var sum uint64
	for i, w := range weights {
		if w < 0 {
			return fmt.Errorf("allocate: weight %d is negative (%d): %w", i, w, ErrInvalidAllocation)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(w), 0)
		if carry != 0 || sum > math.MaxInt64 {
			return fmt.Errorf("allocate: weights: %w", ErrOverflow)
		}
	}
	clear(parts)
	if total == 0 {
		return nil
	}
	if sum == 0 {
		return fmt.Errorf("allocate %d over zero weights: %w", total, ErrInvalidAllocation)
	}
	t := uabs(total)
	var remBuf [64]uint64
	rem := remBuf[:0]
	if len(weights) > len(remBuf) {
		rem = make([]uint64, 0, len(weights))
	}
	given := uint64(0)
	for i, w := range weights {
		hi, lo := bits.Mul64(t, uint64(w))
		q, r := bits.Div64(hi, lo, sum) // q <= t because w <= sum
		parts[i] = int64(q)
		given += q
		rem = append(rem, r)
	}
	distribute(parts, rem, t-given)
	if total < 0 {
		for i := range parts {
			parts[i] = -parts[i]
		}
	}
	return nil
}

// distribute adds one unit to each of the left parts with the largest
// remainders, ties to the lower index. left is smaller than len(parts).
func distribute(parts []int64, rem []uint64, left uint64) {
	if left == 0 {
		return
	}
	if len(parts) <= 64 {
		var taken uint64
		for ; left > 0; left-- {
			best := -1
			for i, r := range rem {
				if taken&(1<<uint(i)) == 0 && (best < 0 || r > rem[best]) {
					best = i
				}
			}
			taken |= 1 << uint(best)
			parts[best]++
		}
		return
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for _, i := range order[:left] {
		parts[i]++
	}
}
