package inbox

import (
	"context"
	"time"
)

// Deliver runs one delivery attempt, as the DeliverWorker would.
func (s *Service) Deliver(ctx context.Context, msgID string, attempt, maxAttempts int) error {
	return s.deliver(ctx, msgID, attempt, maxAttempts)
}

// SetNow replaces the Service's clock.
func (s *Service) SetNow(now func() time.Time) { s.now = now }

// SetHandoffNow replaces the hand-off signer's clock.
func (h *Handoff) SetNow(now func() time.Time) { h.now = now }
