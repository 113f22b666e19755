package analytics

import "slices"

// touch is a touchpoint: the start of a visit on a channel.
type touch struct {
	ts                int64
	channel, campaign string
}

// order is one order of a customer, counted once per order_id.
type order struct {
	id                string
	ts                int64
	channel, currency string
	minor, refunded   int64
	promos            []string
}

// journey is what a customer's events say, in time order.
type journey struct {
	id          string
	recs        []record
	touches     []touch
	orders      []order
	channels    []string // channels of the customer's own interactions, first-seen order
	acquisition string   // the channel of the customer's first own interaction
	firstSeen   int64
}

// buildJourney derives touchpoints, orders and channels from a customer's
// events. A touchpoint starts with each interaction of the customer's own
// (not an outbound message) that comes on another channel than the previous
// one, after more than gap without any, or with a campaign other than the
// current visit's.
func buildJourney(id string, recs []record, gap int64) journey {
	j := journey{id: id, recs: recs, firstSeen: recs[0].ts}
	var prev *record
	campaign := ""
	orderAt := map[string]int{}
	var coupons []string
	for i := range recs {
		r := &recs[i]
		switch r.kind {
		case KindCoupon:
			coupons = appendNew(coupons, r.facts.Promos...)
		case KindOrder:
			id := r.facts.OrderID
			if id == "" {
				id = "event:" + r.id
			}
			if _, dup := orderAt[id]; !dup {
				orderAt[id] = len(j.orders)
				j.orders = append(j.orders, order{id: id, ts: r.ts, channel: r.channel, currency: r.facts.Currency,
					minor: max(r.facts.Minor, 0), promos: appendNew(slices.Clone(r.facts.Promos), coupons...)})
				coupons = nil
			}
		case KindRefund:
			if k, ok := orderAt[r.facts.OrderID]; ok {
				o := &j.orders[k]
				left := o.minor - o.refunded
				if amt := r.facts.Minor; amt >= 0 && amt < left {
					left = amt
				}
				o.refunded += max(left, 0)
			}
		}
		if !r.external {
			continue
		}
		if len(j.channels) == 0 {
			j.acquisition, j.firstSeen = r.channel, r.ts
		}
		if !slices.Contains(j.channels, r.channel) {
			j.channels = append(j.channels, r.channel)
		}
		c := r.facts.Campaign
		if prev == nil || r.channel != prev.channel || r.ts-prev.ts > gap || (c != "" && c != campaign) {
			campaign = c
			j.touches = append(j.touches, touch{ts: r.ts, channel: r.channel, campaign: c})
		}
		prev = r
	}
	if len(j.channels) == 0 {
		j.acquisition = recs[0].channel
	}
	return j
}

// touchesBefore returns the touchpoints in [ts-lookback, ts]; an order with
// none gets one on its own channel at its own time.
func (j *journey) touchesBefore(o order, lookback int64) []touch {
	lo, _ := slices.BinarySearchFunc(j.touches, o.ts-lookback, func(t touch, ms int64) int {
		return cmpInt(t.ts, ms)
	})
	hi, _ := slices.BinarySearchFunc(j.touches, o.ts+1, func(t touch, ms int64) int {
		return cmpInt(t.ts, ms)
	})
	if lo >= hi {
		return []touch{{ts: o.ts, channel: o.channel}}
	}
	return j.touches[lo:hi]
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendNew appends the values not already in list.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// omnichannel reports whether the customer used two channels or more.
func (j *journey) omnichannel() bool { return len(j.channels) >= 2 }

func segmentOf(j *journey) string {
	if j.omnichannel() {
		return "omnichannel"
	}
	return "single_channel"
}
