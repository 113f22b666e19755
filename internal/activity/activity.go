// Package activity summarises the event log for people watching it: how many
// events each channel delivered per day over a period, when each channel and
// each source last sent one, and how many customers there are and how many
// are new. Days are UTC days of the time an event was received.
//
// The event writer keeps the counts (RecordTx, table activity_daily) in the
// transaction that stores the events, so a summary reads a few rows per day
// whatever the size of the log. Events erased later stay counted.
package activity

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/swr"
)

// Day is the length of one bucket of EventsByDay.
const Day = 24 * time.Hour

// Service reads summaries from the store.
type Service struct {
	db  *store.DB
	now func() time.Time

	counts *swr.Cache[[2]int64, CustomerCounts] // by the periods' starts
}

// countsTTL is how long customer counts are reused as they are: counting a
// million customers by their creation index takes a good part of a page's
// budget, and a count a few seconds old is as true for someone looking at a
// dashboard. An older count is still answered once more while a fresh one is
// taken in the background, so only the first view of a period waits.
const countsTTL = 15 * time.Second

// countsMaxAge is the age past which a count is not answered at all.
const countsMaxAge = 10 * time.Minute

// NewService returns a Service on db.
func NewService(db *store.DB) *Service {
	s := &Service{db: db, now: time.Now}
	s.counts = swr.New[[2]int64, CustomerCounts](swr.Options{Fresh: countsTTL, MaxAge: countsMaxAge, MaxEntries: 64,
		Now: func() time.Time { return s.now() }})
	return s
}

// Series is the number of events received per UTC day, per channel.
type Series struct {
	Days      []time.Time        // the start of each day, oldest first
	ByChannel map[string][]int64 // channel → events on each of Days
}

// Total returns the events of every channel on every day.
func (s Series) Total() int64 {
	var n int64
	for _, c := range s.ByChannel {
		for _, v := range c {
			n += v
		}
	}
	return n
}

// ChannelTotal returns the events of one channel over every day.
func (s Series) ChannelTotal(channel string) int64 {
	var n int64
	for _, v := range s.ByChannel[channel] {
		n += v
	}
	return n
}

// EventsByDay counts events received per channel on each UTC day from the
// day of from up to and including the day of to (at most 400 days). Every
// channel that ever sent an event has a row, zeros included.
func (s *Service) EventsByDay(ctx context.Context, from, to time.Time) (Series, error) {
	first, last := from.UTC().Truncate(Day), to.UTC().Truncate(Day)
	n := int(last.Sub(first)/Day) + 1
	if n < 1 || n > 400 {
		return Series{}, apperr.InvalidField("period", "must span 1 to 400 days")
	}
	out := Series{Days: make([]time.Time, n), ByChannel: map[string][]int64{}}
	for i := range out.Days {
		out.Days[i] = first.Add(time.Duration(i) * Day)
	}
	channels, err := s.Channels(ctx)
	if err != nil {
		return Series{}, err
	}
	for _, ch := range channels {
		out.ByChannel[ch] = make([]int64, n)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT day, channel, SUM(events) FROM activity_daily
		WHERE day >= ? AND day <= ? GROUP BY day, channel`, first.UnixMilli(), last.UnixMilli())
	if err != nil {
		return Series{}, fmt.Errorf("count events per day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, count int64
		var ch string
		if err := rows.Scan(&day, &ch, &count); err != nil {
			return Series{}, fmt.Errorf("count events per day: %w", err)
		}
		if c, ok := out.ByChannel[ch]; ok {
			c[(day-first.UnixMilli())/Day.Milliseconds()] = count
		}
	}
	if err := rows.Err(); err != nil {
		return Series{}, fmt.Errorf("count events per day: %w", err)
	}
	return out, nil
}

// Channels lists the channels that have sent events, in order.
func (s *Service) Channels(ctx context.Context) ([]string, error) {
	last, err := s.LastByChannel(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(last)), nil
}

// LastByChannel returns when each channel that has sent events last did.
func (s *Service) LastByChannel(ctx context.Context) (map[string]time.Time, error) {
	return s.lastBy(ctx, "channel", nil)
}

// LastBySource returns when each of the given sources last sent an event;
// sources that never did are absent.
func (s *Service) LastBySource(ctx context.Context, sourceIDs []string) (map[string]time.Time, error) {
	if len(sourceIDs) == 0 {
		return map[string]time.Time{}, nil
	}
	return s.lastBy(ctx, "source_id", sourceIDs)
}

// lastBy reads the latest receipt per channel or source (col), for the given
// values only when there are any.
func (s *Service) lastBy(ctx context.Context, col string, only []string) (map[string]time.Time, error) {
	q := "SELECT " + col + ", MAX(last_received_at) FROM activity_daily"
	args := make([]any, len(only))
	if len(only) > 0 {
		q += " WHERE " + col + " IN (" + store.Placeholders(len(only)) + ")"
		for i, v := range only {
			args[i] = v
		}
	}
	rows, err := s.db.QueryContext(ctx, q+" GROUP BY "+col, args...)
	if err != nil {
		return nil, fmt.Errorf("last event by %s: %w", col, err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var key string
		var last int64
		if err := rows.Scan(&key, &last); err != nil {
			return nil, fmt.Errorf("last event by %s: %w", col, err)
		}
		out[key] = time.UnixMilli(last).UTC()
	}
	return out, rows.Err()
}

// Period is a span of time [From, To).
type Period struct {
	From, To time.Time
}

// CustomerCounts is how many live (not merged-away) customers there are.
type CustomerCounts struct {
	Total int64 // all live customers
	New   int64 // live customers created in the period
	Prior int64 // live customers created in the comparison period
}

// Customers counts live customers, those created in cur and those created
// in prev. Each count reads only the customers index; counts for the same
// periods are reused for up to countsTTL.
func (s *Service) Customers(ctx context.Context, cur, prev Period) (CustomerCounts, error) {
	key := [2]int64{cur.From.UnixMilli(), prev.From.UnixMilli()}
	c, _, err := s.counts.Get(ctx, key, func(ctx context.Context) (CustomerCounts, error) {
		return s.countCustomers(ctx, cur, prev)
	})
	return c, err
}

func (s *Service) countCustomers(ctx context.Context, cur, prev Period) (CustomerCounts, error) {
	var c CustomerCounts
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers WHERE merged_into IS NULL").Scan(&c.Total); err != nil {
		return CustomerCounts{}, fmt.Errorf("count customers: %w", err)
	}
	for _, p := range []struct {
		period Period
		n      *int64
	}{{cur, &c.New}, {prev, &c.Prior}} {
		err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers
			WHERE created_at >= ? AND created_at < ? AND merged_into IS NULL`,
			p.period.From.UnixMilli(), p.period.To.UnixMilli()).Scan(p.n)
		if err != nil {
			return CustomerCounts{}, fmt.Errorf("count new customers: %w", err)
		}
	}
	return c, nil
}
