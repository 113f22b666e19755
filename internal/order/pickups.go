package order

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/store"
)

// MaxWaitingPickups bounds the orders WaitingPickups returns.
const MaxWaitingPickups = 500

// WaitingPickups returns the pickup orders a shop has to deal with, oldest
// first, with their lines (not their payments or history): paid ones and
// ones to be paid at the counter, to prepare, and ready ones, to hand over.
// Orders waiting for an online payment are left out. locationID keeps one
// shop's; limit defaults to 200, at most MaxWaitingPickups. It reads two
// statements, however many orders wait.
func (s *Service) WaitingPickups(ctx context.Context, locationID string, limit int) ([]Order, error) {
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, MaxWaitingPickups)
	q := "SELECT " + orderColumns + ` FROM orders WHERE fulfillment = ?
		AND (status IN (?, ?) OR (status = ? AND payment_provider = ?))`
	args := []any{Pickup, Paid, ReadyForPickup, PendingPayment, "manual"}
	if locationID != "" {
		q, args = q+" AND location_id = ?", append(args, locationID)
	}
	r, err := s.db.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY id LIMIT %d", limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list waiting pickups: %w", err)
	}
	list, err := scanOrders(r)
	if err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]any, len(list))
	at := make(map[string]int, len(list))
	for i, o := range list {
		ids[i], at[o.ID] = o.ID, i
	}
	lr, err := s.db.QueryContext(ctx, "SELECT "+lineColumns+" FROM order_lines WHERE order_id IN ("+
		store.Placeholders(len(ids))+") ORDER BY order_id, position", ids...)
	if err != nil {
		return nil, fmt.Errorf("read waiting pickups' lines: %w", err)
	}
	defer lr.Close()
	for lr.Next() {
		orderID, l, err := scanLine(lr)
		if err != nil {
			return nil, err
		}
		o := &list[at[orderID]]
		o.Lines = append(o.Lines, l)
	}
	return list, lr.Err()
}

// placeholders is n comma-separated "?".
