package export

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/store"
)

// Customer is one live profile as exported; merged-away profiles are left
// out (their identities and events belong to the survivor).
type Customer struct {
	ID          string                     `json:"id"`
	Name        string                     `json:"name"`
	Email       string                     `json:"email"`
	Phone       string                     `json:"phone"`
	CreatedAt   string                     `json:"created_at"`
	FirstSeenAt string                     `json:"first_seen_at"`
	LastSeenAt  string                     `json:"last_seen_at"`
	Channels    []string                   `json:"channels"`
	Identities  []Identity                 `json:"identities"`
	Traits      map[string]json.RawMessage `json:"traits"`
	Consent     []Consent                  `json:"consent"`
}

// Identity is one identifier of a customer.
type Identity struct {
	Type        string `json:"type"`
	Value       string `json:"value"`
	Channel     string `json:"channel"`
	FirstSeenAt string `json:"first_seen_at"`
}

// Consent is one consent decision of a customer.
type Consent struct {
	Channel   string `json:"channel"`
	Purpose   string `json:"purpose"`
	Granted   bool   `json:"granted"`
	UpdatedAt string `json:"updated_at"`
}

func (c *Customer) cells() []string {
	return []string{c.ID, c.Name, c.Email, c.Phone, c.CreatedAt, c.FirstSeenAt, c.LastSeenAt,
		strings.Join(c.Channels, ","), jsonText(c.Identities), jsonText(c.Traits), jsonText(c.Consent)}
}

var customersTable = table{
	header: []string{"id", "name", "email", "phone", "created_at", "first_seen_at", "last_seen_at",
		"channels", "identities", "traits", "consent"},
	count: func(ctx context.Context, db *store.DB, o Options) (int64, error) {
		cond, args := timeBounds("last_seen_at", o)
		return countRows(ctx, db, "SELECT COUNT(*) FROM customers WHERE merged_into IS NULL"+cond, args)
	},
	page: customerPage,
}

func customerPage(ctx context.Context, db *store.DB, after string, o Options) ([]row, string, error) {
	cond, args := timeBounds("last_seen_at", o)
	rows, err := db.QueryContext(ctx, `SELECT id, name, email, phone, created_at, first_seen_at, last_seen_at, channels
		FROM customers WHERE merged_into IS NULL AND id > ?`+cond+` ORDER BY id LIMIT ?`,
		append(append([]any{after}, args...), o.PageSize)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var list []*Customer
	byID := map[string]*Customer{}
	for rows.Next() {
		c := &Customer{Channels: []string{}, Identities: []Identity{}, Traits: map[string]json.RawMessage{}, Consent: []Consent{}}
		var created, first, last int64
		var channels string
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &created, &first, &last, &channels); err != nil {
			return nil, "", err
		}
		c.CreatedAt, c.FirstSeenAt, c.LastSeenAt = stamp(created), stamp(first), stamp(last)
		if channels != "" {
			c.Channels = strings.Split(channels, ",")
		}
		list = append(list, c)
		byID[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(list) == 0 {
		return nil, "", nil
	}
	if err := customerDetails(ctx, db, byID); err != nil {
		return nil, "", err
	}
	return pageOf(list, o.PageSize, func(c *Customer) string { return c.ID })
}

// customerDetails fills the identities, traits and consent of a page.
func customerDetails(ctx context.Context, db *store.DB, byID map[string]*Customer) error {
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	in := " WHERE customer_id IN (" + store.Placeholders(len(ids)) + ")"
	err := each(ctx, db, "SELECT customer_id, type, value, channel, first_seen_at FROM identities"+in+" ORDER BY customer_id, type, value", ids,
		func(scan func(...any) error) error {
			var cid string
			var i Identity
			var at int64
			if err := scan(&cid, &i.Type, &i.Value, &i.Channel, &at); err != nil {
				return err
			}
			i.FirstSeenAt = stamp(at)
			byID[cid].Identities = append(byID[cid].Identities, i)
			return nil
		})
	if err != nil {
		return err
	}
	err = each(ctx, db, "SELECT customer_id, key, value FROM customer_traits"+in, ids, func(scan func(...any) error) error {
		var cid, key, value string
		if err := scan(&cid, &key, &value); err != nil {
			return err
		}
		byID[cid].Traits[key] = json.RawMessage(value)
		return nil
	})
	if err != nil {
		return err
	}
	return each(ctx, db, "SELECT customer_id, channel, purpose, granted, updated_at FROM customer_consent"+in+" ORDER BY customer_id, channel, purpose", ids,
		func(scan func(...any) error) error {
			var cid string
			var c Consent
			var granted, at int64
			if err := scan(&cid, &c.Channel, &c.Purpose, &granted, &at); err != nil {
				return err
			}
			c.Granted, c.UpdatedAt = granted != 0, stamp(at)
			byID[cid].Consent = append(byID[cid].Consent, c)
			return nil
		})
}

// each runs q and calls fn for every row.
func each(ctx context.Context, db *store.DB, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// itoa formats minor units for CSV.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
