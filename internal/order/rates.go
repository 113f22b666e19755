package order

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/store"
)

// TaxRate is the sales tax of a region, in basis points (2000 = 20%).
type TaxRate struct {
	Region    string    `json:"region"` // "FR", or country and subdivision: "US-CA"
	Name      string    `json:"name"`
	Rate      int64     `json:"rate"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ShippingRate is a flat shipping charge for a region ("" for everywhere)
// in one currency.
type ShippingRate struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

var regionPattern = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// RegionOf is the tax region of an address: "US-CA" when it has a region,
// else the country.
func RegionOf(a inventory.Address) string {
	c := strings.ToUpper(strings.TrimSpace(a.Country))
	if r := strings.ToUpper(strings.TrimSpace(a.Region)); r != "" && c != "" {
		return c + "-" + r
	}
	return c
}

// SetTaxRate creates or replaces the rate of a region.
func (s *Service) SetTaxRate(ctx context.Context, r TaxRate) (TaxRate, error) {
	r.Region = strings.ToUpper(strings.TrimSpace(r.Region))
	if !regionPattern.MatchString(r.Region) {
		return TaxRate{}, apperr.InvalidField("region", "%q must be a country code (FR) or country and subdivision (US-CA)", r.Region)
	}
	if r.Rate < 0 || r.Rate > int64(money.Hundred) {
		return TaxRate{}, apperr.InvalidField("rate", "%d basis points is out of range 0..10000", r.Rate)
	}
	if r.Name = strings.TrimSpace(r.Name); r.Name == "" {
		r.Name = "Tax " + r.Region
	}
	r.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	_, err := s.db.ExecContext(ctx, `INSERT INTO tax_rates (region, name, rate, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (region) DO UPDATE SET name = excluded.name, rate = excluded.rate, updated_at = excluded.updated_at`,
		r.Region, r.Name, r.Rate, r.UpdatedAt.UnixMilli())
	if err != nil {
		return TaxRate{}, fmt.Errorf("set tax rate: %w", err)
	}
	return r, nil
}

// TaxRates lists every tax rate by region.
func (s *Service) TaxRates(ctx context.Context) ([]TaxRate, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT region, name, rate, updated_at FROM tax_rates ORDER BY region")
	if err != nil {
		return nil, fmt.Errorf("list tax rates: %w", err)
	}
	defer rows.Close()
	out := []TaxRate{}
	for rows.Next() {
		var r TaxRate
		var at int64
		if err := rows.Scan(&r.Region, &r.Name, &r.Rate, &at); err != nil {
			return nil, err
		}
		r.UpdatedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// rateFor returns the tax rate of region, falling back to its country.
func rateFor(ctx context.Context, q store.Querier, region string) (int64, error) {
	candidates := []string{region}
	if country, _, ok := strings.Cut(region, "-"); ok {
		candidates = append(candidates, country)
	}
	for _, r := range candidates {
		var rate int64
		err := q.QueryRowContext(ctx, "SELECT rate FROM tax_rates WHERE region = ?", r).Scan(&rate)
		if err == nil {
			return rate, nil
		}
		if !store.IsNoRows(err) {
			return 0, fmt.Errorf("read tax rate: %w", err)
		}
	}
	return 0, nil
}

// Tax is amount × rate basis points, rounded half away from zero.
func Tax(amount, rate int64, currency string) (int64, error) {
	t, err := money.New(amount, money.Currency(currency)).Percent(money.Percent(rate))
	if err != nil {
		return 0, fmt.Errorf("compute tax: %w", err)
	}
	return t.Minor, nil
}

// CreateShippingRate adds a flat shipping charge.
func (s *Service) CreateShippingRate(ctx context.Context, r ShippingRate) (ShippingRate, error) {
	r.Region = strings.ToUpper(strings.TrimSpace(r.Region))
	if r.Region != "" && !regionPattern.MatchString(r.Region) {
		return ShippingRate{}, apperr.InvalidField("region", "%q must be empty, a country code or country and subdivision", r.Region)
	}
	r.Currency = strings.ToUpper(r.Currency)
	if !money.Currency(r.Currency).Valid() {
		return ShippingRate{}, apperr.InvalidField("currency", "%q is not an ISO 4217 currency code", r.Currency)
	}
	if r.Amount < 0 || r.Amount > 1_000_000_00 {
		return ShippingRate{}, apperr.InvalidField("amount", "%d is out of range", r.Amount)
	}
	if r.Name = strings.TrimSpace(r.Name); r.Name == "" {
		return ShippingRate{}, apperr.InvalidField("name", "is required")
	}
	r.ID = id.New("ship")
	_, err := s.db.ExecContext(ctx, "INSERT INTO shipping_rates (id, name, region, currency, amount, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		r.ID, r.Name, r.Region, r.Currency, r.Amount, s.now().UnixMilli())
	if err != nil {
		return ShippingRate{}, fmt.Errorf("insert shipping rate: %w", err)
	}
	return r, nil
}

// ShippingRates lists the shipping rates.
func (s *Service) ShippingRates(ctx context.Context) ([]ShippingRate, error) {
	return s.shippingRates(ctx, s.db, "", "")
}

func (s *Service) shippingRates(ctx context.Context, q store.Querier, cond string, arg string) ([]ShippingRate, error) {
	query := "SELECT id, name, region, currency, amount FROM shipping_rates"
	var args []any
	if cond != "" {
		query += " WHERE " + cond
		args = append(args, arg)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY amount, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list shipping rates: %w", err)
	}
	defer rows.Close()
	out := []ShippingRate{}
	for rows.Next() {
		var r ShippingRate
		if err := rows.Scan(&r.ID, &r.Name, &r.Region, &r.Currency, &r.Amount); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// shippingFor picks the shipping charge: the named rate, or else the cheapest
// rate in the currency for the region, its country or everywhere; none
// configured means free shipping.
func (s *Service) shippingFor(ctx context.Context, q store.Querier, rateID, region, currency string) (int64, error) {
	if rateID != "" {
		list, err := s.shippingRates(ctx, q, "id = ?", rateID)
		if err != nil {
			return 0, err
		}
		if len(list) == 0 {
			return 0, apperr.InvalidField("shipping_rate_id", "unknown shipping rate %q", rateID)
		}
		if list[0].Currency != currency {
			return 0, apperr.InvalidField("shipping_rate_id", "rate %s is in %s, the cart in %s", rateID, list[0].Currency, currency)
		}
		return list[0].Amount, nil
	}
	list, err := s.shippingRates(ctx, q, "currency = ?", currency)
	if err != nil {
		return 0, err
	}
	country, _, _ := strings.Cut(region, "-")
	for _, r := range list {
		if r.Region == "" || r.Region == region || r.Region == country {
			return r.Amount, nil
		}
	}
	return 0, nil
}
