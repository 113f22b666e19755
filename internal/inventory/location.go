// Package inventory keeps stock per variant per location — warehouses and
// shops — and the reservations that hold units for orders. Available to sell
// is on hand minus reserved. Every change is a conditional UPDATE, so two
// buyers of the last unit can never both get it, on SQLite or PostgreSQL.
package inventory

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// Location kinds.
const (
	Warehouse = "warehouse"
	Shop      = "shop"
)

// Location is a place that holds stock.
type Location struct {
	ID            string    `json:"id"`
	Code          string    `json:"code"`
	Name          string    `json:"name"`
	Kind          string    `json:"kind"`
	Address       Address   `json:"address"`
	OpeningHours  []Hours   `json:"opening_hours"`
	PickupEnabled bool      `json:"pickup_enabled"`
	Ships         bool      `json:"ships"`
	Priority      int       `json:"priority"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Address is a postal address.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

// Hours is when a location is open on one day of the week.
type Hours struct {
	Day    string `json:"day"`    // mon, tue, wed, thu, fri, sat, sun
	Opens  string `json:"opens"`  // HH:MM, local time
	Closes string `json:"closes"` // HH:MM, after Opens
}

// LocationInput creates or replaces a location.
type LocationInput struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Kind          string  `json:"kind"`
	Address       Address `json:"address"`
	OpeningHours  []Hours `json:"opening_hours,omitempty"`
	PickupEnabled bool    `json:"pickup_enabled"`
	Ships         *bool   `json:"ships,omitempty"` // default true for warehouses, false for shops
	Priority      int     `json:"priority,omitempty"`
}

// Service keeps locations, stock and reservations.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// NewService returns an inventory Service on db.
func NewService(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

var (
	codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	hhmm        = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	days        = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

func (in *LocationInput) normalize() error {
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	if !codePattern.MatchString(in.Code) {
		return apperr.InvalidField("code", "%q must be 1-32 lower-case letters, digits, dashes or underscores", in.Code)
	}
	if in.Name = strings.TrimSpace(in.Name); in.Name == "" {
		return apperr.InvalidField("name", "is required")
	}
	if in.Kind != Warehouse && in.Kind != Shop {
		return apperr.InvalidField("kind", "unknown kind %q (want warehouse or shop)", in.Kind)
	}
	if in.Ships == nil {
		ships := in.Kind == Warehouse
		in.Ships = &ships
	}
	a := &in.Address
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country != "" && len(a.Country) != 2 {
		return apperr.InvalidField("address.country", "%q is not an ISO 3166-1 alpha-2 code", a.Country)
	}
	if in.PickupEnabled && (a.Line1 == "" || a.City == "" || a.Country == "") {
		return apperr.InvalidField("address", "a pickup location needs line1, city and country")
	}
	for i, h := range in.OpeningHours {
		field := fmt.Sprintf("opening_hours[%d]", i)
		if !slices.Contains(days, h.Day) {
			return apperr.InvalidField(field+".day", "%q is not one of %s", h.Day, strings.Join(days, ", "))
		}
		if !hhmm.MatchString(h.Opens) || !hhmm.MatchString(h.Closes) || h.Closes <= h.Opens {
			return apperr.InvalidField(field, "opens %q and closes %q must be HH:MM with closes after opens", h.Opens, h.Closes)
		}
	}
	return nil
}

// CreateLocation stores a new location. A code in use is a Conflict.
func (s *Service) CreateLocation(ctx context.Context, in LocationInput) (Location, error) {
	if err := in.normalize(); err != nil {
		return Location{}, err
	}
	lid := id.New("loc")
	now := s.now().UnixMilli()
	addr, _ := json.Marshal(in.Address)
	hours, _ := json.Marshal(orEmpty(in.OpeningHours))
	_, err := s.db.ExecContext(ctx, `INSERT INTO locations (id, code, name, kind, address, opening_hours, pickup_enabled,
		ships, priority, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		lid, in.Code, in.Name, in.Kind, string(addr), string(hours), boolInt(in.PickupEnabled), boolInt(*in.Ships),
		in.Priority, now, now)
	if store.IsUniqueViolation(err) {
		return Location{}, apperr.Conflictf("a location with code %q already exists", in.Code)
	}
	if err != nil {
		return Location{}, fmt.Errorf("insert location: %w", err)
	}
	return s.Location(ctx, lid)
}

// UpdateLocation replaces a location's fields.
func (s *Service) UpdateLocation(ctx context.Context, lid string, in LocationInput) (Location, error) {
	if err := in.normalize(); err != nil {
		return Location{}, err
	}
	addr, _ := json.Marshal(in.Address)
	hours, _ := json.Marshal(orEmpty(in.OpeningHours))
	res, err := s.db.ExecContext(ctx, `UPDATE locations SET code = ?, name = ?, kind = ?, address = ?, opening_hours = ?,
		pickup_enabled = ?, ships = ?, priority = ?, updated_at = ? WHERE id = ?`,
		in.Code, in.Name, in.Kind, string(addr), string(hours), boolInt(in.PickupEnabled), boolInt(*in.Ships),
		in.Priority, s.now().UnixMilli(), lid)
	if store.IsUniqueViolation(err) {
		return Location{}, apperr.Conflictf("a location with code %q already exists", in.Code)
	}
	if err != nil {
		return Location{}, fmt.Errorf("update location: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Location{}, apperr.NotFoundf("no location %q", lid)
	}
	return s.Location(ctx, lid)
}

const locationColumns = `id, code, name, kind, address, opening_hours, pickup_enabled, ships, priority, created_at, updated_at`

// Location returns a location by id or code.
func (s *Service) Location(ctx context.Context, idOrCode string) (Location, error) {
	return s.LocationTx(ctx, s.db, idOrCode)
}

// LocationTx is Location read through q (a transaction or the database).
func (s *Service) LocationTx(ctx context.Context, q store.Querier, idOrCode string) (Location, error) {
	// Codes are stored lower-cased, so "SHOP-LYON" finds "shop-lyon".
	rows, err := q.QueryContext(ctx, "SELECT "+locationColumns+" FROM locations WHERE id = ? OR code = ?",
		idOrCode, strings.ToLower(strings.TrimSpace(idOrCode)))
	if err != nil {
		return Location{}, fmt.Errorf("read location: %w", err)
	}
	list, err := scanLocations(rows)
	if err != nil {
		return Location{}, err
	}
	if len(list) == 0 {
		return Location{}, apperr.NotFoundf("no location %q", idOrCode)
	}
	return list[0], nil
}

// ListLocations lists locations by priority, then code. pickupOnly keeps the
// shops where customers may collect orders.
func (s *Service) ListLocations(ctx context.Context, pickupOnly bool) ([]Location, error) {
	q := "SELECT " + locationColumns + " FROM locations"
	if pickupOnly {
		q += " WHERE pickup_enabled = 1"
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY priority, code")
	if err != nil {
		return nil, fmt.Errorf("list locations: %w", err)
	}
	return scanLocations(rows)
}

func scanLocations(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]Location, error) {
	defer rows.Close()
	out := []Location{}
	for rows.Next() {
		var l Location
		var addr, hours string
		var pickup, ships int
		var created, updated int64
		if err := rows.Scan(&l.ID, &l.Code, &l.Name, &l.Kind, &addr, &hours, &pickup, &ships, &l.Priority,
			&created, &updated); err != nil {
			return nil, fmt.Errorf("scan location: %w", err)
		}
		_ = json.Unmarshal([]byte(addr), &l.Address)
		_ = json.Unmarshal([]byte(hours), &l.OpeningHours)
		l.OpeningHours = orEmpty(l.OpeningHours)
		l.PickupEnabled, l.Ships = pickup == 1, ships == 1
		l.CreatedAt, l.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

func orEmpty(h []Hours) []Hours {
	if h == nil {
		return []Hours{}
	}
	return h
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
