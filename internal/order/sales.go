package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// soldStatuses are the states of an order that was paid: paid and every
// state after it.
const soldStatuses = `('` + Paid + `', '` + ReadyForPickup + `', '` + Shipped + `', '` + PickedUp + `', '` + Refunded + `')`

// Sales are the orders of one currency paid in a period: their count, their
// revenue (totals less refunds, in minor units) and distinct buyers, in all
// and by the channel the order was placed on.
type Sales struct {
	Currency  string
	Orders    int64
	Revenue   int64
	Buyers    int64
	ByChannel map[string]ChannelSales
}

// ChannelSales are one channel's part of Sales.
type ChannelSales struct {
	Orders  int64
	Revenue int64
}

// MainCurrency is the currency most paid orders were in, or "" before the
// first paid order.
func (s *Service) MainCurrency(ctx context.Context) (string, error) {
	var cur string
	err := s.db.QueryRowContext(ctx, `SELECT currency FROM orders WHERE status IN `+soldStatuses+`
		GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1`).Scan(&cur)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("main currency: %w", err)
	}
	return cur, nil
}

// Sales sums the orders in currency paid in [from, to).
func (s *Service) Sales(ctx context.Context, currency string, from, to time.Time) (Sales, error) {
	out := Sales{Currency: currency, ByChannel: map[string]ChannelSales{}}
	args := []any{currency, from.UnixMilli(), to.UnixMilli()}
	const where = ` FROM orders WHERE currency = ? AND paid_at >= ? AND paid_at < ? AND status IN ` + soldStatuses
	rows, err := s.db.QueryContext(ctx, `SELECT channel, COUNT(*), COALESCE(SUM(total - refunded), 0)`+where+` GROUP BY channel`, args...)
	if err != nil {
		return out, fmt.Errorf("sales by channel: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ch string
		var cs ChannelSales
		if err := rows.Scan(&ch, &cs.Orders, &cs.Revenue); err != nil {
			return out, fmt.Errorf("sales by channel: %w", err)
		}
		out.ByChannel[ch] = cs
		out.Orders += cs.Orders
		out.Revenue += cs.Revenue
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("sales by channel: %w", err)
	}
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT customer_id)`+where+` AND customer_id <> ''`, args...).Scan(&out.Buyers)
	if err != nil {
		return out, fmt.Errorf("buyers: %w", err)
	}
	return out, nil
}
