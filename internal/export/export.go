// Package export writes Omni's data out for other systems — customer
// profiles with their identities, traits and consent; the cross-channel event
// log; orders — as JSON Lines or CSV.
//
// Rows are read in pages keyed by id, each page its own short read, so an
// export of millions of rows never holds one long read open (on SQLite a long
// read would keep the write-ahead log from being checkpointed). Times are
// RFC 3339 in UTC with milliseconds; money is integer minor units with its
// currency; nested values (identities, traits, consent, the event as
// received) are JSON, also inside CSV cells.
package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Format is how rows are written.
type Format string

// Formats.
const (
	JSONLines Format = "jsonl" // one JSON object per line
	CSV       Format = "csv"   // a header row, then one row per record
)

// Kinds lists what can be exported.
var Kinds = []string{"customers", "events", "orders"}

// Options narrows an export.
type Options struct {
	Format   Format
	Since    time.Time        // events: timestamp ≥; orders: created ≥; customers: last seen ≥
	Until    time.Time        // the same fields, <; zero for no bound
	PageSize int              // rows per read; default 2,000
	Progress func(rows int64) // called after every page with the running total
}

// row is one exported record: a JSON object and the same fields as CSV cells.
type row interface {
	cells() []string
}

// table reads one kind in pages after a key.
type table struct {
	header []string
	count  func(ctx context.Context, db *store.DB, o Options) (int64, error)
	page   func(ctx context.Context, db *store.DB, after string, o Options) (rows []row, last string, err error)
}

func tableOf(kind string) (table, error) {
	switch kind {
	case "customers":
		return customersTable, nil
	case "events":
		return eventsTable, nil
	case "orders":
		return ordersTable, nil
	}
	return table{}, apperr.InvalidField("kind", "cannot export %q: choose customers, events or orders", kind)
}

// Count returns how many rows an export of kind with o would write.
func Count(ctx context.Context, db *store.DB, kind string, o Options) (int64, error) {
	t, err := tableOf(kind)
	if err != nil {
		return 0, err
	}
	return t.count(ctx, db, o)
}

// Write exports kind to w and returns the number of rows written.
func Write(ctx context.Context, db *store.DB, kind string, w io.Writer, o Options) (int64, error) {
	t, err := tableOf(kind)
	if err != nil {
		return 0, err
	}
	if o.PageSize <= 0 {
		o.PageSize = 2000
	}
	out, err := newWriter(w, o.Format, t.header)
	if err != nil {
		return 0, err
	}
	var n int64
	after := ""
	for {
		rows, last, err := t.page(ctx, db, after, o)
		if err != nil {
			return n, fmt.Errorf("export %s: %w", kind, err)
		}
		for _, r := range rows {
			if err := out.write(r); err != nil {
				return n, err
			}
		}
		n += int64(len(rows))
		if o.Progress != nil {
			o.Progress(n)
		}
		if last == "" {
			return n, out.flush()
		}
		after = last
	}
}

// writer writes rows in one format.
type writer struct {
	json *json.Encoder
	csv  *csv.Writer
}

func newWriter(w io.Writer, f Format, header []string) (*writer, error) {
	switch f {
	case JSONLines, "":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &writer{json: enc}, nil
	case CSV:
		c := csv.NewWriter(w)
		return &writer{csv: c}, c.Write(header)
	}
	return nil, apperr.InvalidField("format", "unknown format %q: choose jsonl or csv", f)
}

func (w *writer) write(r row) error {
	if w.json != nil {
		return w.json.Encode(r)
	}
	return w.csv.Write(r.cells())
}

func (w *writer) flush() error {
	if w.csv != nil {
		w.csv.Flush()
		return w.csv.Error()
	}
	return nil
}

// timeBounds turns o's window into a SQL condition on col (Unix ms).
func timeBounds(col string, o Options) (string, []any) {
	cond, args := "", []any{}
	if !o.Since.IsZero() {
		cond += " AND " + col + " >= ?"
		args = append(args, o.Since.UnixMilli())
	}
	if !o.Until.IsZero() {
		cond += " AND " + col + " < ?"
		args = append(args, o.Until.UnixMilli())
	}
	return cond, args
}

// stamp formats Unix milliseconds; zero stays empty.
func stamp(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// jsonText renders v as compact JSON for a CSV cell.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// pageOf returns a page's rows and the key to read on after; the key is
// empty when the page was not full, which ends the export.
func pageOf[T row](list []T, size int, key func(T) string) ([]row, string, error) {
	out := make([]row, len(list))
	for i, r := range list {
		out[i] = r
	}
	if len(list) < size {
		return out, "", nil
	}
	return out, key(list[len(list)-1]), nil
}

// placeholders returns n comma-separated `?`.

// countRows runs a COUNT query.
func countRows(ctx context.Context, db *store.DB, q string, args []any) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}
