package analytics

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
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
	names     bool  // read event types and names (else only their kind)
	workers   int
	progress  func(events int64) // called with the running total, now and then
}

// replay streams the event log in (customer_id, ts, id) order. The customers
// are split into contiguous id ranges read in parallel, one consumer per
// range; every customer's events go to exactly one consumer, whole and in
// order. It returns the consumers, to be merged by the caller.
func (s *Service) replay(ctx context.Context, ro replayOptions, newConsumer func() consumer) ([]consumer, error) {
	bounds, err := s.customerBounds(ctx, max(ro.workers, 1))
	if err != nil {
		return nil, err
	}
	cond := payloadSQL()
	if ro.campaigns {
		cond += ` OR payload LIKE '%"campaign"%'`
	}
	// A replay reads the kind as a number; a rebuild needs type and name
	// for the rollups' event names.
	what := kindSQL() + ", '', ''"
	if ro.names {
		what = "-1, type, name"
	}
	q := "SELECT customer_id, channel, " + what + ", ts, CASE WHEN " + cond + " THEN id ELSE '' END, CASE WHEN " + cond +
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
	conn, err := s.db.Reader().Conn(ctx)
	if err != nil {
		return wrap("read event log", err)
	}
	defer conn.Close()
	if s.db.Dialect() == store.SQLite {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA mmap_size = %d", mmapSize)); err != nil {
			return wrap("map the database", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA mmap_size = 0")
	}
	// The driver's rows are read directly: database/sql's per-row locking
	// and conversions cost more than the analysis on large logs.
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the %s driver cannot run queries directly", s.db.Dialect())
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := qc.QueryContext(ctx, s.db.Rebind(q), named)
		if err != nil {
			return err
		}
		defer rows.Close()
		return s.scanLog(ctx, rows, c, total, progress)
	})
	return wrap("read event log", err)
}

// scanLog hands each customer's run of rows to c.
func (s *Service) scanLog(ctx context.Context, rows driver.Rows, c consumer, total *atomic.Int64, progress func(int64)) error {
	dest := make([]driver.Value, 8)
	var cur string
	var recs []record
	var n int64
	for {
		if err := rows.Next(dest); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		cust := text(dest[0])
		if cust != cur {
			if len(recs) > 0 {
				c.customer(cur, recs)
			}
			cur, recs = cust, recs[:0]
		}
		kind, _ := dest[2].(int64)
		ts, _ := dest[5].(int64)
		r := record{id: text(dest[6]), customer: cur, channel: text(dest[1]), typ: text(dest[3]), name: text(dest[4]),
			ts: ts, payload: text(dest[7]), kind: Kind(kind)}
		r.prepare(s.opts.DefaultCurrency, r.payload != "")
		r.payload = ""
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
	if len(recs) > 0 {
		c.customer(cur, recs)
	}
	total.Add(n % 8192)
	return nil
}

// text reads a driver's text value.
func text(v driver.Value) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	return ""
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

// mmapSize is the memory map a SQLite replay reads the database through:
// reading pages in place spares a system call and a copy per page.
const mmapSize = 1 << 40
