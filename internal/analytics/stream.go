package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/omni-hq/omni/internal/store"
)

// consumer receives each customer's events, in time order, from one reader.
type consumer interface {
	customer(id string, recs []record)
}

// replayOptions says what to read.
type replayOptions struct {
	until     int64 // read events before this time (Unix ms); 0 for all
	campaigns bool  // also read payloads that carry a campaign
	workers   int
	progress  func(events int64) // called with the running total, now and then
}

// payloadKinds are the event names whose payloads a replay reads.
const payloadKinds = `type = 'message' OR name IN ('Order Completed', 'Order Refunded', 'Promotion Viewed',
	'Promotion Clicked', 'Coupon Applied', 'Coupon Entered')`

// replay streams the event log in (customer_id, ts, id) order. The customers
// are split into contiguous id ranges read in parallel, one consumer per
// range; every customer's events go to exactly one consumer, whole and in
// order. It returns the consumers, to be merged by the caller.
func (s *Service) replay(ctx context.Context, ro replayOptions, newConsumer func() consumer) ([]consumer, error) {
	bounds, err := s.customerBounds(ctx, max(ro.workers, 1))
	if err != nil {
		return nil, err
	}
	cond := payloadKinds
	if ro.campaigns {
		cond += ` OR payload LIKE '%"campaign"%'`
	}
	q := "SELECT customer_id, channel, type, name, ts, CASE WHEN " + cond + " THEN id ELSE '' END, CASE WHEN " + cond +
		" THEN payload ELSE '' END FROM events WHERE customer_id >= ? AND customer_id < ?"
	if ro.until > 0 {
		q += fmt.Sprintf(" AND ts < %d", ro.until)
	}
	q += " ORDER BY customer_id, ts, id"
	out := make([]consumer, len(bounds)-1)
	errs := make([]error, len(out))
	var total atomic.Int64
	var wg sync.WaitGroup
	for i := range out {
		out[i] = newConsumer()
		wg.Go(func() {
			errs[i] = s.readRange(ctx, q, bounds[i], bounds[i+1], i == len(out)-1, out[i], &total, ro.progress)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if ro.progress != nil {
		ro.progress(total.Load())
	}
	return out, nil
}

// customerBounds splits the customer ids into n ranges of about equal size:
// n+1 boundaries, the first "" and the last above every id.
func (s *Service) customerBounds(ctx context.Context, n int) ([]string, error) {
	bounds := []string{""}
	var count int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&count); err != nil {
		return nil, wrap("count customers", err)
	}
	for i := 1; i < n && count > int64(n); i++ {
		var id string
		err := s.db.QueryRowContext(ctx, "SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET ?", count*int64(i)/int64(n)).Scan(&id)
		if err != nil {
			return nil, wrap("split customers", err)
		}
		if id > bounds[len(bounds)-1] {
			bounds = append(bounds, id)
		}
	}
	return append(bounds, ""), nil
}

func (s *Service) readRange(ctx context.Context, q, lo, hi string, last bool, c consumer, total *atomic.Int64, progress func(int64)) error {
	args := []any{lo, hi}
	if last {
		q = strings.Replace(q, " AND customer_id < ?", "", 1)
		args = args[:1]
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return wrap("read event log", err)
	}
	defer rows.Close()
	var cust, ch, typ, name, id, payload sql.RawBytes
	var ts int64
	intern := map[string]string{}
	str := func(b []byte) string {
		if v, ok := intern[string(b)]; ok {
			return v
		}
		v := string(b)
		if len(intern) < 10_000 {
			intern[v] = v
		}
		return v
	}
	var cur string
	var recs []record
	var n int64
	for rows.Next() {
		if err := rows.Scan(&cust, &ch, &typ, &name, &ts, &id, &payload); err != nil {
			return wrap("read event log", err)
		}
		if string(cust) != cur {
			if len(recs) > 0 {
				c.customer(cur, recs)
			}
			cur, recs = string(cust), recs[:0]
		}
		r := record{customer: cur, channel: str(ch), typ: str(typ), name: str(name), ts: ts}
		if len(id) > 0 {
			r.id = string(id)
		}
		r.payload = payload
		r.prepare(s.opts.DefaultCurrency, len(payload) > 0)
		r.payload = nil
		recs = append(recs, r)
		if n++; n%8192 == 0 {
			t := total.Add(8192)
			if progress != nil {
				progress(t)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return wrap("read event log", err)
	}
	if len(recs) > 0 {
		c.customer(cur, recs)
	}
	total.Add(n % 8192)
	return nil
}

// EstimateEvents returns about how many events the log holds, cheaply: the
// highest row id on SQLite, the planner's estimate on PostgreSQL (an exact
// count when that is unknown). Progress bars use it.
func (s *Service) EstimateEvents(ctx context.Context) (int64, error) {
	var n int64
	var err error
	if s.db.Dialect() == store.Postgres {
		err = s.db.QueryRowContext(ctx, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'events'::regclass").Scan(&n)
		if err == nil && n <= 0 {
			err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&n)
		}
	} else {
		err = s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(rowid), 0) FROM events").Scan(&n)
	}
	return n, wrap("estimate events", err)
}
