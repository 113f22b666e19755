package analytics

import (
	"slices"

	"github.com/omni-hq/omni/internal/money"
)

// The snapshot is what a replay of the whole event log adds up: attribution
// credits by order day, retention cohorts, customer segments and service
// figures by conversation start day. Every figure is a sum, so the queries
// can add the rows of any period.

type attribKey struct {
	day                         Day
	model                       Model
	channel, campaign, currency string
}

type attribVal struct{ minor, milli int64 }

type cohortKey struct {
	cohort           int // month index of the first purchase
	channel, segment string
	offset           int // months after the first purchase
}

type cohortValKey struct {
	cohort           int
	channel, segment string
}

type cohortVal struct{ customers, repeat, orders int64 }

type cohortRevKey struct {
	cohort                     int
	channel, segment, currency string
}

type segKey struct {
	month            int // month index of the first interaction
	channel, segment string
}

type segVal struct{ customers, purchasers int64 }

type serviceKey struct {
	day     Day
	channel string
}

type serviceVal struct {
	conversations, inbound, outbound, responded, firstResponseMs int64
	resolutionMs, contacts, crossChannel                         int64
}

// noCampaign labels touchpoints without a campaign.
const noCampaign = "(none)"

type snapshotAgg struct {
	opts       Options
	customers  int64
	events     int64
	attrib     map[attribKey]*attribVal
	cohorts    map[cohortKey]int64
	cohortVals map[cohortValKey]*cohortVal
	cohortRev  map[cohortRevKey]int64
	segs       map[segKey]*segVal
	service    map[serviceKey]*serviceVal
}

func newSnapshotAgg(opts Options) *snapshotAgg {
	return &snapshotAgg{opts: opts, attrib: map[attribKey]*attribVal{}, cohorts: map[cohortKey]int64{},
		cohortVals: map[cohortValKey]*cohortVal{}, cohortRev: map[cohortRevKey]int64{},
		segs: map[segKey]*segVal{}, service: map[serviceKey]*serviceVal{}}
}

func (a *snapshotAgg) add(j *journey) {
	a.customers++
	a.events += int64(len(j.recs))
	seg := segmentOf(j)
	sv := getOr(a.segs, segKey{monthIndex(j.firstSeen), j.acquisition, seg}, func() *segVal { return &segVal{} })
	sv.customers++
	if len(j.orders) > 0 {
		sv.purchasers++
		a.addCohort(j, seg)
	}
	a.addAttribution(j)
	a.addService(j)
}

func (a *snapshotAgg) addAttribution(j *journey) {
	lookback, half := a.opts.Lookback.Milliseconds(), a.opts.HalfLife
	times := make([]int64, 0, 16)
	for _, o := range j.orders {
		ts := j.touchesBefore(o, lookback)
		times = times[:0]
		for _, t := range ts {
			times = append(times, t.ts)
		}
		day := DayOf(o.ts)
		for _, m := range Models {
			w := Weights(m, times, o.ts, half)
			credit := make([]int64, len(w))
			milli := make([]int64, len(w))
			if allocate(credit, o.minor, w) != nil || allocate(milli, 1000, w) != nil {
				continue
			}
			for i, t := range ts {
				if credit[i] == 0 && milli[i] == 0 {
					continue
				}
				c := t.campaign
				if c == "" {
					c = noCampaign
				}
				v := getOr(a.attrib, attribKey{day, m, t.channel, c, o.currency}, func() *attribVal { return &attribVal{} })
				v.minor += credit[i]
				v.milli += milli[i]
			}
		}
	}
}

func (a *snapshotAgg) addCohort(j *journey, seg string) {
	first := monthIndex(j.orders[0].ts)
	vk := cohortValKey{first, j.acquisition, seg}
	v := getOr(a.cohortVals, vk, func() *cohortVal { return &cohortVal{} })
	v.customers++
	v.orders += int64(len(j.orders))
	if len(j.orders) >= 2 {
		v.repeat++
	}
	months := map[int]bool{}
	for _, o := range j.orders {
		a.cohortRev[cohortRevKey{first, j.acquisition, seg, o.currency}] += o.minor - o.refunded
		months[monthIndex(o.ts)-first] = true
	}
	for off := range months {
		a.cohorts[cohortKey{first, j.acquisition, seg, off}]++
	}
}

type convState struct {
	start, firstIn, firstReply, lastOut int64
	channel                             string
	channels                            []string
	inbound, outbound, contacts         int64
	lastWasOut                          bool
}

func (a *snapshotAgg) addService(j *journey) {
	convs := map[string]*convState{}
	var order []string
	for i := range j.recs {
		r := &j.recs[i]
		if r.kind != KindMessage || r.facts.Direction == "note" {
			continue
		}
		key := r.facts.Conversation
		if key == "" {
			key = "channel:" + r.channel
		}
		c := convs[key]
		if c == nil {
			c = &convState{start: r.ts, channel: r.channel, firstIn: -1, firstReply: -1, lastOut: -1}
			convs[key] = c
			order = append(order, key)
		}
		c.channels = appendNew(c.channels, r.channel)
		if r.facts.Inbound() {
			c.inbound++
			if c.firstIn < 0 {
				c.firstIn = r.ts
			}
			if c.inbound == 1 || c.lastWasOut {
				c.contacts++
			}
			c.lastWasOut = false
			continue
		}
		c.outbound++
		c.lastWasOut = true
		if c.firstIn >= 0 {
			if c.firstReply < 0 {
				c.firstReply = r.ts
			}
			c.lastOut = r.ts
		}
	}
	for _, key := range order {
		c := convs[key]
		v := getOr(a.service, serviceKey{DayOf(c.start), c.channel}, func() *serviceVal { return &serviceVal{} })
		v.conversations++
		v.inbound += c.inbound
		v.outbound += c.outbound
		v.contacts += c.contacts
		if c.firstReply >= 0 {
			v.responded++
			v.firstResponseMs += c.firstReply - c.firstIn
			v.resolutionMs += c.lastOut - c.firstIn
		}
		if len(c.channels) >= 2 {
			v.crossChannel++
		}
	}
}

func (a *snapshotAgg) merge(o *snapshotAgg) {
	a.customers += o.customers
	a.events += o.events
	for k, v := range o.attrib {
		d := getOr(a.attrib, k, func() *attribVal { return &attribVal{} })
		d.minor += v.minor
		d.milli += v.milli
	}
	for k, v := range o.cohorts {
		a.cohorts[k] += v
	}
	for k, v := range o.cohortVals {
		d := getOr(a.cohortVals, k, func() *cohortVal { return &cohortVal{} })
		d.customers += v.customers
		d.repeat += v.repeat
		d.orders += v.orders
	}
	for k, v := range o.cohortRev {
		a.cohortRev[k] += v
	}
	for k, v := range o.segs {
		d := getOr(a.segs, k, func() *segVal { return &segVal{} })
		d.customers += v.customers
		d.purchasers += v.purchasers
	}
	for k, v := range o.service {
		d := getOr(a.service, k, func() *serviceVal { return &serviceVal{} })
		d.conversations += v.conversations
		d.inbound += v.inbound
		d.outbound += v.outbound
		d.responded += v.responded
		d.firstResponseMs += v.firstResponseMs
		d.resolutionMs += v.resolutionMs
		d.contacts += v.contacts
		d.crossChannel += v.crossChannel
	}
}

func getOr[K comparable, V any](m map[K]V, k K, mk func() V) V {
	v, ok := m[k]
	if !ok {
		v = mk()
		m[k] = v
	}
	return v
}

// sortedMapKeys returns m's keys ordered by less.
func sortedMapKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, compare)
	return out
}

// allocate splits total over weights with money.AllocateMinor.
func allocate(parts []int64, total int64, weights []int64) error {
	return money.AllocateMinor(parts, total, weights)
}
