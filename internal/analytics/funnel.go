package analytics

import "context"

// FunnelStep is one step of the cross-channel funnel.
type FunnelStep struct {
	Step      string `json:"step"`
	Customers int64  `json:"customers"` // did this step and every earlier one in the period
	// RateFromPrevious is Customers over the previous step's customers.
	RateFromPrevious float64 `json:"rate_from_previous"`
	// SwitchedChannel counts customers of this step who did it on none of
	// the channels on which they did the previous step.
	SwitchedChannel int64          `json:"switched_channel"`
	SwitchedShare   float64        `json:"switched_share"`
	ByChannel       []ChannelCount `json:"by_channel"` // customers of this step who did it on each channel
}

// ChannelCount is a count of customers on one channel.
type ChannelCount struct {
	Channel   string `json:"channel"`
	Customers int64  `json:"customers"`
}

// Funnel is view → add to cart → checkout → purchase, counting customers
// across every channel.
type Funnel struct {
	Period     Range        `json:"period"`
	Steps      []FunnelStep `json:"steps"`
	Conversion float64      `json:"conversion"` // purchase customers over view customers
	// SwitchedJourneys counts purchasers who switched channel between at
	// least two consecutive steps; SwitchedShare is their share of purchasers.
	SwitchedJourneys int64   `json:"switched_journeys"`
	SwitchedShare    float64 `json:"switched_share"`
}

// Funnel counts, for the period, the customers who did each step and all
// the steps before it, on any channel and in any order within the period,
// and how many of them changed channel between consecutive steps.
func (s *Service) Funnel(ctx context.Context, p Period) (Funnel, error) {
	f := Funnel{Period: p.Range(), Steps: []FunnelStep{}}
	sums, err := s.rollupSums(ctx, p)
	if err != nil {
		return f, err
	}
	chanSeen := map[string]bool{}
	for _, r := range sums {
		chanSeen[r.channel] = true
	}
	channels := sortedKeys(chanSeen)
	var names []string
	for _, st := range Steps {
		names = append(names, stepSet[st])
		for _, c := range channels {
			names = append(names, channelSet(stepSet[st], c))
		}
	}
	sets, err := s.loadSets(ctx, p, names)
	if err != nil {
		return f, err
	}
	var reached, switchedAny CustomerSet
	for i, st := range Steps {
		did := sets[stepSet[st]]
		if i == 0 {
			reached = did.Clone()
			switchedAny = CustomerSet{}
		} else {
			reached.And(did)
		}
		step := FunnelStep{Step: st.String(), Customers: int64(reached.Len()), ByChannel: []ChannelCount{}}
		for _, c := range channels {
			if n := Intersect(reached, sets[channelSet(stepSet[st], c)]).Len(); n > 0 {
				step.ByChannel = append(step.ByChannel, ChannelCount{Channel: c, Customers: int64(n)})
			}
		}
		if i > 0 {
			prev := f.Steps[i-1]
			step.RateFromPrevious = ratio(step.Customers, prev.Customers)
			same := CustomerSet{}
			for _, c := range channels {
				same.Or(Intersect(sets[channelSet(stepSet[Steps[i-1]], c)], sets[channelSet(stepSet[st], c)]))
			}
			switched := reached.Clone()
			switched.AndNot(same)
			step.SwitchedChannel = int64(switched.Len())
			step.SwitchedShare = ratio(step.SwitchedChannel, step.Customers)
			switchedAny.Or(switched)
		}
		f.Steps = append(f.Steps, step)
	}
	switchedAny.And(reached)
	f.SwitchedJourneys = int64(switchedAny.Len())
	last := f.Steps[len(f.Steps)-1].Customers
	f.SwitchedShare = ratio(f.SwitchedJourneys, last)
	f.Conversion = ratio(last, f.Steps[0].Customers)
	return f, nil
}
