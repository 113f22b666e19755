package cart

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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
	Lines          []line   // in the order they were added
	Codes          []string // in the order they were entered
	codesAt        []int64  // when each code was entered, Unix ms
}

// line is a stored cart line.
type line struct {
	VariantID      string
	Quantity       int64
	AddedChannel   string
	UpdatedChannel string
	AddedAt        int64 // Unix ms
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

// setLine puts a line's new quantity into the record, keeping the lines in
// the order the store lists them (by when they were added, then variant).
func (r *record) setLine(variantID string, qty int64, channel string, at int64) {
	for i := range r.Lines {
		if l := &r.Lines[i]; l.VariantID == variantID {
			l.Quantity, l.UpdatedChannel = qty, channel
			return
		}
	}
	l := line{VariantID: variantID, Quantity: qty, AddedChannel: channel, UpdatedChannel: channel, AddedAt: at}
	i := len(r.Lines)
	for i > 0 && (r.Lines[i-1].AddedAt > at || r.Lines[i-1].AddedAt == at && r.Lines[i-1].VariantID > variantID) {
		i--
	}
	r.Lines = slices.Insert(r.Lines, i, l)
}

// removeLine takes a variant's line out of the record.
func (r *record) removeLine(variantID string) {
	r.Lines = slices.DeleteFunc(r.Lines, func(l line) bool { return l.VariantID == variantID })
}

// addCode puts an entered code into the record, in the store's order (by
// when entered, then code).
func (r *record) addCode(code string, at int64) {
	i := len(r.Codes)
	for i > 0 && (r.codesAt[i-1] > at || r.codesAt[i-1] == at && r.Codes[i-1] > code) {
		i--
	}
	r.Codes, r.codesAt = slices.Insert(r.Codes, i, code), slices.Insert(r.codesAt, i, at)
}

// removeCode takes a code out of the record.
func (r *record) removeCode(code string) {
	if i := slices.Index(r.Codes, code); i >= 0 {
		r.Codes, r.codesAt = slices.Delete(r.Codes, i, i+1), slices.Delete(r.codesAt, i, i+1)
	}
}

// isActive selects active carts. The status is written into the SQL, not
// bound: SQLite can use the partial index of active carts only for a
// literal, and a statement whose plan depends on a bound value is parsed
// again on every run.
const isActive = "status = '" + StatusActive + "'"

// cartColumns are the columns of a cart read by scanCart.
const cartColumns = "id, customer_id, status, currency, updated_channel, version, updated_at"

func scanCart(row *sql.Row, rec *record) error {
	var at int64
	if err := row.Scan(&rec.ID, &rec.CustomerID, &rec.Status, &rec.Currency, &rec.UpdatedChannel, &rec.Version, &at); err != nil {
		return err
	}
	rec.UpdatedAt = time.UnixMilli(at).UTC()
	return nil
}

// loadActive reads the customer's active cart through q; found is false when
// there is none.
func loadActive(ctx context.Context, q store.Querier, customerID string) (rec record, found bool, err error) {
	err = scanCart(q.QueryRowContext(ctx, "SELECT "+cartColumns+" FROM carts WHERE customer_id = ? AND "+isActive,
		customerID), &rec)
	if store.IsNoRows(err) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("read cart: %w", err)
	}
	return rec, true, loadContents(ctx, q, &rec)
}

func loadContents(ctx context.Context, q store.Querier, rec *record) error {
	rows, err := q.QueryContext(ctx, `SELECT variant_id, quantity, added_channel, updated_channel, added_at FROM cart_lines
		WHERE cart_id = ? ORDER BY added_at, variant_id`, rec.ID)
	if err != nil {
		return fmt.Errorf("read cart lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.VariantID, &l.Quantity, &l.AddedChannel, &l.UpdatedChannel, &l.AddedAt); err != nil {
			return err
		}
		rec.Lines = append(rec.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	crows, err := q.QueryContext(ctx, "SELECT code, added_at FROM cart_codes WHERE cart_id = ? ORDER BY added_at, code", rec.ID)
	if err != nil {
		return fmt.Errorf("read cart codes: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var c string
		var at int64
		if err := crows.Scan(&c, &at); err != nil {
			return err
		}
		rec.Codes, rec.codesAt = append(rec.Codes, c), append(rec.codesAt, at)
	}
	return crows.Err()
}

// activeTx returns the customer's active cart, creating an empty one, and
// holds its row lock until tx ends, so that concurrent changes from several
// channels apply one after the other instead of overwriting each other. Two
// channels creating a cart at the same moment end up with the same cart: the
// unique index on active carts lets only one insert win.
func (s *Service) activeTx(ctx context.Context, tx *store.Tx, customerID, channel string) (record, error) {
	rec, found, err := s.lockLoad(ctx, tx, customerID)
	if err != nil || found {
		return rec, err
	}
	now := s.now().UnixMilli()
	_, err = tx.ExecContext(ctx, `INSERT INTO carts (id, customer_id, status, currency, created_channel, updated_channel,
		version, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
		id.New("cart"), customerID, StatusActive, channel, channel, now, now)
	if err != nil {
		return record{}, fmt.Errorf("create cart: %w", err)
	}
	rec, found, err = s.lockLoad(ctx, tx, customerID)
	if err == nil && !found {
		err = fmt.Errorf("create cart for %s: not found after insert", customerID)
	}
	return rec, err
}

// lockLoad takes the row lock of the customer's active cart and reads it;
// found is false when there is none. The lock is a no-op UPDATE (portable,
// unlike SELECT … FOR UPDATE); SQLite needs none, its write transaction
// already excludes other writers. Contents remembered at the cart's version
// are not read again.
func (s *Service) lockLoad(ctx context.Context, tx *store.Tx, customerID string) (rec record, found bool, err error) {
	query := "UPDATE carts SET version = version WHERE customer_id = ? AND " + isActive + " RETURNING " + cartColumns
	if tx.Dialect() == store.SQLite {
		query = "SELECT " + cartColumns + " FROM carts WHERE customer_id = ? AND " + isActive
	}
	err = scanCart(tx.QueryRowContext(ctx, query, customerID), &rec)
	if store.IsNoRows(err) {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, fmt.Errorf("lock cart: %w", err)
	}
	if s.contents.get(&rec) {
		return rec, true, nil
	}
	return rec, true, loadContents(ctx, tx, &rec)
}

// lockActive takes the row lock of the customer's active cart (a no-op
// UPDATE: portable, unlike SELECT … FOR UPDATE) and reports whether there is
// one. On SQLite the write transaction already excludes other writers.
func lockActive(ctx context.Context, tx *store.Tx, customerID string) (bool, error) {
	res, err := tx.ExecContext(ctx, "UPDATE carts SET version = version WHERE customer_id = ? AND "+isActive, customerID)
	if err != nil {
		return false, fmt.Errorf("lock cart: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// touchTx records that the cart changed on channel, bumps its version and
// sets its currency: the given one, or "" once the cart is empty. rec gets
// the stored values.
func (s *Service) touchTx(ctx context.Context, tx *store.Tx, rec *record, channel, currency string) error {
	var at int64
	err := tx.QueryRowContext(ctx, `UPDATE carts SET updated_channel = ?, updated_at = ?, version = version + 1,
		currency = CASE WHEN EXISTS (SELECT 1 FROM cart_lines WHERE cart_id = ?) THEN COALESCE(?, currency) ELSE '' END
		WHERE id = ? RETURNING currency, version, updated_at`, channel, s.now().UnixMilli(), rec.ID, nullable(currency), rec.ID).
		Scan(&rec.Currency, &rec.Version, &at)
	if err != nil {
		return fmt.Errorf("update cart: %w", err)
	}
	rec.UpdatedChannel, rec.UpdatedAt = channel, time.UnixMilli(at).UTC()
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
