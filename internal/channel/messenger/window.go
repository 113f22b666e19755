package messenger

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// MessagingType is the Send API messaging_type field.
type MessagingType string

// Messaging types documented for the Send API.
const (
	// TypeResponse is a reply to a message received inside the standard window.
	TypeResponse MessagingType = "RESPONSE"
	// TypeUpdate is a proactive message sent inside the standard window.
	TypeUpdate MessagingType = "UPDATE"
	// TypeMessageTag is a non-promotional message sent outside the standard
	// window with a message tag.
	TypeMessageTag MessagingType = "MESSAGE_TAG"
)

// Tag is a Send API message tag, needed with TypeMessageTag.
type Tag string

// Message tags documented for the Messenger Platform.
const (
	// TagHumanAgent lets a person reply up to 7 days after the customer's last
	// message. The app needs the Human Agent permission.
	TagHumanAgent Tag = "HUMAN_AGENT"
	// TagAccountUpdate notifies a non-recurring change to the person's account.
	TagAccountUpdate Tag = "ACCOUNT_UPDATE"
	// TagPostPurchaseUpdate notifies an update on a recent purchase.
	TagPostPurchaseUpdate Tag = "POST_PURCHASE_UPDATE"
	// TagConfirmedEventUpdate sends reminders or updates for an event the
	// person registered for.
	TagConfirmedEventUpdate Tag = "CONFIRMED_EVENT_UPDATE"
)

// Purpose says why the business wants to send a message; it decides which
// messaging type and tag the message may use.
type Purpose string

// Purposes understood by Window.Decide.
const (
	// PurposeReply is an ordinary (automated or promotional) reply.
	PurposeReply Purpose = "reply"
	// PurposeHumanAgent is a person answering the customer's question.
	PurposeHumanAgent Purpose = "human_agent"
	// PurposeAccountUpdate is a non-promotional account change notice.
	PurposeAccountUpdate Purpose = "account_update"
	// PurposePostPurchaseUpdate is an order, shipping or payment update.
	PurposePostPurchaseUpdate Purpose = "post_purchase_update"
	// PurposeConfirmedEventUpdate is a reminder for a booked event.
	PurposeConfirmedEventUpdate Purpose = "confirmed_event_update"
)

var updateTags = map[Purpose]Tag{
	PurposeAccountUpdate:        TagAccountUpdate,
	PurposePostPurchaseUpdate:   TagPostPurchaseUpdate,
	PurposeConfirmedEventUpdate: TagConfirmedEventUpdate,
}

// Delivery is how a message must be sent: its messaging_type and, for
// TypeMessageTag, its tag.
type Delivery struct {
	Type MessagingType
	Tag  Tag
}

// Errors returned by Window.Decide.
var (
	// ErrWindowClosed is matched (errors.Is) by every *WindowError.
	ErrWindowClosed = errors.New("messenger: outside the allowed messaging window")
	// ErrNoInbound means the customer never wrote to the Page, so the Page
	// may not start the conversation.
	ErrNoInbound = errors.New("messenger: the customer has not messaged the Page")
	// ErrUnknownPurpose means Decide was called with a Purpose it does not know.
	ErrUnknownPurpose = errors.New("messenger: unknown message purpose")
)

// WindowError reports a message that may not be sent because the customer's
// last message is too old for its purpose.
type WindowError struct {
	Purpose Purpose
	// Elapsed is the time since the customer's last message.
	Elapsed time.Duration
	// Limit is the longest Elapsed the purpose allows.
	Limit time.Duration
}

func (e *WindowError) Error() string {
	return fmt.Sprintf("messenger: %s message not allowed: customer's last message was %s ago, limit is %s",
		e.Purpose, e.Elapsed.Truncate(time.Minute), e.Limit)
}

// Is makes errors.Is(err, ErrWindowClosed) true.
func (e *WindowError) Is(target error) bool { return target == ErrWindowClosed }

// Window holds the Messenger messaging-window rules.
type Window struct {
	// Standard is the standard messaging window (24 hours).
	Standard time.Duration
	// HumanAgent is how long the HUMAN_AGENT tag allows replies (7 days).
	HumanAgent time.Duration
}

// NewWindow returns the documented rules: a 24-hour standard window and
// 7 days for human agent replies.
func NewWindow() Window {
	return Window{Standard: 24 * time.Hour, HumanAgent: 7 * 24 * time.Hour}
}

// Decide tells how a message with purpose p may be sent, given when the
// customer last messaged the Page and the current time. Inside the standard
// window replies go as RESPONSE and update notices as UPDATE; outside it a
// human agent may reply with the HUMAN_AGENT tag until its limit, update
// notices use their message tag, and anything else is refused with a
// *WindowError. A zero lastInbound is refused with ErrNoInbound.
func (w Window) Decide(lastInbound, now time.Time, p Purpose) (Delivery, error) {
	tag, isUpdate := updateTags[p]
	if !isUpdate && p != PurposeReply && p != PurposeHumanAgent {
		return Delivery{}, fmt.Errorf("%w: %q", ErrUnknownPurpose, p)
	}
	if lastInbound.IsZero() {
		return Delivery{}, ErrNoInbound
	}
	elapsed := max(now.Sub(lastInbound), 0) // clock skew: a future message counts as just now
	if elapsed < w.Standard {
		if isUpdate {
			return Delivery{Type: TypeUpdate}, nil
		}
		return Delivery{Type: TypeResponse}, nil
	}
	switch {
	case isUpdate:
		return Delivery{Type: TypeMessageTag, Tag: tag}, nil
	case p == PurposeHumanAgent && elapsed < w.HumanAgent:
		return Delivery{Type: TypeMessageTag, Tag: TagHumanAgent}, nil
	case p == PurposeHumanAgent:
		return Delivery{}, &WindowError{Purpose: p, Elapsed: elapsed, Limit: w.HumanAgent}
	default:
		return Delivery{}, &WindowError{Purpose: p, Elapsed: elapsed, Limit: w.Standard}
	}
}

// validate checks that d is a combination the Send API accepts.
func (d Delivery) validate() error {
	switch d.Type {
	case TypeResponse, TypeUpdate:
		if d.Tag != "" {
			return fmt.Errorf("messaging type %s takes no tag (got %s)", d.Type, d.Tag)
		}
	case TypeMessageTag:
		if d.Tag == "" {
			return errors.New("messaging type MESSAGE_TAG needs a tag")
		}
	default:
		return fmt.Errorf("unknown messaging type %q", d.Type)
	}
	return nil
}

// MeLink builds the m.me link that opens a conversation with the Page and,
// when ref is not empty, passes ref back in the referral of the resulting
// webhook event. Both parts are URL-encoded.
func MeLink(pageUsername, ref string) string {
	u := url.URL{
		Scheme:  "https",
		Host:    "m.me",
		Path:    "/" + pageUsername,
		RawPath: "/" + url.PathEscape(pageUsername),
	}
	if ref != "" {
		u.RawQuery = url.Values{"ref": {ref}}.Encode()
	}
	return u.String()
}
