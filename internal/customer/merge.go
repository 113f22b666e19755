package customer

import (
	"context"
	"fmt"
	"strings"

	"github.com/omni-hq/omni/internal/store"
)

// MergeTx moves everything of profile from onto profile into: its events, its
// traits and consent (the later value of each wins), its first/last seen and
// channels. It is registered as an identity merge hook.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	stmts := []string{
		"UPDATE events SET customer_id = ? WHERE customer_id = ?",
		`INSERT INTO customer_traits (customer_id, key, value, source, channel, updated_at)
			SELECT ?, key, value, source, channel, updated_at FROM customer_traits WHERE customer_id = ?
			ON CONFLICT (customer_id, key) DO UPDATE SET value = excluded.value, source = excluded.source,
				channel = excluded.channel, updated_at = excluded.updated_at
			WHERE excluded.updated_at > customer_traits.updated_at`,
		`INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
			SELECT ?, channel, purpose, granted, source, updated_at FROM customer_consent WHERE customer_id = ?
			ON CONFLICT (customer_id, channel, purpose) DO UPDATE SET granted = excluded.granted,
				source = excluded.source, updated_at = excluded.updated_at
			WHERE excluded.updated_at > customer_consent.updated_at`,
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("move %s to %s: %w", from, into, err)
		}
	}
	for _, q := range []string{"DELETE FROM customer_traits WHERE customer_id = ?", "DELETE FROM customer_consent WHERE customer_id = ?"} {
		if _, err := tx.ExecContext(ctx, q, from); err != nil {
			return fmt.Errorf("clear %s: %w", from, err)
		}
	}
	var fFirst, fLast, iFirst, iLast int64
	var fCh, iCh string
	if err := tx.QueryRowContext(ctx, "SELECT first_seen_at, last_seen_at, channels FROM customers WHERE id = ?", from).Scan(&fFirst, &fLast, &fCh); err != nil {
		return fmt.Errorf("load customer %s: %w", from, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT first_seen_at, last_seen_at, channels FROM customers WHERE id = ?", into).Scan(&iFirst, &iLast, &iCh); err != nil {
		return fmt.Errorf("load customer %s: %w", into, err)
	}
	var add []string
	if fCh != "" {
		add = strings.Split(fCh, ",")
	}
	_, err := tx.ExecContext(ctx, "UPDATE customers SET first_seen_at = ?, last_seen_at = ?, channels = ? WHERE id = ?",
		min(fFirst, iFirst), max(fLast, iLast), mergeChannels(iCh, add), into)
	if err != nil {
		return fmt.Errorf("update customer %s: %w", into, err)
	}
	return s.refreshContactTx(ctx, tx, into)
}
