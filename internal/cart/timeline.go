package cart

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// TimelineSource is the source id of the events carts put on timelines.
const TimelineSource = "omni:cart"

// event is a cart event for the customer's timeline, with the channel the
// change came from. Event names follow Segment's e-commerce spec
// ("Product Added", "Product Removed", "Coupon Entered"…).
func (s *Service) event(customerID, channel, name string, props map[string]any) (customer.Event, error) {
	props["channel"] = channel
	payload, err := json.Marshal(map[string]any{"type": "track", "event": name, "properties": props})
	if err != nil {
		return customer.Event{}, fmt.Errorf("encode cart event: %w", err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	msg := id.New("msg")
	return customer.Event{ID: customer.EventID(TimelineSource, msg, now), CustomerID: customerID, SourceID: TimelineSource,
		Channel: channel, Type: "cart", Name: name, MessageID: msg, Timestamp: now, ReceivedAt: now, Payload: payload}, nil
}

// recordTx puts a cart event on the customer's timeline inside tx.
func (s *Service) recordTx(ctx context.Context, tx *store.Tx, customerID, channel, name string, props map[string]any) error {
	if s.d.Timeline == nil {
		return nil
	}
	e, err := s.event(customerID, channel, name, props)
	if err != nil {
		return err
	}
	if _, err := s.d.Timeline.AppendTx(ctx, tx, []customer.Event{e}); err != nil {
		return fmt.Errorf("record cart event: %w", err)
	}
	return nil
}
