package journey

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
)

// Processing works in batches and stops after maxBatches, leaving the rest
// to the next run.
const (
	batchSize  = 100
	maxBatches = 50
)

// due is a waiting enrolment whose time has come.
type due struct {
	id, journeyID, customerID, detail string
	dueAt                             int64
}

// outcome ends an enrolment without a message: skipped or failed, and why.
type outcome struct{ state, reason string }

func (o *outcome) Error() string { return o.state + ": " + o.reason }

// errChanged means the enrolment changed between reading and claiming it:
// another run took it, or a cart change moved its wait.
var errChanged = errors.New("enrolment changed meanwhile")

// ProcessDue handles the enrolments due by now, oldest first, and returns
// how many it handled. Runs on several nodes at once are safe: an
// enrolment is claimed in the transaction that queues its message.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	n := 0
	for range maxBatches {
		batch, err := s.dueBatch(ctx)
		if err != nil {
			return n, err
		}
		for _, e := range batch {
			if err := s.process(ctx, e); err != nil {
				return n, fmt.Errorf("enrolment %s: %w", e.id, err)
			}
			n++
		}
		if len(batch) < batchSize {
			break
		}
	}
	return n, nil
}

func (s *Service) dueBatch(ctx context.Context) ([]due, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, journey_id, customer_id, detail, due_at FROM journey_enrolments
		WHERE state = ? AND due_at <= ? ORDER BY due_at, id LIMIT ?`, Waiting, s.now().UnixMilli(), batchSize)
	if err != nil {
		return nil, fmt.Errorf("find due enrolments: %w", err)
	}
	defer rows.Close()
	var out []due
	for rows.Next() {
		var e due
		if err := rows.Scan(&e.id, &e.journeyID, &e.customerID, &e.detail, &e.dueAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// process decides one due enrolment: postponed past quiet hours, skipped
// when there is nothing to say any more, else sent.
func (s *Service) process(ctx context.Context, e due) error {
	js, err := s.load(ctx, "id = ? AND deleted_at IS NULL", e.journeyID)
	if err != nil {
		return err
	}
	if len(js) == 0 || !js[0].Enabled {
		return s.finish(ctx, e, &outcome{Skipped, ReasonDisabled})
	}
	j, now := js[0], s.now()
	if at := j.Quiet.After(now); at.After(now) {
		return s.postpone(ctx, e, at.UnixMilli())
	}
	p, err := s.d.Profiles.Get(ctx, e.customerID)
	if err != nil {
		return s.finishOrRetry(ctx, e, err)
	}
	var v cart.View
	if j.Kind == AbandonedCart {
		if v, err = s.cartOf(ctx, e.customerID); err != nil {
			return s.finishOrRetry(ctx, e, err)
		}
		if o := cartOutcome(v); o != nil {
			return s.finish(ctx, e, o)
		}
	}
	data := s.message(j, p, v, e.detail)
	text, err := render("template", j.Template, data)
	if err != nil {
		return s.finish(ctx, e, &outcome{Failed, "message template: " + err.Error()})
	}
	subject, err := render("subject", j.Subject, data)
	if err != nil {
		return s.finish(ctx, e, &outcome{Failed, "subject template: " + err.Error()})
	}
	return s.send(ctx, e, inbox.NotifyRequest{CustomerID: e.customerID, Text: text, Subject: subject,
		Kind: inbox.KindMarketing, Purpose: inbox.PurposeMarketing, Channels: j.Channels, Limit: j.Cap.Limit(now)})
}

// cartOf prices the customer's cart on the storefront channel they last
// changed it on.
func (s *Service) cartOf(ctx context.Context, customerID string) (cart.View, error) {
	v, err := s.d.Carts.View(ctx, customerID, "web")
	if err == nil && v.UpdatedChannel == "app" {
		v, err = s.d.Carts.View(ctx, customerID, "app")
	}
	return v, err
}

// cartOutcome says why a cart needs no reminder: it was checked out (the
// customer has no active cart), or nothing in it can be bought.
func cartOutcome(v cart.View) *outcome {
	if v.ID == "" {
		return &outcome{Skipped, ReasonOrdered}
	}
	for _, l := range v.Lines {
		if l.Problem == "" {
			return nil
		}
	}
	return &outcome{Skipped, ReasonCartEmptied}
}

// send claims the enrolment and queues the message (the inbox checks
// consent and the frequency cap), all in one transaction: a run that
// crashes before it commits leaves the enrolment waiting and nothing
// queued; one that commits leaves it sent, and no later run takes it again.
func (s *Service) send(ctx context.Context, e due, req inbox.NotifyRequest) error {
	var m inbox.Message
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, "UPDATE journey_enrolments SET updated_at = ? WHERE id = ? AND state = ? AND due_at = ?",
			now, e.id, Waiting, e.dueAt)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChanged
		}
		if m, err = s.d.Notifier.NotifyTx(ctx, tx, req); err != nil {
			return notifyOutcome(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE journey_enrolments SET state = ?, reason = '', message_id = ?, channel = ?, sent_at = ?,
			updated_at = ? WHERE id = ?`, Sent, m.ID, m.Channel, now, now, e.id)
		return err
	})
	var o *outcome
	switch {
	case errors.As(err, &o):
		return s.finish(ctx, e, o)
	case errors.Is(err, errChanged):
		return nil
	case err != nil:
		return err
	}
	s.d.Notifier.Announce(ctx, m)
	return nil
}

// notifyOutcome turns the inbox's refusal into the enrolment's outcome:
// skipped without consent or over the frequency cap, failed when no
// consented channel could take the message (Messenger's 24-hour window, no
// address, a channel not connected). Other errors are the database's and
// are retried.
func notifyOutcome(err error) error {
	r, ok := marketing.Refused(err)
	switch {
	case !ok:
		return err
	case r.Reason == ReasonNoConsent || r.Reason == ReasonCapped:
		return &outcome{Skipped, r.Reason}
	}
	return &outcome{Failed, r.Detail}
}

// finish records an outcome without a message, unless the enrolment
// changed meanwhile.
func (s *Service) finish(ctx context.Context, e due, o *outcome) error {
	_, err := s.db.ExecContext(ctx, "UPDATE journey_enrolments SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = ? AND due_at = ?",
		o.state, truncate(o.reason, 500), s.now().UnixMilli(), e.id, Waiting, e.dueAt)
	if err != nil {
		return fmt.Errorf("record %s: %w", o.state, err)
	}
	return nil
}

// finishOrRetry fails the enrolment for good when err says the customer
// or their cart cannot be read as asked (a profile erased meanwhile), so
// that it does not block the enrolments after it; other errors are the
// database's and the job retries.
func (s *Service) finishOrRetry(ctx context.Context, e due, err error) error {
	if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Invalid {
		return s.finish(ctx, e, &outcome{Failed, err.Error()})
	}
	return err
}

// postpone moves a wait that ends in quiet hours to their end.
func (s *Service) postpone(ctx context.Context, e due, at int64) error {
	_, err := s.db.ExecContext(ctx, "UPDATE journey_enrolments SET due_at = ?, updated_at = ? WHERE id = ? AND state = ? AND due_at = ?",
		at, s.now().UnixMilli(), e.id, Waiting, e.dueAt)
	if err != nil {
		return fmt.Errorf("postpone: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
