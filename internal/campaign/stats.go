package campaign

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/inbox"
)

// Stats returns a campaign's results now.
func (s *Service) Stats(ctx context.Context, cid string) (Stats, error) {
	c, err := s.Get(ctx, cid)
	return c.Stats, err
}

// stats counts the recipients of one campaign, or of every campaign when
// cid is empty, by outcome, conversion and the delivery state of their
// messages.
func (s *Service) stats(ctx context.Context, cid string) (map[string]Stats, error) {
	where, args := "", []any{}
	if cid != "" {
		where, args = " WHERE campaign_id = ?", append(args, cid)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT campaign_id, state, reason, COUNT(*), COUNT(converted_at), currency,
		COALESCE(SUM(revenue), 0) FROM campaign_recipients`+where+` GROUP BY campaign_id, state, reason, currency`, args...)
	if err != nil {
		return nil, fmt.Errorf("campaign results: %w", err)
	}
	out := map[string]Stats{}
	get := func(c string) Stats {
		st, ok := out[c]
		if !ok {
			st = emptyStats()
		}
		return st
	}
	for rows.Next() {
		var c, state, reason, cur string
		var n, converted, revenue int64
		if err := rows.Scan(&c, &state, &reason, &n, &converted, &cur, &revenue); err != nil {
			rows.Close()
			return nil, fmt.Errorf("campaign results: %w", err)
		}
		st := get(c)
		st.Audience += n
		st.Converted += converted
		switch state {
		case Pending:
			st.Pending += n
		case RecipientSent:
			st.Sent += n
		case Skipped:
			st.Skipped += n
			st.SkippedBy[reason] += n
		}
		if revenue != 0 && cur != "" {
			st.Revenue[cur] += revenue
		}
		out[c] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("campaign results: %w", err)
	}
	return out, s.delivery(ctx, cid, out)
}

// delivery adds the delivery states the inbox recorded for the campaigns'
// messages.
func (s *Service) delivery(ctx context.Context, cid string, out map[string]Stats) error {
	where, args := "", []any{RecipientSent}
	if cid != "" {
		where, args = " AND r.campaign_id = ?", append(args, cid)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT r.campaign_id, m.state, COUNT(*) FROM campaign_recipients r
		JOIN messages m ON m.id = r.message_id WHERE r.state = ?`+where+` GROUP BY r.campaign_id, m.state`, args...)
	if err != nil {
		return fmt.Errorf("campaign deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c, state string
		var n int64
		if err := rows.Scan(&c, &state, &n); err != nil {
			return fmt.Errorf("campaign deliveries: %w", err)
		}
		st, ok := out[c]
		if !ok {
			continue
		}
		switch inbox.State(state) {
		case inbox.StateQueued, inbox.StateSending:
			st.Delivery.Queued += n
		case inbox.StateSent:
			st.Delivery.Sent += n
		case inbox.StateDelivered:
			st.Delivery.Delivered += n
		case inbox.StateFailed:
			st.Delivery.Failed += n
		}
		out[c] = st
	}
	return rows.Err()
}
