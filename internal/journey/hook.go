package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
)

// Cart events that may leave items in a cart enrol the customer; the others
// (an item removed, the cart cleared, a code removed) only move the wait of
// an enrolment that exists.
var enrollingCartEvents = map[string]bool{"Product Added": true, "Cart Updated": true, "Coupon Entered": true, "Cart Merged": true}

// staleEvent is the age past which a tracked event (an import, a backfill)
// no longer enrols anyone.
const staleEvent = 24 * time.Hour

// eventProps is the part of a timeline event's payload journeys read.
type eventProps struct {
	Properties struct {
		CartID    string `json:"cart_id"`
		Currency  string `json:"currency"`
		ProductID any    `json:"product_id"`
		SKU       string `json:"sku"`
		Name      string `json:"name"`
		Price     any    `json:"price"`
		URL       string `json:"url"`
	} `json:"properties"`
}

// EventHook follows the customer timeline inside the transaction that
// stores each batch of events (register it with customer.Service.OnAppend):
// cart changes enrol customers in abandoned-cart journeys or move their
// wait, viewed products enrol them in browse-abandonment journeys, an
// added item ends browse waits, an order ends every wait and converts the
// latest journey message, a cancelled order takes its conversion back.
func (s *Service) EventHook(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	for _, e := range events {
		var err error
		switch {
		case e.Type == "cart":
			err = s.cartChangedTx(ctx, tx, e)
		case e.Type == "order" && e.Name == "Order Placed":
			err = s.orderedTx(ctx, tx, e)
		case e.Type == "order" && e.Name == "Order Cancelled":
			err = conversions.EventTx(ctx, tx, e, s.now())
		case e.Type == "track" && e.Name == "Product Viewed" && s.now().Sub(e.Timestamp) < staleEvent:
			err = s.viewedTx(ctx, tx, e)
		case e.Type == "track" && e.Name == "Product Added":
			err = s.addedTx(ctx, tx, e.CustomerID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func props(e customer.Event) eventProps {
	var p eventProps
	_ = json.Unmarshal(e.Payload, &p) // events without these properties simply carry none
	return p
}

func (s *Service) cartChangedTx(ctx context.Context, tx *store.Tx, e customer.Event) error {
	if e.Name == "Product Added" {
		if err := s.addedTx(ctx, tx, e.CustomerID); err != nil {
			return err
		}
	}
	js, err := s.enabled(ctx, AbandonedCart)
	if err != nil {
		return err
	}
	cartID := props(e).Properties.CartID
	for _, j := range js {
		if enrollingCartEvents[e.Name] {
			err = s.enrolTx(ctx, tx, j, e.CustomerID, cartID, "{}")
		} else {
			err = s.moveWaitTx(ctx, tx, j, e.CustomerID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) viewedTx(ctx context.Context, tx *store.Tx, e customer.Event) error {
	js, err := s.enabled(ctx, BrowseAbandonment)
	if err != nil || len(js) == 0 {
		return err
	}
	p := props(e).Properties
	product := MessageProduct{Name: p.Name, SKU: p.SKU, URL: p.URL}
	if p.Price != nil {
		product.Price = fmt.Sprint(p.Price)
		if p.Currency != "" {
			product.Price += " " + p.Currency
		}
	}
	if product.Name == "" {
		product.Name = p.SKU
	}
	detail, err := json.Marshal(product)
	if err != nil {
		return err
	}
	subject := p.SKU
	if p.ProductID != nil {
		subject = fmt.Sprint(p.ProductID)
	}
	for _, j := range js {
		if err := s.enrolTx(ctx, tx, j, e.CustomerID, subject, string(detail)); err != nil {
			return err
		}
	}
	return nil
}

// enrolTx starts the customer's wait in a journey, or moves the wait they
// are in: due at now + the journey's wait.
func (s *Service) enrolTx(ctx context.Context, tx *store.Tx, j Journey, customerID, subjectID, detail string) error {
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO journey_enrolments (id, journey_id, customer_id, state, subject_id, detail,
		last_change_at, due_at, enrolled_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (journey_id, customer_id) WHERE state = 'waiting' DO UPDATE SET subject_id = excluded.subject_id,
		detail = excluded.detail, last_change_at = excluded.last_change_at, due_at = excluded.due_at, updated_at = excluded.updated_at`,
		id.New("enr"), j.ID, customerID, Waiting, subjectID, detail, now, now+j.Wait().Milliseconds(), now, now)
	if err != nil {
		return fmt.Errorf("enrol %s in journey %s: %w", customerID, j.ID, err)
	}
	return nil
}

func (s *Service) moveWaitTx(ctx context.Context, tx *store.Tx, j Journey, customerID string) error {
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, `UPDATE journey_enrolments SET last_change_at = ?, due_at = ?, updated_at = ?
		WHERE journey_id = ? AND customer_id = ? AND state = ?`, now, now+j.Wait().Milliseconds(), now, j.ID, customerID, Waiting)
	if err != nil {
		return fmt.Errorf("move wait of %s in journey %s: %w", customerID, j.ID, err)
	}
	return nil
}

// addedTx ends the customer's browse-abandonment waits: they put
// something in the cart.
func (s *Service) addedTx(ctx context.Context, tx *store.Tx, customerID string) error {
	js, err := s.enabled(ctx, BrowseAbandonment)
	if err != nil || len(js) == 0 {
		return err
	}
	return s.endWaitsOfKindTx(ctx, tx, customerID, BrowseAbandonment, ReasonAddedToCart)
}

func (s *Service) endWaitsOfKindTx(ctx context.Context, tx *store.Tx, customerID string, kind Kind, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE journey_enrolments SET state = ?, reason = ?, updated_at = ?
		WHERE customer_id = ? AND state = ? AND journey_id IN (SELECT id FROM journeys WHERE kind = ?)`,
		Skipped, reason, s.now().UnixMilli(), customerID, Waiting, string(kind))
	if err != nil {
		return fmt.Errorf("end %s waits of %s: %w", kind, customerID, err)
	}
	return nil
}

// orderedTx ends the customer's waits and counts the order as the
// conversion of their latest journey message (see marketing.Conversions).
func (s *Service) orderedTx(ctx context.Context, tx *store.Tx, e customer.Event) error {
	now := s.now()
	_, err := tx.ExecContext(ctx, "UPDATE journey_enrolments SET state = ?, reason = ?, updated_at = ? WHERE customer_id = ? AND state = ?",
		Skipped, ReasonOrdered, now.UnixMilli(), e.CustomerID, Waiting)
	if err != nil {
		return fmt.Errorf("end waits of %s: %w", e.CustomerID, err)
	}
	return conversions.EventTx(ctx, tx, e, now)
}

// conversions credits orders to journey messages.
var conversions = marketing.Conversions{Table: "journey_enrolments"}

// MergeTx moves profile from's enrolments to profile into inside the
// identity service's merge transaction (register it with OnMerge). When
// both wait in the same journey, the earlier enrolment stays, due at the
// later of the two times.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	rows, err := tx.QueryContext(ctx, `SELECT f.id, f.enrolled_at, f.due_at, f.last_change_at, i.id, i.enrolled_at, i.due_at, i.last_change_at
		FROM journey_enrolments f JOIN journey_enrolments i ON i.journey_id = f.journey_id AND i.customer_id = ? AND i.state = ?
		WHERE f.customer_id = ? AND f.state = ?`, into, Waiting, from, Waiting)
	if err != nil {
		return fmt.Errorf("find enrolments of %s and %s: %w", from, into, err)
	}
	type side struct {
		id                  string
		enrolled, due, last int64
	}
	var pairs [][2]side
	for rows.Next() {
		var f, i side
		if err := rows.Scan(&f.id, &f.enrolled, &f.due, &f.last, &i.id, &i.enrolled, &i.due, &i.last); err != nil {
			rows.Close()
			return err
		}
		pairs = append(pairs, [2]side{f, i})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range pairs {
		keep, drop := p[0], p[1]
		if drop.enrolled < keep.enrolled {
			keep, drop = drop, keep
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM journey_enrolments WHERE id = ?", drop.id); err != nil {
			return fmt.Errorf("fold enrolment %s: %w", drop.id, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE journey_enrolments SET due_at = ?, last_change_at = ? WHERE id = ?",
			max(keep.due, drop.due), max(keep.last, drop.last), keep.id); err != nil {
			return fmt.Errorf("fold enrolment %s: %w", keep.id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE journey_enrolments SET customer_id = ? WHERE customer_id = ?", into, from); err != nil {
		return fmt.Errorf("move enrolments of %s to %s: %w", from, into, err)
	}
	return nil
}
