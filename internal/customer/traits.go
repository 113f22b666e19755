package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Trait is one profile attribute with where its current value came from.
type Trait struct {
	Value     json.RawMessage `json:"value"`
	Source    string          `json:"source"`
	Channel   string          `json:"channel"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// maxTraits bounds the traits set in one call.
const maxTraits = 200

// SetTraitsTx records traits inside tx. For each key the value with the latest
// time wins, so late-arriving older events do not overwrite newer values. The
// profile's searchable name, email and phone follow the name, first_name /
// firstName + last_name / lastName, email and phone traits.
func (s *Service) SetTraitsTx(ctx context.Context, tx *store.Tx, customerID string,
	traits map[string]json.RawMessage, source, channel string, at time.Time) error {
	if len(traits) == 0 {
		return nil
	}
	if len(traits) > maxTraits {
		return apperr.InvalidField("traits", "more than %d traits in one call", maxTraits)
	}
	ms := at.UnixMilli()
	for k, v := range traits {
		if k == "" || len(k) > 128 {
			return apperr.InvalidField("traits", "trait names must have 1 to 128 characters")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO customer_traits (customer_id, key, value, source, channel, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (customer_id, key) DO UPDATE SET value = excluded.value, source = excluded.source,
				channel = excluded.channel, updated_at = excluded.updated_at
			WHERE excluded.updated_at >= customer_traits.updated_at`,
			customerID, k, string(v), source, channel, ms)
		if err != nil {
			return fmt.Errorf("set trait %s of %s: %w", k, customerID, err)
		}
	}
	return s.refreshContactTx(ctx, tx, customerID)
}

// refreshContactTx copies the contact traits into the searchable columns.
func (s *Service) refreshContactTx(ctx context.Context, tx *store.Tx, customerID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM customer_traits WHERE customer_id = ?
		AND key IN ('name', 'first_name', 'firstName', 'last_name', 'lastName', 'email', 'phone')`, customerID)
	if err != nil {
		return fmt.Errorf("load contact traits of %s: %w", customerID, err)
	}
	vals := map[string]string{}
	for rows.Next() {
		var k, raw string
		if err := rows.Scan(&k, &raw); err != nil {
			rows.Close()
			return err
		}
		var str string
		if json.Unmarshal([]byte(raw), &str) == nil {
			vals[k] = strings.TrimSpace(str)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	name := vals["name"]
	if name == "" {
		name = strings.TrimSpace(first(vals["first_name"], vals["firstName"]) + " " + first(vals["last_name"], vals["lastName"]))
	}
	_, err = tx.ExecContext(ctx, "UPDATE customers SET name = ?, name_lc = ?, email = ?, phone = ? WHERE id = ?",
		name, strings.ToLower(name), strings.ToLower(vals["email"]), vals["phone"], customerID)
	if err != nil {
		return fmt.Errorf("update contact of %s: %w", customerID, err)
	}
	return nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Consent is a customer's permission for one purpose on one channel.
type Consent struct {
	Channel   string    `json:"channel"`
	Purpose   string    `json:"purpose"` // marketing, transactional, …
	Granted   bool      `json:"granted"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SetConsent records a consent decision in a transaction of its own.
func (s *Service) SetConsent(ctx context.Context, customerID string, c Consent) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error { return s.SetConsentTx(ctx, tx, customerID, c) })
}

// SetConsentTx records a consent decision; a later decision replaces an
// earlier one.
func (s *Service) SetConsentTx(ctx context.Context, tx *store.Tx, customerID string, c Consent) error {
	if c.Channel == "" || c.Purpose == "" {
		return apperr.InvalidField("consent", "channel and purpose are required")
	}
	granted := 0
	if c.Granted {
		granted = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (customer_id, channel, purpose) DO UPDATE SET granted = excluded.granted,
			source = excluded.source, updated_at = excluded.updated_at
		WHERE excluded.updated_at >= customer_consent.updated_at`,
		customerID, c.Channel, c.Purpose, granted, c.Source, c.UpdatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("set consent of %s: %w", customerID, err)
	}
	return nil
}
