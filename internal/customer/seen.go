package customer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// SeenGrain is how far behind a customer's stored last_seen_at may lag their
// newest event. Every event would otherwise rewrite its customer's row, which
// at tracking rates costs more than storing the event itself; instead the
// row moves when an event is at least this much newer than what this node
// last wrote, when it is older than first_seen_at or when it brings a new
// channel. Readers that filter on last_seen_at widen their bound by it, and
// the profile reads the exact time from the timeline.
const SeenGrain = time.Minute

// seenCacheMax bounds the customers remembered; past it the cache starts over.
const seenCacheMax = 500_000

// seenMark is what this node knows is stored for a customer: first_seen_at is
// at most first, last_seen_at at least last, and channels are all in the
// stored list. Both times only ever widen (events and merges), so the
// knowledge stays true whatever other writers do.
type seenMark struct {
	first, last int64
	channels    string // sorted, comma-separated
}

// seenCache remembers the customers' stored first/last seen and channels.
// It learns only after a commit, so a rolled-back transaction teaches it
// nothing.
type seenCache struct {
	mu sync.Mutex
	m  map[string]seenMark
}

// covers reports whether the stored row already says what v would write,
// within SeenGrain for last_seen_at.
func (c *seenCache) covers(cid string, v *seen) bool {
	c.mu.Lock()
	k, ok := c.m[cid]
	c.mu.Unlock()
	if !ok || v.first < k.first || v.last > k.last+SeenGrain.Milliseconds() {
		return false
	}
	for _, ch := range v.channels {
		if !hasChannel(k.channels, ch) {
			return false
		}
	}
	return true
}

func (c *seenCache) learn(marks map[string]seenMark) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m)+len(marks) > seenCacheMax {
		c.m = make(map[string]seenMark, len(marks))
	}
	maps.Copy(c.m, marks)
}

func hasChannel(list, ch string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == ch {
			return true
		}
	}
	return false
}

type seen struct {
	first, last int64
	channels    []string
}

// touchTx moves first/last seen and adds channels, once per customer, for
// the customers whose stored row does not already cover their events.
func (s *Service) touchTx(ctx context.Context, tx *store.Tx, events []Event) error {
	by := map[string]*seen{}
	for _, e := range events {
		ts := e.Timestamp.UnixMilli()
		v := by[e.CustomerID]
		if v == nil {
			v = &seen{first: ts, last: ts}
			by[e.CustomerID] = v
		}
		v.first, v.last = min(v.first, ts), max(v.last, ts)
		if !slices.Contains(v.channels, e.Channel) {
			v.channels = append(v.channels, e.Channel)
		}
	}
	maps.DeleteFunc(by, func(cid string, v *seen) bool { return s.seen.covers(cid, v) })
	if len(by) == 0 {
		return nil
	}
	marks := make(map[string]seenMark, len(by))
	known, err := touchKnownChannels(ctx, tx, by)
	if err != nil {
		return err
	}
	for cid := range known {
		v := by[cid]
		marks[cid] = seenMark{first: v.first, last: v.last, channels: v.channels[0]}
	}
	var rest []string
	for cid := range by {
		if !known[cid] {
			rest = append(rest, cid)
		}
	}
	if err := touchMergingChannels(ctx, tx, by, rest, marks); err != nil {
		return err
	}
	tx.AfterCommit(func() { s.seen.learn(marks) })
	return nil
}

// widenSeen moves first_seen_at and last_seen_at out to the times of a
// VALUES row v (id, first, last, …), in a batched UPDATE of customers.
const widenSeen = `first_seen_at = CASE WHEN customers.first_seen_at > v.column2 THEN v.column2 ELSE customers.first_seen_at END,
	last_seen_at = CASE WHEN customers.last_seen_at < v.column3 THEN v.column3 ELSE customers.last_seen_at END`

// touchChunk bounds the customers of one batched touch (4 parameters each).
const touchChunk = 200

// touchKnownChannels is touchTx's common case, a few hundred customers per
// statement: customers whose events came on one channel they have used
// before. It returns the customers it updated; the others need their channel
// list merged.
func touchKnownChannels(ctx context.Context, tx *store.Tx, by map[string]*seen) (map[string]bool, error) {
	var ids []string
	for cid, v := range by {
		if len(v.channels) == 1 && plainChannel(v.channels[0]) {
			ids = append(ids, cid)
		}
	}
	slices.Sort(ids)
	done := make(map[string]bool, len(ids))
	for chunk := range slices.Chunk(ids, touchChunk) {
		var b strings.Builder
		b.WriteString("UPDATE customers SET " + widenSeen + " FROM (VALUES ")
		args := make([]any, 0, 4*len(chunk))
		for i, cid := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, CAST(? AS BIGINT), CAST(? AS BIGINT), ?)")
			v := by[cid]
			args = append(args, cid, v.first, v.last, v.channels[0])
		}
		b.WriteString(`) AS v WHERE customers.id = v.column1
			AND (',' || customers.channels || ',') LIKE ('%,' || v.column4 || ',%') RETURNING customers.id`)
		rows, err := tx.QueryContext(ctx, b.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("touch customers: %w", err)
		}
		for rows.Next() {
			var cid string
			if err := rows.Scan(&cid); err != nil {
				rows.Close()
				return nil, err
			}
			done[cid] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("touch customers: %w", err)
		}
	}
	return done, nil
}

// touchMergingChannels moves first/last seen of the customers ids and merges
// their events' channels into their stored lists, a few hundred customers
// per statement: it reads the lists, then writes the rows in id order, so
// that concurrent transactions on PostgreSQL take row locks in the same
// order. It notes what it stored in marks.
func touchMergingChannels(ctx context.Context, tx *store.Tx, by map[string]*seen, ids []string, marks map[string]seenMark) error {
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, touchChunk) {
		stored, err := channelsOf(ctx, tx, chunk)
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString("UPDATE customers SET " + widenSeen + ", channels = v.column4 FROM (VALUES ")
		args := make([]any, 0, 4*len(chunk))
		for i, cid := range chunk {
			list, ok := stored[cid]
			if !ok {
				return fmt.Errorf("touch customer %s: no such customer", cid)
			}
			v := by[cid]
			merged := mergeChannels(list, v.channels)
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?, CAST(? AS BIGINT), CAST(? AS BIGINT), ?)")
			args = append(args, cid, v.first, v.last, merged)
			marks[cid] = seenMark{first: v.first, last: v.last, channels: merged}
		}
		b.WriteString(") AS v WHERE customers.id = v.column1")
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("touch customers: %w", err)
		}
	}
	return nil
}

// channelsOf reads the stored channel lists of customers ids.
func channelsOf(ctx context.Context, tx *store.Tx, ids []string) (map[string]string, error) {
	args := make([]any, len(ids))
	for i, cid := range ids {
		args[i] = cid
	}
	q := "SELECT id, channels FROM customers WHERE id IN (" + store.Placeholders(len(ids)) + ")"
	if tx.Dialect() == store.Postgres {
		// Lock the rows until commit, in id order, so that another node
		// adding a channel to the same customer waits instead of having its
		// list overwritten. SQLite's single writer needs no lock.
		q += " ORDER BY id FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("load customers' channels: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var cid, channels string
		if err := rows.Scan(&cid, &channels); err != nil {
			return nil, fmt.Errorf("load customers' channels: %w", err)
		}
		out[cid] = channels
	}
	return out, rows.Err()
}

// plainChannel reports whether a channel name has no LIKE wildcards.
func plainChannel(c string) bool {
	return c != "" && !strings.ContainsAny(c, "%_\\,")
}

// mergeChannels adds channels to a comma-separated list, keeping it sorted.
func mergeChannels(list string, add []string) string {
	var cs []string
	if list != "" {
		cs = strings.Split(list, ",")
	}
	for _, c := range add {
		if c != "" && !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	slices.Sort(cs)
	return strings.Join(cs, ",")
}
