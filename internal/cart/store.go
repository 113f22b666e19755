package cart

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// record is a stored cart.
type record struct {
	ID             string
	CustomerID     string
	Status         string
	Currency       string
	UpdatedChannel string
	Version        int64
	UpdatedAt      time.Time
	Lines          []line
	Codes          []string
}

// line is a stored cart line.
type line struct {
	VariantID      string
	Quantity       int64
	AddedChannel   string
	UpdatedChannel string
}

// quantityOf returns the quantity of a variant in the cart.
func (r *record) quantityOf(variantID string) int64 {
	for _, l := range r.Lines {
		if l.VariantID == variantID {
			return l.Quantity
		}
	}
	return 0
}

// loadActive reads the customer's active cart through q; found is false when
// there is none.
func loadActive(ctx context.Context, q store.Querier, customerID string) (rec record, found bool, err error) {
	var at int64
	err = q.QueryRowContext(ctx, `SELECT id, customer_id, status, currency, updated_channel, version, updated_at
		FROM carts WHERE customer_id = ? AND status = ?`, customerID, StatusActive).
		Scan(&rec.ID, &rec.CustomerID, &rec.Status, &rec.Currency, &rec.UpdatedChannel, &rec.Version, &at)
	if store.IsNoRows(err) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("read cart: %w", err)
	}
	rec.UpdatedAt = time.UnixMilli(at).UTC()
	return rec, true, loadContents(ctx, q, &rec)
}

func loadContents(ctx context.Context, q store.Querier, rec *record) error {
	rows, err := q.QueryContext(ctx, `SELECT variant_id, quantity, added_channel, updated_channel FROM cart_lines
		WHERE cart_id = ? ORDER BY added_at, variant_id`, rec.ID)
	if err != nil {
		return fmt.Errorf("read cart lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.VariantID, &l.Quantity, &l.AddedChannel, &l.UpdatedChannel); err != nil {
			return err
		}
		rec.Lines = append(rec.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	crows, err := q.QueryContext(ctx, "SELECT code FROM cart_codes WHERE cart_id = ? ORDER BY added_at, code", rec.ID)
	if err != nil {
		return fmt.Errorf("read cart codes: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var c string
		if err := crows.Scan(&c); err != nil {
			return err
		}
		rec.Codes = append(rec.Codes, c)
	}
	return crows.Err()
}

// activeTx returns the customer's active cart, creating an empty one, and
// holds its row lock until tx ends, so that concurrent changes from several
// channels apply one after the other instead of overwriting each other. Two
// channels creating a cart at the same moment end up with the same cart: the
// unique index on active carts lets only one insert win.
func (s *Service) activeTx(ctx context.Context, tx *store.Tx, customerID, channel string) (record, error) {
	locked, err := lockActive(ctx, tx, customerID)
	if err != nil {
		return record{}, err
	}
	if !locked {
		now := s.now().UnixMilli()
		_, err = tx.ExecContext(ctx, `INSERT INTO carts (id, customer_id, status, currency, created_channel, updated_channel,
			version, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
			id.New("cart"), customerID, StatusActive, channel, channel, now, now)
		if err != nil {
			return record{}, fmt.Errorf("create cart: %w", err)
		}
		if _, err := lockActive(ctx, tx, customerID); err != nil {
			return record{}, err
		}
	}
	rec, found, err := loadActive(ctx, tx, customerID)
	if err == nil && !found {
		err = fmt.Errorf("create cart for %s: not found after insert", customerID)
	}
	return rec, err
}

// lockActive takes the row lock of the customer's active cart (a no-op
// UPDATE: portable, unlike SELECT … FOR UPDATE) and reports whether there is
// one. On SQLite the write transaction already excludes other writers.
func lockActive(ctx context.Context, tx *store.Tx, customerID string) (bool, error) {
	res, err := tx.ExecContext(ctx, "UPDATE carts SET version = version WHERE customer_id = ? AND status = ?", customerID, StatusActive)
	if err != nil {
		return false, fmt.Errorf("lock cart: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// touchTx records that the cart changed on channel, bumps its version and
// sets its currency: the given one, or "" once the cart is empty.
func (s *Service) touchTx(ctx context.Context, tx *store.Tx, cartID, channel, currency string) error {
	_, err := tx.ExecContext(ctx, `UPDATE carts SET updated_channel = ?, updated_at = ?, version = version + 1,
		currency = CASE WHEN EXISTS (SELECT 1 FROM cart_lines WHERE cart_id = ?) THEN COALESCE(?, currency) ELSE '' END
		WHERE id = ?`, channel, s.now().UnixMilli(), cartID, nullable(currency), cartID)
	if err != nil {
		return fmt.Errorf("update cart: %w", err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// MarkOrderedTx closes the cart as turned into an order, provided it is still
// active at the version that was priced; otherwise the cart changed under the
// checkout and it is a Conflict.
func (s *Service) MarkOrderedTx(ctx context.Context, tx *store.Tx, cartID string, version int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE carts SET status = ?, updated_at = ? WHERE id = ? AND status = ? AND version = ?",
		StatusOrdered, s.now().UnixMilli(), cartID, StatusActive, version)
	if err != nil {
		return fmt.Errorf("close cart: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflictf("cart %s changed or was checked out meanwhile; review it and check out again", cartID)
	}
	return nil
}
