package analytics

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Credited is revenue credited to a channel or campaign by one model.
type Credited struct {
	Key         string  `json:"key"` // the channel or campaign
	Currency    string  `json:"currency"`
	Minor       int64   `json:"minor"`
	Share       float64 `json:"share"`       // of the model's credit in that currency
	Conversions float64 `json:"conversions"` // orders credited, in fractions
}

// ModelCredits is one model's credit by channel and by campaign.
type ModelCredits struct {
	Model      Model      `json:"model"`
	ByChannel  []Credited `json:"by_channel"`
	ByCampaign []Credited `json:"by_campaign"`
}

// Attribution is revenue of the period's orders credited to the channels and
// campaigns of each purchaser's touchpoints.
type Attribution struct {
	Period       Range          `json:"period"`
	AsOf         time.Time      `json:"as_of"`
	LookbackDays float64        `json:"lookback_days"`
	HalfLifeDays float64        `json:"half_life_days"`
	Revenue      []Money        `json:"revenue"`
	Models       []ModelCredits `json:"models"`
}

// Attribution returns the credit of every model for the orders placed in p,
// from the latest snapshot. Results are kept per period until the next
// snapshot, so callers share them: treat them as read-only.
func (s *Service) Attribution(ctx context.Context, p Period) (Attribution, error) {
	info, err := s.snapshot(ctx)
	if err != nil {
		return Attribution{}, err
	}
	if a, ok := s.memo.attribution(info.ID, p); ok {
		return a, nil
	}
	a, err := s.sumAttribution(ctx, p, info)
	if err == nil {
		s.memo.putAttribution(info.ID, p, a)
	}
	return a, err
}

// sumAttribution adds up the snapshot's credits of the orders placed in p.
func (s *Service) sumAttribution(ctx context.Context, p Period, info RefreshInfo) (Attribution, error) {
	a := Attribution{Period: p.Range(), AsOf: info.FinishedAt, LookbackDays: s.opts.Lookback.Hours() / 24,
		HalfLifeDays: s.opts.HalfLife.Hours() / 24, Revenue: []Money{}}
	rows, err := s.db.QueryContext(ctx, `SELECT model, channel, campaign, currency, SUM(credit_minor), SUM(conversions_milli)
		FROM analytics_attribution WHERE day >= ? AND day < ? GROUP BY model, channel, campaign, currency`, int64(p.From), int64(p.To))
	if err != nil {
		return a, wrap("sum attribution", err)
	}
	defer rows.Close()
	type acc struct{ minor, milli int64 }
	byChan := map[Model]map[[2]string]*acc{}
	byCamp := map[Model]map[[2]string]*acc{}
	totals := map[Model]map[string]int64{}
	for rows.Next() {
		var m, ch, camp, cur string
		var minor, milli int64
		if err := rows.Scan(&m, &ch, &camp, &cur, &minor, &milli); err != nil {
			return a, wrap("sum attribution", err)
		}
		model := Model(m)
		if byChan[model] == nil {
			byChan[model], byCamp[model], totals[model] = map[[2]string]*acc{}, map[[2]string]*acc{}, map[string]int64{}
		}
		for _, t := range []struct {
			m   map[[2]string]*acc
			key string
		}{{byChan[model], ch}, {byCamp[model], camp}} {
			v := getOr(t.m, [2]string{t.key, cur}, func() *acc { return &acc{} })
			v.minor += minor
			v.milli += milli
		}
		totals[model][cur] += minor
	}
	if err := rows.Err(); err != nil {
		return a, wrap("sum attribution", err)
	}
	credits := func(m Model, in map[[2]string]*acc) []Credited {
		out := make([]Credited, 0, len(in))
		for k, v := range in {
			out = append(out, Credited{Key: k[0], Currency: k[1], Minor: v.minor, Share: ratio(v.minor, totals[m][k[1]]),
				Conversions: float64(v.milli) / 1000})
		}
		slices.SortFunc(out, func(x, y Credited) int {
			if c := strings.Compare(x.Currency, y.Currency); c != 0 {
				return c
			}
			if x.Minor != y.Minor {
				return cmpInt(y.Minor, x.Minor)
			}
			return strings.Compare(x.Key, y.Key)
		})
		return out
	}
	for _, m := range Models {
		a.Models = append(a.Models, ModelCredits{Model: m, ByChannel: credits(m, byChan[m]), ByCampaign: credits(m, byCamp[m])})
	}
	a.Revenue = moneyList(totals[LastTouch])
	return a, nil
}

// ServiceFigures are service figures of conversations from message events.
type ServiceFigures struct {
	Channel       string  `json:"channel"` // the channel the conversations started on; "" in the total
	Conversations int64   `json:"conversations"`
	Inbound       int64   `json:"inbound_messages"`
	Outbound      int64   `json:"outbound_messages"`
	Responded     int64   `json:"responded"` // conversations with an agent message after the customer's first
	ResponseRate  float64 `json:"response_rate"`
	// AvgFirstResponseSeconds: from the customer's first message to the
	// first agent message after it.
	AvgFirstResponseSeconds float64 `json:"avg_first_response_seconds"`
	// AvgResolutionSeconds (a proxy): from the customer's first message to
	// the last agent message.
	AvgResolutionSeconds float64 `json:"avg_resolution_seconds"`
	// ContactsPerConversation: customer messages that open the conversation
	// or follow an agent message, per conversation.
	ContactsPerConversation float64 `json:"contacts_per_conversation"`
	// CrossChannel counts conversations seen on two channels or more.
	CrossChannel      int64   `json:"cross_channel"`
	CrossChannelShare float64 `json:"cross_channel_share"`
}

// ServiceReport holds service figures in total and by starting channel.
type ServiceReport struct {
	Period    Range            `json:"period"`
	AsOf      time.Time        `json:"as_of"`
	Total     ServiceFigures   `json:"total"`
	ByChannel []ServiceFigures `json:"by_channel"`
}

// Support returns service figures for conversations started in p, from the
// latest snapshot.
func (s *Service) Support(ctx context.Context, p Period) (ServiceReport, error) {
	info, err := s.snapshot(ctx)
	if err != nil {
		return ServiceReport{}, err
	}
	r := ServiceReport{Period: p.Range(), AsOf: info.FinishedAt, ByChannel: []ServiceFigures{}}
	rows, err := s.db.QueryContext(ctx, `SELECT channel, SUM(conversations), SUM(inbound), SUM(outbound), SUM(responded),
		SUM(first_response_ms), SUM(resolution_ms), SUM(contacts), SUM(cross_channel)
		FROM analytics_service WHERE day >= ? AND day < ? GROUP BY channel ORDER BY channel`, int64(p.From), int64(p.To))
	if err != nil {
		return r, wrap("sum service figures", err)
	}
	defer rows.Close()
	var total serviceVal
	for rows.Next() {
		var ch string
		var v serviceVal
		if err := rows.Scan(&ch, &v.conversations, &v.inbound, &v.outbound, &v.responded, &v.firstResponseMs,
			&v.resolutionMs, &v.contacts, &v.crossChannel); err != nil {
			return r, wrap("sum service figures", err)
		}
		r.ByChannel = append(r.ByChannel, serviceFigures(ch, v))
		total.conversations += v.conversations
		total.inbound += v.inbound
		total.outbound += v.outbound
		total.responded += v.responded
		total.firstResponseMs += v.firstResponseMs
		total.resolutionMs += v.resolutionMs
		total.contacts += v.contacts
		total.crossChannel += v.crossChannel
	}
	r.Total = serviceFigures("", total)
	return r, wrap("sum service figures", rows.Err())
}

func serviceFigures(ch string, v serviceVal) ServiceFigures {
	secs := func(ms, n int64) float64 {
		if n == 0 {
			return 0
		}
		return float64(ms) / float64(n) / 1000
	}
	return ServiceFigures{Channel: ch, Conversations: v.conversations, Inbound: v.inbound, Outbound: v.outbound,
		Responded: v.responded, ResponseRate: ratio(v.responded, v.conversations),
		AvgFirstResponseSeconds: secs(v.firstResponseMs, v.responded), AvgResolutionSeconds: secs(v.resolutionMs, v.responded),
		ContactsPerConversation: ratio(v.contacts, v.conversations), CrossChannel: v.crossChannel,
		CrossChannelShare: ratio(v.crossChannel, v.conversations)}
}
