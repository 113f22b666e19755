package inventory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// MaxOnHand bounds a stock level, so that a typo cannot store absurd counts.
const MaxOnHand = 10_000_000

// Level is the stock of one variant at one location.
type Level struct {
	VariantID  string    `json:"variant_id"`
	LocationID string    `json:"location_id"`
	OnHand     int64     `json:"on_hand"`
	Reserved   int64     `json:"reserved"`
	Available  int64     `json:"available"` // on hand − reserved
	UpdatedAt  time.Time `json:"updated_at"`
}

// Line is a quantity of one variant.
type Line struct {
	VariantID string `json:"variant_id"`
	Quantity  int64  `json:"quantity"`
}

// SetStock sets the units on hand of a variant at a location. It refuses to
// go below the units reserved there.
func (s *Service) SetStock(ctx context.Context, variantID, locationID string, onHand int64) (Level, error) {
	if onHand < 0 || onHand > MaxOnHand {
		return Level{}, apperr.InvalidField("on_hand", "%d is out of range 0..%d", onHand, MaxOnHand)
	}
	var lvl Level
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.ensureRow(ctx, tx, variantID, locationID); err != nil {
			return err
		}
		var before int64
		if err := tx.QueryRowContext(ctx, "SELECT on_hand FROM stock WHERE variant_id = ? AND location_id = ?",
			variantID, locationID).Scan(&before); err != nil {
			return fmt.Errorf("read stock: %w", err)
		}
		var err error
		lvl, err = s.change(ctx, tx, variantID, locationID, onHand-before, 0, "set", "")
		return err
	})
	return lvl, err
}

// AdjustStock adds delta (which may be negative) to the units on hand, e.g.
// after a delivery or a stock count. It refuses to go below the units reserved.
func (s *Service) AdjustStock(ctx context.Context, variantID, locationID string, delta int64, reason string) (Level, error) {
	if delta < -MaxOnHand || delta > MaxOnHand {
		return Level{}, apperr.InvalidField("delta", "%d is out of range", delta)
	}
	if reason == "" {
		reason = "adjust"
	}
	var lvl Level
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.ensureRow(ctx, tx, variantID, locationID); err != nil {
			return err
		}
		var err error
		lvl, err = s.change(ctx, tx, variantID, locationID, delta, 0, reason, "")
		return err
	})
	return lvl, err
}

// ensureRow checks that the variant and location exist and creates an empty
// stock row for them when there is none.
func (s *Service) ensureRow(ctx context.Context, tx *store.Tx, variantID, locationID string) error {
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM variants WHERE id = ?", variantID).Scan(&one); store.IsNoRows(err) {
		return apperr.InvalidField("variant_id", "unknown variant %q", variantID)
	} else if err != nil {
		return fmt.Errorf("find variant: %w", err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM locations WHERE id = ?", locationID).Scan(&one); store.IsNoRows(err) {
		return apperr.InvalidField("location_id", "unknown location %q", locationID)
	} else if err != nil {
		return fmt.Errorf("find location: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO stock (variant_id, location_id, on_hand, reserved, updated_at)
		VALUES (?, ?, 0, 0, ?) ON CONFLICT (variant_id, location_id) DO NOTHING`, variantID, locationID, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("create stock row: %w", err)
	}
	return nil
}

// change applies deltas to a stock row in one conditional UPDATE: the row
// changes only if the result keeps 0 <= reserved <= on_hand, and the new
// level is returned. It records the movement in the ledger.
func (s *Service) change(ctx context.Context, tx *store.Tx, variantID, locationID string, dOnHand, dReserved int64, reason, ref string) (Level, error) {
	now := s.now().UnixMilli()
	lvl := Level{VariantID: variantID, LocationID: locationID, UpdatedAt: time.UnixMilli(now).UTC()}
	err := tx.QueryRowContext(ctx, `UPDATE stock SET on_hand = on_hand + ?, reserved = reserved + ?, updated_at = ?
		WHERE variant_id = ? AND location_id = ? AND reserved + ? >= 0 AND on_hand + ? >= reserved + ?
		RETURNING on_hand, reserved`,
		dOnHand, dReserved, now, variantID, locationID, dReserved, dOnHand, dReserved).Scan(&lvl.OnHand, &lvl.Reserved)
	if store.IsNoRows(err) {
		return Level{}, s.shortage(ctx, tx, variantID, locationID, dOnHand, dReserved)
	}
	if err != nil {
		return Level{}, fmt.Errorf("update stock: %w", err)
	}
	lvl.Available = lvl.OnHand - lvl.Reserved
	_, err = tx.ExecContext(ctx, `INSERT INTO stock_movements (id, variant_id, location_id, on_hand_delta, reserved_delta,
		reason, ref, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id.New("mov"), variantID, locationID, dOnHand, dReserved, reason, ref, now)
	if err != nil {
		return Level{}, fmt.Errorf("record stock movement: %w", err)
	}
	return lvl, nil
}

// shortage explains why a conditional update changed nothing.
func (s *Service) shortage(ctx context.Context, tx *store.Tx, variantID, locationID string, dOnHand, dReserved int64) error {
	var onHand, reserved int64
	err := tx.QueryRowContext(ctx, "SELECT on_hand, reserved FROM stock WHERE variant_id = ? AND location_id = ?",
		variantID, locationID).Scan(&onHand, &reserved)
	if err != nil && !store.IsNoRows(err) {
		return fmt.Errorf("read stock: %w", err)
	}
	want := dReserved - dOnHand
	if dOnHand < 0 && dReserved == 0 {
		return (&ShortageError{VariantID: variantID, LocationID: locationID, Requested: -dOnHand, Available: onHand - reserved,
			what: "units on hand would fall below the reserved"}).AppError()
	}
	return (&ShortageError{VariantID: variantID, LocationID: locationID, Requested: want, Available: onHand - reserved}).AppError()
}

// ShortageError says a location lacks the units asked for.
type ShortageError struct {
	VariantID  string
	LocationID string
	SKU        string // filled in by callers that know it
	Requested  int64
	Available  int64
	what       string
}

func (e *ShortageError) Error() string {
	item := e.VariantID
	if e.SKU != "" {
		item = "SKU " + e.SKU
	}
	if e.what != "" {
		return fmt.Sprintf("%s at location %s: %s (%d available)", item, e.LocationID, e.what, e.Available)
	}
	return fmt.Sprintf("%s: %d requested, only %d available at location %s", item, e.Requested, max(e.Available, 0), e.LocationID)
}

// AppError presents the shortage as an Unprocessable application error that
// still unwraps to e.
func (e *ShortageError) AppError() *apperr.Error {
	return &apperr.Error{Code: apperr.Unprocessable, Message: "out of stock: " + e.Error(), Err: e}
}

// AsShortage returns the ShortageError in err's chain.
func AsShortage(err error) (*ShortageError, bool) {
	var se *ShortageError
	ok := errors.As(err, &se)
	return se, ok
}

// Levels lists stock levels, filtered by variant and/or location ids.
func (s *Service) Levels(ctx context.Context, variantIDs []string, locationID string) ([]Level, error) {
	var where []string
	var args []any
	if len(variantIDs) > 0 {
		where = append(where, "variant_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(variantIDs)), ", ")+")")
		for _, v := range variantIDs {
			args = append(args, v)
		}
	}
	if locationID != "" {
		where, args = append(where, "location_id = ?"), append(args, locationID)
	}
	q := "SELECT variant_id, location_id, on_hand, reserved, updated_at FROM stock"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY variant_id, location_id LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	defer rows.Close()
	out := []Level{}
	for rows.Next() {
		var l Level
		var at int64
		if err := rows.Scan(&l.VariantID, &l.LocationID, &l.OnHand, &l.Reserved, &at); err != nil {
			return nil, err
		}
		l.Available, l.UpdatedAt = l.OnHand-l.Reserved, time.UnixMilli(at).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// AvailableTx sums the units available to sell of each variant at every
// location (or at one, when locationID is set), read through q.
func (s *Service) AvailableTx(ctx context.Context, q store.Querier, variantIDs []string, locationID string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(variantIDs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(variantIDs)+1)
	for _, v := range variantIDs {
		args = append(args, v)
	}
	query := "SELECT variant_id, CAST(SUM(on_hand - reserved) AS BIGINT) FROM stock WHERE variant_id IN (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(variantIDs)), ", ") + ")"
	if locationID != "" {
		query += " AND location_id = ?"
		args = append(args, locationID)
	}
	rows, err := q.QueryContext(ctx, query+" GROUP BY variant_id", args...)
	if err != nil {
		return nil, fmt.Errorf("read available stock: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, err
		}
		out[v] = n
	}
	return out, rows.Err()
}
