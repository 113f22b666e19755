package analytics

import (
	"context"

	"github.com/omni-hq/omni/internal/store"
)

// MergeTx is the identity merge hook: the merged-away customer's memberships
// in the daily customer sets move to the survivor, so that a merged customer
// counts once as a visitor, a purchaser or a funnel step. Rollups are per
// day and channel and need no change.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	ids := []string{from, into}
	if into < from {
		ids = []string{into, from}
	}
	rows, err := loadCustomers(ctx, tx, ids)
	if err != nil {
		return err
	}
	f, i := rows[from], rows[into]
	if f == nil {
		return nil
	}
	if i == nil {
		_, err := tx.ExecContext(ctx, "UPDATE analytics_customers SET customer_id = ? WHERE customer_id = ?", into, from)
		return wrap("move customer row", err)
	}
	deltas := setDeltas{}
	chunk, bit := chunkOf(f.n)
	// Read without locks: applySets locks what it changes, in the order
	// every writer uses (days, then chunks).
	q := "SELECT day, name, bits FROM analytics_sets WHERE chunk = ? AND day >= ? AND day <= ? ORDER BY day, name"
	res, err := tx.QueryContext(ctx, q, chunk, int64(f.first), int64(f.last))
	if err != nil {
		return wrap("load merged customer's sets", err)
	}
	var bm bitmap
	for res.Next() {
		var k setKey
		var enc []byte
		if err := res.Scan(&k.day, &k.name, &enc); err != nil {
			res.Close()
			return wrap("load merged customer's sets", err)
		}
		clear(bm[:])
		if err := decodeChunk(&bm, enc); err != nil {
			res.Close()
			return wrap("load merged customer's sets", err)
		}
		if k.name == setFirstBuy || !bm.has(bit) {
			continue
		}
		deltas.add(k, f.n, false)
		deltas.add(k, i.n, true)
	}
	res.Close()
	if err := res.Err(); err != nil {
		return wrap("load merged customer's sets", err)
	}
	moveFirstBuy(deltas, f, i)
	if err := applySets(ctx, tx, deltas); err != nil {
		return err
	}
	i.first, i.last = min(i.first, f.first), max(i.last, f.last)
	if f.firstOrder.Valid && (!i.firstOrder.Valid || f.firstOrder.Int64 < i.firstOrder.Int64) {
		i.firstOrder = f.firstOrder
	}
	var fo any
	if i.firstOrder.Valid {
		fo = i.firstOrder.Int64
	}
	if _, err := tx.ExecContext(ctx, "UPDATE analytics_customers SET first_day = ?, last_day = ?, first_order_day = ? WHERE customer_id = ?",
		int64(i.first), int64(i.last), fo, into); err != nil {
		return wrap("update survivor", err)
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM analytics_customers WHERE customer_id = ?", from)
	return wrap("drop merged customer", err)
}

// moveFirstBuy keeps one first-purchase day for the survivor: the earlier of
// the two customers'.
func moveFirstBuy(deltas setDeltas, f, i *custRow) {
	if !f.firstOrder.Valid {
		return
	}
	deltas.add(setKey{day: Day(f.firstOrder.Int64), name: setFirstBuy}, f.n, false)
	if i.firstOrder.Valid && i.firstOrder.Int64 <= f.firstOrder.Int64 {
		return
	}
	if i.firstOrder.Valid {
		deltas.add(setKey{day: Day(i.firstOrder.Int64), name: setFirstBuy}, i.n, false)
	}
	deltas.add(setKey{day: Day(f.firstOrder.Int64), name: setFirstBuy}, i.n, true)
}
