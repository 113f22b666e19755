package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Reservation statuses.
const (
	Active   = "active"
	Consumed = "consumed"
	Released = "released"
)

// Reservation holds units of a variant at a location for ref (an order).
type Reservation struct {
	ID         string     `json:"id"`
	Ref        string     `json:"ref"`
	VariantID  string     `json:"variant_id"`
	LocationID string     `json:"location_id"`
	Quantity   int64      `json:"quantity"`
	Status     string     `json:"status"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
}

// sorted returns lines merged by variant and in variant order, so that
// concurrent transactions lock stock rows in the same order and never
// deadlock each other.
func sorted(lines []Line) ([]Line, error) {
	qty := map[string]int64{}
	for i, l := range lines {
		if l.Quantity <= 0 || l.Quantity > MaxOnHand {
			return nil, apperr.InvalidField(fmt.Sprintf("lines[%d].quantity", i), "%d is out of range 1..%d", l.Quantity, MaxOnHand)
		}
		qty[l.VariantID] += l.Quantity
	}
	out := make([]Line, 0, len(qty))
	for v, q := range qty {
		out = append(out, Line{VariantID: v, Quantity: q})
	}
	slices.SortFunc(out, func(a, b Line) int { return strings.Compare(a.VariantID, b.VariantID) })
	return out, nil
}

// ReserveTx reserves every line at one location for ref, or none: the first
// line the location cannot cover fails with a ShortageError (Unprocessable)
// and the caller's transaction must roll back. A nil expiresAt holds the
// units until they are consumed or released.
func (s *Service) ReserveTx(ctx context.Context, tx *store.Tx, ref, locationID string, lines []Line, expiresAt *time.Time) ([]Reservation, error) {
	lines, err := sorted(lines)
	if err != nil {
		return nil, err
	}
	out := make([]Reservation, 0, len(lines))
	for _, l := range lines {
		r, err := s.reserve(ctx, tx, ref, locationID, l, expiresAt)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ReserveForShippingTx reserves each line at the first location that ships
// and has enough available, by location priority. A line is not split
// between locations.
func (s *Service) ReserveForShippingTx(ctx context.Context, tx *store.Tx, ref string, lines []Line, expiresAt *time.Time) ([]Reservation, error) {
	lines, err := sorted(lines)
	if err != nil {
		return nil, err
	}
	out := make([]Reservation, 0, len(lines))
	for _, l := range lines {
		r, err := s.reserveAnywhere(ctx, tx, ref, l, expiresAt)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) reserveAnywhere(ctx context.Context, tx *store.Tx, ref string, l Line, expiresAt *time.Time) (Reservation, error) {
	rows, err := tx.QueryContext(ctx, `SELECT s.location_id, s.on_hand - s.reserved FROM stock s JOIN locations l ON l.id = s.location_id
		WHERE s.variant_id = ? AND l.ships = 1 ORDER BY l.priority, l.code`, l.VariantID)
	if err != nil {
		return Reservation{}, fmt.Errorf("find shipping stock: %w", err)
	}
	var candidates []string
	var total int64
	for rows.Next() {
		var loc string
		var avail int64
		if err := rows.Scan(&loc, &avail); err != nil {
			rows.Close()
			return Reservation{}, err
		}
		total += max(avail, 0)
		if avail >= l.Quantity {
			candidates = append(candidates, loc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Reservation{}, err
	}
	for _, loc := range candidates {
		r, err := s.reserve(ctx, tx, ref, loc, l, expiresAt)
		if _, short := AsShortage(err); short {
			continue // another buyer took the units since we looked
		}
		return r, err
	}
	return Reservation{}, (&ShortageError{VariantID: l.VariantID, LocationID: "any shipping location",
		Requested: l.Quantity, Available: total}).AppError()
}

func (s *Service) reserve(ctx context.Context, tx *store.Tx, ref, locationID string, l Line, expiresAt *time.Time) (Reservation, error) {
	if _, err := s.change(ctx, tx, l.VariantID, locationID, 0, l.Quantity, "reserve", ref); err != nil {
		return Reservation{}, err
	}
	r := Reservation{ID: id.New("rsv"), Ref: ref, VariantID: l.VariantID, LocationID: locationID, Quantity: l.Quantity,
		Status: Active, ExpiresAt: expiresAt}
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO reservations (id, ref, variant_id, location_id, quantity, status, expires_at,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, ref, r.VariantID, locationID, r.Quantity, Active, unixOrNil(expiresAt), now, now)
	if err != nil {
		return Reservation{}, fmt.Errorf("insert reservation: %w", err)
	}
	return r, nil
}

// ReleaseTx gives back every active reservation of ref (on cancel or
// expiry) and returns how many it released.
func (s *Service) ReleaseTx(ctx context.Context, tx *store.Tx, ref string) (int, error) {
	return s.settle(ctx, tx, ref, Released, func(r Reservation) error {
		_, err := s.change(ctx, tx, r.VariantID, r.LocationID, 0, -r.Quantity, "release", ref)
		return err
	})
}

// ConsumeTx turns every active reservation of ref into units gone from the
// shelf (shipped or picked up): on hand and reserved both drop.
func (s *Service) ConsumeTx(ctx context.Context, tx *store.Tx, ref string) (int, error) {
	return s.settle(ctx, tx, ref, Consumed, func(r Reservation) error {
		_, err := s.change(ctx, tx, r.VariantID, r.LocationID, -r.Quantity, -r.Quantity, "consume", ref)
		return err
	})
}

// HoldTx removes the expiry of ref's active reservations, e.g. once the
// order is paid.
func (s *Service) HoldTx(ctx context.Context, tx *store.Tx, ref string) error {
	_, err := tx.ExecContext(ctx, "UPDATE reservations SET expires_at = NULL, updated_at = ? WHERE ref = ? AND status = ?",
		s.now().UnixMilli(), ref, Active)
	if err != nil {
		return fmt.Errorf("hold reservations: %w", err)
	}
	return nil
}

func (s *Service) settle(ctx context.Context, tx *store.Tx, ref, status string, apply func(Reservation) error) (int, error) {
	active, err := s.ReservationsTx(ctx, tx, ref)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range active {
		if r.Status != Active {
			continue
		}
		// The status flip is conditional too: a concurrent settle of the same
		// reservation changes nothing here.
		res, err := tx.ExecContext(ctx, "UPDATE reservations SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
			status, s.now().UnixMilli(), r.ID, Active)
		if err != nil {
			return n, fmt.Errorf("settle reservation: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		if err := apply(r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ReservationsTx lists the reservations of ref, read through q.
func (s *Service) ReservationsTx(ctx context.Context, q store.Querier, ref string) ([]Reservation, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, ref, variant_id, location_id, quantity, status, expires_at
		FROM reservations WHERE ref = ? ORDER BY variant_id, id`, ref)
	if err != nil {
		return nil, fmt.Errorf("read reservations: %w", err)
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		var r Reservation
		var exp *int64
		if err := rows.Scan(&r.ID, &r.Ref, &r.VariantID, &r.LocationID, &r.Quantity, &r.Status, &exp); err != nil {
			return nil, err
		}
		if exp != nil {
			t := time.UnixMilli(*exp).UTC()
			r.ExpiresAt = &t
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SellTx takes units straight off the shelf at a location (an in-store sale):
// on hand drops, provided that many are available.
func (s *Service) SellTx(ctx context.Context, tx *store.Tx, ref, locationID string, lines []Line) error {
	lines, err := sorted(lines)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := s.change(ctx, tx, l.VariantID, locationID, -l.Quantity, 0, "sale", ref); err != nil {
			if se, ok := AsShortage(err); ok {
				se.what = ""
				return se.AppError()
			}
			return err
		}
	}
	return nil
}

// RestockTx puts returned units back on the shelf at a location.
func (s *Service) RestockTx(ctx context.Context, tx *store.Tx, ref, locationID string, lines []Line) error {
	lines, err := sorted(lines)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := s.ensureRow(ctx, tx, l.VariantID, locationID); err != nil {
			return err
		}
		if _, err := s.change(ctx, tx, l.VariantID, locationID, l.Quantity, 0, "restock", ref); err != nil {
			return err
		}
	}
	return nil
}

// ExpiredRefs returns up to limit refs holding active reservations that
// expired before now.
func (s *Service) ExpiredRefs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT ref FROM reservations
		WHERE status = ? AND expires_at IS NOT NULL AND expires_at < ? ORDER BY ref LIMIT ?`, Active, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("find expired reservations: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, rows.Err()
}

func unixOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}
