package segment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
)

// MaxPage bounds a page of members.
const MaxPage = 200

// Count is how many live customers match d now.
func (s *Service) Count(ctx context.Context, d Definition) (int64, error) {
	d, err := normalized(d)
	if err != nil {
		return 0, err
	}
	where, args := compile(d, s.now(), false)
	var n int64
	err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers c WHERE c.merged_into IS NULL AND ("+where+")", args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count segment members: %w", err)
	}
	return n, nil
}

// Counted is a member count and when it was taken.
type Counted struct {
	N  int64     `json:"count"`
	At time.Time `json:"counted_at"`
}

// CountFresh is the age up to which RecentCount answers a count as it is,
// at least. Counting a segment of a million customers takes from a second
// to, for events in a window over tens of millions of events, a minute or
// more of a core; a count a minute old is as true for someone looking at a
// list. A count that took longer stays fresh for countCostFactor times as
// long as it took, so that keeping it current costs at most a tenth of a
// core.
const CountFresh = time.Minute

// countCostFactor: a count stays fresh this many times as long as it took.
const countCostFactor = 10

// countMaxAge is the age past which RecentCount counts again before
// answering (or twice the count's freshness, if longer).
const countMaxAge = 30 * time.Minute

// RecentCount is how many live customers matched d lately: a count at most
// CountFresh old (or ten times as long as counting took), or up to half an
// hour old while a new count runs behind it. Only the first request for a
// definition waits for its count, and requests at once for the same
// definition share one count.
func (s *Service) RecentCount(ctx context.Context, d Definition) (Counted, error) {
	d, key, err := countKey(d)
	if err != nil {
		return Counted{}, err
	}
	n, at, err := s.counts.Get(ctx, key, s.countNow(d))
	return Counted{N: n, At: at.UTC()}, err
}

// PrimeCount starts counting d's members in the background, unless a recent
// count is held, so that the next RecentCount finds it ready or running.
func (s *Service) PrimeCount(ctx context.Context, d Definition) error {
	d, key, err := countKey(d)
	if err != nil {
		return err
	}
	s.counts.Prime(ctx, key, s.countNow(d))
	return nil
}

func (s *Service) countNow(d Definition) func(context.Context) (int64, error) {
	return func(ctx context.Context) (int64, error) { return s.Count(ctx, d) }
}

// countKey normalizes d and names it for the count cache.
func countKey(d Definition) (Definition, string, error) {
	d, err := normalized(d)
	if err != nil {
		return Definition{}, "", err
	}
	key, err := encodeDefinition(d)
	return d, key, err
}

// Select returns a SELECT of the ids (column id) of the live customers
// matching d now, with its arguments, for a statement that takes the whole
// set at once — a campaign's audience snapshot, INSERT … SELECT — instead
// of reading it a page at a time.
func (s *Service) Select(d Definition) (string, []any, error) {
	d, err := normalized(d)
	if err != nil {
		return "", nil, err
	}
	where, args := compile(d, s.now(), false)
	return "SELECT c.id FROM customers c WHERE c.merged_into IS NULL AND (" + where + ")", args, nil
}

// Members returns a page of the live customers matching d now, by id, after
// cursor (the previous page's next, empty for the first); next is empty on
// the last page. Customers are walked in id order and each tested on its
// own rows until the page is full, which is quick unless few customers
// match.
func (s *Service) Members(ctx context.Context, d Definition, limit int, cursor string) ([]customer.Summary, string, error) {
	return s.members(ctx, d, limit, cursor, true)
}

// members reads a page; perRow chooses how conditions are written (see
// compile).
func (s *Service) members(ctx context.Context, d Definition, limit int, cursor string, perRow bool) ([]customer.Summary, string, error) {
	d, err := normalized(d)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxPage)
	if len(cursor) > 200 {
		return nil, "", apperr.InvalidField("cursor", "not a cursor from a previous page")
	}
	where, args := compile(d, s.now(), perRow)
	q := "SELECT c.id, c.name, c.email, c.phone, c.last_seen_at, c.channels FROM customers c WHERE c.merged_into IS NULL AND (" + where + ")"
	if cursor != "" {
		q += " AND c.id > ?"
		args = append(args, cursor)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY c.id LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("list segment members: %w", err)
	}
	defer rows.Close()
	out := []customer.Summary{}
	for rows.Next() {
		var c customer.Summary
		var last int64
		var channels string
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &last, &channels); err != nil {
			return nil, "", fmt.Errorf("list segment members: %w", err)
		}
		c.LastSeenAt, c.Channels = time.UnixMilli(last).UTC(), splitChannels(channels)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list segment members: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// Preview is what an unsaved definition would hold now: the count and the
// first members.
type Preview struct {
	Count  int64              `json:"count"`
	Sample []customer.Summary `json:"sample"`
}

// Preview evaluates a definition without storing it: its count and up to
// sample members. The sample is read the way the count is, so that a
// definition few customers match costs no more than its count.
func (s *Service) Preview(ctx context.Context, d Definition, sample int) (Preview, error) {
	n, err := s.Count(ctx, d)
	if err != nil || n == 0 {
		return Preview{Count: n, Sample: []customer.Summary{}}, err
	}
	list, _, err := s.members(ctx, d, sample, "", false)
	if err != nil {
		return Preview{}, err
	}
	return Preview{Count: n, Sample: list}, nil
}

// ofChunk bounds the segments tested in one statement.
const ofChunk = 50

// Of returns the segments the customer belongs to now, by name. It tests
// every stored segment against the one customer row in a single statement
// per fifty segments.
func (s *Service) Of(ctx context.Context, customerID string) ([]Segment, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Segment{}
	for chunk := range slices.Chunk(all, ofChunk) {
		parts := make([]string, len(chunk))
		var args []any
		for i, seg := range chunk {
			where, a := compile(seg.Definition, now, true)
			parts[i] = fmt.Sprintf("SELECT %d FROM customers c WHERE c.id = ? AND c.merged_into IS NULL AND (%s)", i, where)
			args = append(append(args, customerID), a...)
		}
		rows, err := s.db.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
		if err != nil {
			return nil, fmt.Errorf("segments of %s: %w", customerID, err)
		}
		member := make([]bool, len(chunk))
		for rows.Next() {
			var i int
			if err := rows.Scan(&i); err != nil {
				rows.Close()
				return nil, fmt.Errorf("segments of %s: %w", customerID, err)
			}
			member[i] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("segments of %s: %w", customerID, err)
		}
		for i, seg := range chunk {
			if member[i] {
				out = append(out, seg)
			}
		}
	}
	return out, nil
}

// normalized is a normalized copy of d; the caller's conditions stay as
// they were.
func normalized(d Definition) (Definition, error) {
	d.Conditions = slices.Clone(d.Conditions)
	return d, d.Normalize()
}

func splitChannels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}
