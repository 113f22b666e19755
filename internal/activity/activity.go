// Package activity summarises the event log for people watching it: how many
// events each channel delivered per day over a period, when each channel and
// each source last sent one, and how many customers there are and how many
// are new. Days are UTC days of the time an event was received.
package activity

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Day is the length of one bucket of EventsByDay.
const Day = 24 * time.Hour

// Service reads summaries from the store.
type Service struct {
	db  *store.DB
	now func() time.Time

	mu     sync.Mutex
	closed map[closedKey]int64 // events of a channel on a day that can no longer change
}

type closedKey struct {
	channel string
	day     int64 // Unix ms of the day's start
}

// closeAfter is how long after a day ends its counts are taken as final:
// events are stamped on receipt and written within seconds.
const closeAfter = 10 * time.Minute

// maxClosed bounds the closed-day cache (channels × days).
const maxClosed = 50_000

// NewService returns a Service on db.
func NewService(db *store.DB) *Service {
	return &Service{db: db, now: time.Now, closed: map[closedKey]int64{}}
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
// day of from up to and including the day of to (at most 400 days). Days that
// ended well before now are counted once and remembered.
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
	cutoff := s.now().UTC().Add(-closeAfter) // days ending before cutoff are final
	for _, ch := range channels {
		counts := make([]int64, n)
		missing := s.fromCache(ch, out.Days, counts, cutoff)
		if len(missing) > 0 {
			lo, hi := out.Days[missing[0]], out.Days[missing[len(missing)-1]].Add(Day)
			if err := s.countDays(ctx, ch, first, lo, hi, counts); err != nil {
				return Series{}, err
			}
			s.remember(ch, out.Days, counts, missing, cutoff)
		}
		out.ByChannel[ch] = counts
	}
	return out, nil
}

// fromCache fills counts from closed days already counted and returns the
// indexes of the days still to count.
func (s *Service) fromCache(ch string, days []time.Time, counts []int64, cutoff time.Time) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []int
	for i, d := range days {
		if v, ok := s.closed[closedKey{ch, d.UnixMilli()}]; ok && d.Add(Day).Before(cutoff) {
			counts[i] = v
			continue
		}
		missing = append(missing, i)
	}
	return missing
}

func (s *Service) remember(ch string, days []time.Time, counts []int64, idx []int, cutoff time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.closed)+len(idx) > maxClosed {
		clear(s.closed)
	}
	for _, i := range idx {
		if days[i].Add(Day).Before(cutoff) {
			s.closed[closedKey{ch, days[i].UnixMilli()}] = counts[i]
		}
	}
}

// countDays adds the events of channel ch received in [lo, hi) to counts,
// indexed by days since first.
func (s *Service) countDays(ctx context.Context, ch string, first, lo, hi time.Time, counts []int64) error {
	rows, err := s.db.QueryContext(ctx, `SELECT (received_at - ?) / 86400000 AS d, COUNT(*) FROM events
		WHERE channel = ? AND received_at >= ? AND received_at < ? GROUP BY d`,
		first.UnixMilli(), ch, lo.UnixMilli(), hi.UnixMilli())
	if err != nil {
		return fmt.Errorf("count %s events per day: %w", ch, err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, c int64
		if err := rows.Scan(&d, &c); err != nil {
			return fmt.Errorf("count %s events per day: %w", ch, err)
		}
		if d >= 0 && int(d) < len(counts) {
			counts[d] = c
		}
	}
	return rows.Err()
}

// Channels lists the channels that have sent events, in order. It walks the
// channel index one distinct value at a time, so it stays fast on any number
// of events.
func (s *Service) Channels(ctx context.Context) ([]string, error) {
	out := []string{}
	after := ""
	for range 1000 {
		var next *string
		err := s.db.QueryRowContext(ctx, "SELECT MIN(channel) FROM events WHERE channel > ?", after).Scan(&next)
		if err != nil {
			return nil, fmt.Errorf("list event channels: %w", err)
		}
		if next == nil {
			break
		}
		out = append(out, *next)
		after = *next
	}
	return out, nil
}

// LastByChannel returns when each channel that has sent events last did.
func (s *Service) LastByChannel(ctx context.Context) (map[string]time.Time, error) {
	channels, err := s.Channels(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(channels))
	for _, ch := range channels {
		var last *int64
		if err := s.db.QueryRowContext(ctx, "SELECT MAX(received_at) FROM events WHERE channel = ?", ch).Scan(&last); err != nil {
			return nil, fmt.Errorf("last %s event: %w", ch, err)
		}
		if last != nil {
			out[ch] = time.UnixMilli(*last).UTC()
		}
	}
	return out, nil
}

// LastBySource returns when each of the given sources last sent an event;
// sources that never did are absent.
func (s *Service) LastBySource(ctx context.Context, sourceIDs []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(sourceIDs))
	for _, id := range sourceIDs {
		var last *int64
		if err := s.db.QueryRowContext(ctx, "SELECT MAX(received_at) FROM events WHERE source_id = ?", id).Scan(&last); err != nil {
			return nil, fmt.Errorf("last event of source %s: %w", id, err)
		}
		if last != nil {
			out[id] = time.UnixMilli(*last).UTC()
		}
	}
	return out, nil
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
// in prev. Each count reads only the customers index.
func (s *Service) Customers(ctx context.Context, cur, prev Period) (CustomerCounts, error) {
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

// Warm counts the finished days of the last days days, so that the first
// person to open a long period does not wait for the count.
func (s *Service) Warm(ctx context.Context, days int) error {
	now := s.now()
	_, err := s.EventsByDay(ctx, now.AddDate(0, 0, -days), now)
	return err
}
