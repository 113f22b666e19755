package campaign

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
)

// ReasonMerged skips a pending recipient whose profile merged into another
// recipient of the same campaign: the survivor gets one message.
const ReasonMerged = "merged"

// conversions credits orders to campaign messages.
var conversions = marketing.Conversions{Table: "campaign_recipients"}

// EventHook follows the customer timeline inside the transaction that
// stores each batch of events (register it with customer.Service.OnAppend):
// an order converts the customer's latest campaign message sent within
// marketing.ConversionWindow, a cancelled order takes its conversion back.
func (s *Service) EventHook(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	for _, e := range events {
		if err := conversions.EventTx(ctx, tx, e, s.now()); err != nil {
			return err
		}
	}
	return nil
}

// MergeTx moves profile from's campaign recipients to profile into inside
// the identity service's merge transaction (register it with OnMerge).
// Where both were in a campaign's audience, the survivor's row stays; a
// row still pending is skipped when the other was sent to, and the
// merged-away one is skipped when both are pending, so the person gets
// one message.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	now := s.now().UnixMilli()
	folds := []struct {
		pending, other string
		otherSent      bool
	}{{into, from, true}, {from, into, false}}
	for _, f := range folds {
		q := `UPDATE campaign_recipients SET state = ?, reason = ?, updated_at = ? WHERE customer_id = ? AND state = ?
			AND campaign_id IN (SELECT campaign_id FROM campaign_recipients WHERE customer_id = ?`
		args := []any{Skipped, ReasonMerged, now, f.pending, Pending, f.other}
		if f.otherSent {
			q, args = q+" AND state = ?", append(args, RecipientSent)
		}
		if _, err := tx.ExecContext(ctx, q+")", args...); err != nil {
			return fmt.Errorf("fold campaign recipients of %s into %s: %w", from, into, err)
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE campaign_recipients SET customer_id = ? WHERE customer_id = ?
		AND campaign_id NOT IN (SELECT campaign_id FROM campaign_recipients WHERE customer_id = ?)`, into, from, into)
	if err != nil {
		return fmt.Errorf("move campaign recipients of %s to %s: %w", from, into, err)
	}
	return nil
}
