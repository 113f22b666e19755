package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// maxAhead bounds how far ahead a campaign may be scheduled.
const maxAhead = 366 * 24 * time.Hour

// SendNow starts sending a campaign: a draft, a scheduled or cancelled
// one, or a failed one (which goes on with the rest of its audience). A
// second call while it sends is refused, so a double click sends once.
func (s *Service) SendNow(ctx context.Context, cid string) (Campaign, error) {
	c, err := s.Get(ctx, cid)
	if err != nil {
		return Campaign{}, err
	}
	if !c.Sendable() {
		return Campaign{}, notSendable(c)
	}
	if err := s.checkStored(ctx, c); err != nil {
		return Campaign{}, err
	}
	now := s.now().UnixMilli()
	err = s.startTx(ctx, cid, notSendable, func(tx *store.Tx) (int64, error) {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, error = '', send_at = ?, started_at = COALESCE(started_at, ?),
			finished_at = NULL, updated_at = ? WHERE id = ? AND status IN ('draft', 'scheduled', 'cancelled', 'failed')`,
			string(Sending), now, now, now, cid)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		return n, nil
	}, SendArgs{CampaignID: cid, SendAt: now}, nil)
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, cid)
}

// Schedule sets a campaign that has not started to go out at at, which must
// be in the future; a scheduled campaign is moved to the new time.
func (s *Service) Schedule(ctx context.Context, cid string, at time.Time) (Campaign, error) {
	now := s.now()
	switch {
	case at.IsZero():
		return Campaign{}, apperr.InvalidField("send_at", "give the time to send at, e.g. 2026-05-04T09:00:00Z")
	case !at.After(now):
		return Campaign{}, apperr.InvalidField("send_at", "%s is in the past; give a later time or send now", at.UTC().Format(time.RFC3339))
	case at.Sub(now) > maxAhead:
		return Campaign{}, apperr.InvalidField("send_at", "schedule at most a year ahead")
	}
	c, err := s.Get(ctx, cid)
	if err != nil {
		return Campaign{}, err
	}
	if !c.Schedulable() {
		return Campaign{}, notSchedulable(c)
	}
	if err := s.checkStored(ctx, c); err != nil {
		return Campaign{}, err
	}
	ms := at.UnixMilli()
	err = s.startTx(ctx, cid, notSchedulable, func(tx *store.Tx) (int64, error) {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, error = '', send_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('draft', 'scheduled', 'cancelled') AND started_at IS NULL`,
			string(Scheduled), ms, now.UnixMilli(), cid)
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		return n, nil
	}, SendArgs{CampaignID: cid, SendAt: ms}, &river.InsertOpts{ScheduledAt: at})
	if err != nil {
		return Campaign{}, err
	}
	return s.Get(ctx, cid)
}

// Cancel stops a scheduled campaign before it goes out, or a sending one
// before its next batch; recipients not sent to yet stay pending.
func (s *Service) Cancel(ctx context.Context, cid string) (Campaign, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ? AND status IN ('scheduled', 'sending')",
		string(Cancelled), s.now().UnixMilli(), cid)
	if err != nil {
		return Campaign{}, fmt.Errorf("cancel campaign %s: %w", cid, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Campaign{}, s.stateConflict(ctx, cid, func(c Campaign) error {
			return &apperr.Error{Code: apperr.Conflict, Field: "status",
				Message: fmt.Sprintf("campaign %s is %s: only a scheduled or sending campaign can be cancelled", cid, c.Status)}
		})
	}
	return s.Get(ctx, cid)
}

// checkStored checks a stored campaign's segment, channel and promotion
// before it is sent or scheduled.
func (s *Service) checkStored(ctx context.Context, c Campaign) error {
	return s.check(ctx, Input{SegmentID: c.SegmentID, Channel: c.Channel, PromotionCode: c.PromotionCode})
}

// startTx moves the campaign's status with update and enqueues its send
// job in the same transaction; when update changes nothing (the status
// changed meanwhile), why explains it.
func (s *Service) startTx(ctx context.Context, cid string, why func(Campaign) error, update func(*store.Tx) (int64, error),
	args SendArgs, opts *river.InsertOpts) error {
	q := s.enqueuer()
	if q == nil {
		return errors.New("campaign: no job queue to send with")
	}
	errChanged := errors.New("changed")
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		n, err := update(tx)
		if err != nil {
			return fmt.Errorf("start campaign %s: %w", cid, err)
		}
		if n == 0 {
			return errChanged
		}
		if _, err := q.InsertTx(ctx, tx, args, opts); err != nil {
			return fmt.Errorf("queue send of campaign %s: %w", cid, err)
		}
		return nil
	})
	if errors.Is(err, errChanged) {
		return s.stateConflict(ctx, cid, why)
	}
	return err
}

func notSendable(c Campaign) error {
	msg := fmt.Sprintf("campaign %s was sent: it cannot be sent again", c.ID)
	if c.Status == Sending {
		msg = fmt.Sprintf("campaign %s is sending already", c.ID)
	}
	return &apperr.Error{Code: apperr.Conflict, Field: "status", Message: msg}
}

func notSchedulable(c Campaign) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		Message: fmt.Sprintf("campaign %s is %s: only a campaign that has not started can be scheduled", c.ID, c.Status)}
}
