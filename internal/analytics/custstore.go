package analytics

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/omni-hq/omni/internal/store"
)

// custRow is a customer's analytics row.
type custRow struct {
	n           int64
	first, last Day
	firstOrder  sql.NullInt64
	changed     bool
}

// applyCustomers loads or creates the analytics rows of the batch's
// customers, widens their active days, moves their first-purchase day (and
// its "first_buy" set membership) and returns every customer's ordinal.
func applyCustomers(ctx context.Context, tx *store.Tx, custs map[string]*custAgg, deltas setDeltas) (map[string]int64, error) {
	ids := make([]string, 0, len(custs))
	for id := range custs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rows, err := loadCustomers(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	var fresh []string
	for _, id := range ids {
		if _, ok := rows[id]; !ok {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) > 0 {
		next, err := allocateOrdinals(ctx, tx, len(fresh))
		if err != nil {
			return nil, err
		}
		for i, id := range fresh {
			c := custs[id]
			rows[id] = &custRow{n: next + int64(i), first: c.first, last: c.last, changed: true}
		}
	}
	ordinals := make(map[string]int64, len(ids))
	for _, id := range ids {
		r, c := rows[id], custs[id]
		ordinals[id] = r.n
		if c.first < r.first || c.last > r.last {
			r.first, r.last, r.changed = min(r.first, c.first), max(r.last, c.last), true
		}
		if c.hasOrder && (!r.firstOrder.Valid || int64(c.firstOrder) < r.firstOrder.Int64) {
			if r.firstOrder.Valid {
				deltas.add(setKey{day: Day(r.firstOrder.Int64), name: setFirstBuy}, r.n, false)
			}
			deltas.add(setKey{day: c.firstOrder, name: setFirstBuy}, r.n, true)
			r.firstOrder, r.changed = sql.NullInt64{Int64: int64(c.firstOrder), Valid: true}, true
		}
	}
	return ordinals, writeCustomers(ctx, tx, ids, rows)
}

func loadCustomers(ctx context.Context, tx *store.Tx, ids []string) (map[string]*custRow, error) {
	out := make(map[string]*custRow, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, "SELECT customer_id, n, first_day, last_day, first_order_day FROM analytics_customers WHERE customer_id IN ("+
			store.Placeholders(len(chunk))+") ORDER BY customer_id"+forUpdate(tx), args...)
		if err != nil {
			return nil, wrap("load customers", err)
		}
		for rows.Next() {
			var id string
			r := &custRow{}
			if err := rows.Scan(&id, &r.n, &r.first, &r.last, &r.firstOrder); err != nil {
				rows.Close()
				return nil, wrap("load customers", err)
			}
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("load customers", err)
		}
	}
	return out, nil
}

// allocateOrdinals reserves k consecutive ordinals and returns the first.
// The counter row serialises allocation across nodes.
func allocateOrdinals(ctx context.Context, tx *store.Tx, k int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, "UPDATE analytics_counters SET value = value + ? WHERE name = 'customer_ordinal' RETURNING value", k).Scan(&last)
	if err != nil {
		return 0, wrap("allocate customer ordinals", err)
	}
	return last - int64(k), nil
}

func writeCustomers(ctx context.Context, tx *store.Tx, ids []string, rows map[string]*custRow) error {
	var changed []string
	for _, id := range ids {
		if rows[id].changed {
			changed = append(changed, id)
		}
	}
	for chunk := range slices.Chunk(changed, 400) {
		var q strings.Builder
		q.WriteString("INSERT INTO analytics_customers (customer_id, n, first_day, last_day, first_order_day) VALUES ")
		args := make([]any, 0, len(chunk)*5)
		for i, id := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?)")
			r := rows[id]
			var fo any
			if r.firstOrder.Valid {
				fo = r.firstOrder.Int64
			}
			args = append(args, id, r.n, int64(r.first), int64(r.last), fo)
		}
		q.WriteString(` ON CONFLICT (customer_id) DO UPDATE SET first_day = excluded.first_day,
			last_day = excluded.last_day, first_order_day = excluded.first_order_day`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap("write customers", err)
		}
	}
	return nil
}

// applyOrders records new orders (each order_id once), counts them in the
// rollups, and applies refunds capped by what is left of the order.
func (b *batch) applyOrders(ctx context.Context, tx *store.Tx) error {
	fresh := map[string]bool{}
	for chunk := range slices.Chunk(b.orders, 300) {
		var q strings.Builder
		q.WriteString("INSERT INTO analytics_orders (order_id, day, channel, currency, total_minor, refunded_minor) VALUES ")
		args := make([]any, 0, len(chunk)*5)
		for i, o := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,0)")
			args = append(args, o.id, int64(o.day), o.channel, o.currency, o.total)
		}
		q.WriteString(" ON CONFLICT (order_id) DO NOTHING RETURNING order_id")
		rows, err := tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return wrap("record orders", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return wrap("record orders", err)
			}
			fresh[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("record orders", err)
		}
	}
	for _, o := range b.orders {
		if fresh[o.id] {
			v := b.roll(rollKey{o.day, o.channel, "Order Completed", o.currency})
			v.orders++
			v.amount += o.total
		}
	}
	for _, r := range b.refunds {
		if err := b.applyRefund(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) applyRefund(ctx context.Context, tx *store.Tx, r refundSeen) error {
	amount, currency := max(r.amount, 0), r.currency
	if r.orderID != "" {
		var total, refunded int64
		var cur string
		err := tx.QueryRowContext(ctx, "SELECT currency, total_minor, refunded_minor FROM analytics_orders WHERE order_id = ?"+forUpdate(tx),
			r.orderID).Scan(&cur, &total, &refunded)
		switch {
		case store.IsNoRows(err):
		case err != nil:
			return wrap("load refunded order", err)
		default:
			left := max(total-refunded, 0)
			if r.amount < 0 || r.amount > left {
				amount = left
			}
			currency = cur
			if _, err := tx.ExecContext(ctx, "UPDATE analytics_orders SET refunded_minor = ? WHERE order_id = ?",
				refunded+amount, r.orderID); err != nil {
				return wrap("record refund", err)
			}
		}
	}
	v := b.roll(rollKey{r.day, r.channel, "Order Refunded", currency})
	v.events++
	v.orders++
	v.amount += amount
	return nil
}
