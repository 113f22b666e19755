package customer

import (
	"context"
	"encoding/json"
	"fmt"
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
