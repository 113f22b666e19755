package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
)

// ReasonNoProfile skips a recipient whose profile was erased after the
// audience was taken.
const ReasonNoProfile = "no profile"

// recipient is a pending row of a campaign's audience.
type recipient struct{ id, customerID string }

// run works one run of a campaign's send job, the one for the send time
// sendAt: it takes the audience once, then sends batch after batch until
// none is pending (the campaign is then sent), the campaign stops being
// this job's to send (cancelled, moved to another time), or RunFor has
// passed. again asks for another run after wait: the rest of the
// audience, the end of quiet hours, or a send time not yet reached.
func (s *Service) run(ctx context.Context, cid string, sendAt int64) (again bool, wait time.Duration, err error) {
	c, err := s.head(ctx, cid)
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	if c.SendAt == nil || c.SendAt.UnixMilli() != sendAt {
		return false, 0, nil // a job for a time the campaign no longer has
	}
	now := s.now()
	switch c.Status {
	case Scheduled:
		if d := c.SendAt.Sub(now); d > 0 {
			return true, d, nil
		}
		if ok, err := s.claim(ctx, c, now); err != nil || !ok {
			return false, 0, err
		}
	case Sending:
	default:
		return false, 0, nil
	}
	if at := c.Quiet.After(now); at.After(now) {
		return true, at.Sub(now), nil
	}
	if err := s.prepareRun(ctx, c); err != nil {
		return false, 0, s.failOrRetry(ctx, c, err)
	}
	deadline := time.Now().Add(s.opts.RunFor)
	for {
		if ok, err := s.stillSending(ctx, c); err != nil || !ok {
			return false, 0, err
		}
		batch, err := s.pending(ctx, cid)
		if err != nil {
			return false, 0, err
		}
		if len(batch) == 0 {
			return false, 0, s.finish(ctx, c)
		}
		if err := s.sendBatch(ctx, c, batch); err != nil {
			return false, 0, err
		}
		now := s.now()
		if at := c.Quiet.After(now); at.After(now) {
			return true, at.Sub(now), nil
		}
		if time.Now().After(deadline) {
			return true, 0, nil
		}
	}
}

// head reads a campaign without its results.
func (s *Service) head(ctx context.Context, cid string) (Campaign, error) {
	c, err := scanCampaign(s.db.QueryRowContext(ctx, "SELECT "+campaignCols+" FROM campaigns WHERE id = ?", cid))
	if store.IsNoRows(err) {
		return Campaign{}, apperr.NotFoundf("no campaign %s", cid)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("read campaign %s: %w", cid, err)
	}
	return c, nil
}

// claim moves a scheduled campaign whose time has come to sending.
func (s *Service) claim(ctx context.Context, c Campaign, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = ?, started_at = COALESCE(started_at, ?), updated_at = ?
		WHERE id = ? AND status = ? AND send_at = ?`, string(Sending), now.UnixMilli(), now.UnixMilli(), c.ID, string(Scheduled), c.SendAt.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("start campaign %s: %w", c.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// prepareRun checks that the channel and the promotion can still be used
// and takes the audience if no run took it yet.
func (s *Service) prepareRun(ctx context.Context, c Campaign) error {
	if err := s.d.Notifier.CanSend(ctx, c.Channel); err != nil {
		return err
	}
	if err := s.checkCode(ctx, c.PromotionCode); err != nil {
		return err
	}
	if c.SnapshotAt != nil {
		return nil
	}
	seg, err := s.d.Segments.Get(ctx, c.SegmentID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.New(apperr.Unprocessable, "segment %s was deleted before the campaign was sent", c.SegmentID)
	}
	if err != nil {
		return err
	}
	sel, args, err := s.d.Segments.Select(seg.Definition)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE campaigns SET snapshot_at = ?, updated_at = ? WHERE id = ? AND snapshot_at IS NULL", now, now, c.ID)
		if err != nil {
			return fmt.Errorf("take audience of %s: %w", c.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another run took it
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO campaign_recipients (id, campaign_id, customer_id, state, updated_at)
			SELECT CAST(? AS TEXT) || m.id, ?, m.id, ?, ? FROM (`+sel+`) m`, append([]any{c.ID + "/", c.ID, Pending, now}, args...)...)
		if err != nil {
			return fmt.Errorf("take audience of %s: %w", c.ID, err)
		}
		return nil
	})
}

// failOrRetry stops a campaign that cannot go on (the channel switched
// off, the segment deleted, the promotion over); other errors are the
// database's, and the job retries.
func (s *Service) failOrRetry(ctx context.Context, c Campaign, err error) error {
	if apperr.CodeOf(err) == apperr.Internal {
		return err
	}
	msg := err.Error()
	if e, ok := apperr.As(err); ok {
		msg = e.Message
		if e.Field != "" {
			msg = e.Field + ": " + msg
		}
	}
	return s.fail(ctx, c, msg)
}

// fail marks the campaign failed, unless it changed meanwhile.
func (s *Service) fail(ctx context.Context, c Campaign, msg string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status = ? AND send_at = ?`,
		string(Failed), msg, s.now().UnixMilli(), c.ID, string(Sending), c.SendAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("record failure of campaign %s: %w", c.ID, err)
	}
	s.log.Warn("campaign failed", "campaign", c.ID, "err", msg)
	return nil
}

// stillSending reports whether the campaign is still this run's to send.
func (s *Service) stillSending(ctx context.Context, c Campaign) (bool, error) {
	var status string
	var sendAt *int64
	err := s.db.QueryRowContext(ctx, "SELECT status, send_at FROM campaigns WHERE id = ?", c.ID).Scan(&status, &sendAt)
	if err != nil {
		return false, fmt.Errorf("read status of campaign %s: %w", c.ID, err)
	}
	return Status(status) == Sending && sendAt != nil && *sendAt == c.SendAt.UnixMilli(), nil
}

func (s *Service) pending(ctx context.Context, cid string) ([]recipient, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, customer_id FROM campaign_recipients WHERE campaign_id = ? AND state = ?
		ORDER BY customer_id LIMIT ?`, cid, Pending, s.opts.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("read audience of %s: %w", cid, err)
	}
	defer rows.Close()
	var out []recipient
	for rows.Next() {
		var r recipient
		if err := rows.Scan(&r.id, &r.customerID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// sendBatch sends to a batch of recipients in one transaction. Each is
// claimed (pending → sent or skipped) in the transaction that queues its
// message and fills its wallet: a run that dies before the commit leaves
// the batch pending and nothing queued, and no later run takes a claimed
// recipient again.
func (s *Service) sendBatch(ctx context.Context, c Campaign, batch []recipient) error {
	// Profiles are read first, so that the transaction holds the writer
	// only to write.
	names := make([]*marketing.Recipient, len(batch))
	for i, r := range batch {
		p, err := s.d.Profiles.Get(ctx, r.customerID)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return err
		}
		name := marketing.RecipientOf(p)
		names[i] = &name
	}
	now := s.now()
	var queued []inbox.Message
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		queued = queued[:0]
		for i, r := range batch {
			m, sent, err := s.sendOneTx(ctx, tx, c, r, names[i], now)
			if err != nil {
				return fmt.Errorf("campaign %s to %s: %w", c.ID, r.customerID, err)
			}
			if sent {
				queued = append(queued, m)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, m := range queued {
		s.d.Notifier.Announce(ctx, m)
	}
	return nil
}

// sendOneTx claims one recipient and queues their message, or records why
// they are skipped. A refusal by the inbox writes nothing, so the
// transaction goes on with the next recipient.
func (s *Service) sendOneTx(ctx context.Context, tx *store.Tx, c Campaign, r recipient, name *marketing.Recipient,
	now time.Time) (inbox.Message, bool, error) {
	res, err := tx.ExecContext(ctx, "UPDATE campaign_recipients SET updated_at = ? WHERE id = ? AND state = ?", now.UnixMilli(), r.id, Pending)
	if err != nil {
		return inbox.Message{}, false, fmt.Errorf("claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return inbox.Message{}, false, nil // another run took it
	}
	if name == nil {
		return inbox.Message{}, false, skipTx(ctx, tx, r, marketing.Refusal{Reason: ReasonNoProfile}, now)
	}
	subject, body := c.message(*name)
	m, err := s.d.Notifier.NotifyTx(ctx, tx, inbox.NotifyRequest{CustomerID: r.customerID, Text: body, Subject: subject,
		Kind: inbox.KindMarketing, Purpose: inbox.PurposeMarketing, Channels: []string{c.Channel}, Limit: c.Cap.Limit(now),
		Campaign: c.Slug})
	if err != nil {
		ref, ok := marketing.Refused(err)
		if !ok {
			return inbox.Message{}, false, err
		}
		return inbox.Message{}, false, skipTx(ctx, tx, r, ref, now)
	}
	if c.PromotionCode != "" {
		if _, err := s.d.Promotions.AttachTx(ctx, tx, m.CustomerID, c.PromotionCode, c.Channel, "campaign"); err != nil {
			return inbox.Message{}, false, fmt.Errorf("put %s in the wallet: %w", c.PromotionCode, err)
		}
	}
	_, err = tx.ExecContext(ctx, "UPDATE campaign_recipients SET state = ?, message_id = ?, sent_at = ?, updated_at = ? WHERE id = ?",
		RecipientSent, m.ID, now.UnixMilli(), now.UnixMilli(), r.id)
	if err != nil {
		return inbox.Message{}, false, fmt.Errorf("record message: %w", err)
	}
	return m, true, nil
}

func skipTx(ctx context.Context, tx *store.Tx, r recipient, ref marketing.Refusal, now time.Time) error {
	_, err := tx.ExecContext(ctx, "UPDATE campaign_recipients SET state = ?, reason = ?, detail = ?, updated_at = ? WHERE id = ?",
		Skipped, ref.Reason, truncate(ref.Detail, 500), now.UnixMilli(), r.id)
	if err != nil {
		return fmt.Errorf("record skip: %w", err)
	}
	return nil
}

// finish marks the campaign sent once no recipient is pending.
func (s *Service) finish(ctx context.Context, c Campaign) error {
	now := s.now().UnixMilli()
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET status = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = ? AND send_at = ?`,
		string(Sent), now, now, c.ID, string(Sending), c.SendAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("finish campaign %s: %w", c.ID, err)
	}
	s.log.Info("campaign sent", "campaign", c.ID, "slug", c.Slug)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
