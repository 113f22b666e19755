package analytics

import (
	"fmt"
	"math"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/money"
)

// Model is an attribution model.
type Model string

// The attribution models.
const (
	FirstTouch    Model = "first_touch"
	LastTouch     Model = "last_touch"
	Linear        Model = "linear"
	PositionBased Model = "position_based"
	TimeDecay     Model = "time_decay"
)

// Models lists every attribution model.
var Models = []Model{FirstTouch, LastTouch, Linear, PositionBased, TimeDecay}

// ParseModel validates a model name.
func ParseModel(s string) (Model, error) {
	for _, m := range Models {
		if string(m) == s {
			return m, nil
		}
	}
	return "", apperr.InvalidField("model", "unknown attribution model %q: want first_touch, last_touch, linear, position_based or time_decay", s)
}

// decayScale is the weight of a touchpoint at the moment of the order in
// the time-decay model.
const decayScale = 1_000_000_000

// Weights returns the integer weight of each touchpoint (times in Unix ms,
// oldest first) of an order placed at orderMs:
//
//   - first touch: 1 for the first touchpoint, 0 for the others;
//   - last touch: 1 for the last;
//   - linear: 1 each;
//   - position based: one touchpoint gets everything, two get half each;
//     from three on the first and the last get 40 % each and the middle ones
//     share 20 % equally: weights 2(n−2), 1, …, 1, 2(n−2);
//   - time decay: round(10⁹ × 2^(−age / halfLife)), age being the time from
//     the touchpoint to the order.
func Weights(m Model, touchMs []int64, orderMs int64, halfLife time.Duration) []int64 {
	n := len(touchMs)
	w := make([]int64, n)
	if n == 0 {
		return w
	}
	switch m {
	case FirstTouch:
		w[0] = 1
	case LastTouch:
		w[n-1] = 1
	case Linear:
		for i := range w {
			w[i] = 1
		}
	case PositionBased:
		if n <= 2 {
			for i := range w {
				w[i] = 1
			}
			break
		}
		for i := range w {
			w[i] = 1
		}
		w[0], w[n-1] = int64(2*(n-2)), int64(2*(n-2))
	case TimeDecay:
		h := float64(halfLife.Milliseconds())
		for i, t := range touchMs {
			age := float64(max(orderMs-t, 0))
			w[i] = int64(math.Round(decayScale * math.Exp2(-age/h)))
		}
		if sum(w) == 0 {
			w[n-1] = 1 // ages beyond ~30 half-lives: the latest takes all
		}
	}
	return w
}

// Credit splits an order's value (minor units) over its touchpoints in
// proportion to the model's weights. Parts are whole minor units that sum
// exactly to the value: each touchpoint first gets its share rounded down,
// and the units left over go one each to the touchpoints with the largest
// remainders, the earlier touchpoint first on ties (money.AllocateMinor).
func Credit(m Model, value int64, touchMs []int64, orderMs int64, halfLife time.Duration) ([]int64, error) {
	w := Weights(m, touchMs, orderMs, halfLife)
	parts := make([]int64, len(w))
	if len(w) == 0 {
		return parts, nil
	}
	if err := money.AllocateMinor(parts, value, w); err != nil {
		return nil, fmt.Errorf("attribute %d with %s: %w", value, m, err)
	}
	return parts, nil
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}
