// Package marketing holds the rules every marketing message follows,
// whichever part of Omni sends it (a journey's reminder, a campaign's
// broadcast): the frequency cap across them all, quiet hours, how a
// recipient is named in the text, why the inbox refused a message, and how
// an order converts the latest message sent before it.
//
// The messages themselves go out through the inbox's durable path
// (inbox.NotifyTx) with marketing consent on their channel and the
// channel's own rules; this package only shapes what they share.
package marketing

import (
	"errors"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inbox"
)

// Channels are those marketing messages go out on.
var Channels = []string{inbox.ChannelEmail, inbox.ChannelSMS, inbox.ChannelMessenger}

// Reasons a marketing message is not sent to a customer.
const (
	ReasonNoConsent    = "no consent"    // no marketing consent on the channel
	ReasonNoAddress    = "no address"    // no address the channel can reach
	ReasonCapped       = "capped"        // over the frequency cap
	ReasonChannelRules = "channel rules" // refused by the channel (Messenger's 24-hour window, switched off)
	ReasonBadMessage   = "bad message"   // the text the customer would get is empty or too long
)

// Refusal is why the inbox would not queue a marketing message.
type Refusal struct {
	Reason string // one of the reasons above
	Detail string // the inbox's explanation
}

// Refused tells a refusal from an error worth retrying: the inbox refuses a
// message without consent, without an address, over the cap or against a
// channel's rules, and those refusals stand; any other error (the
// database's) is not one, and ok is false.
func Refused(err error) (r Refusal, ok bool) {
	e, isApp := apperr.As(err)
	if !isApp || (e.Code != apperr.Unprocessable && e.Code != apperr.Invalid && e.Code != apperr.TooLarge) {
		return Refusal{}, false
	}
	r = Refusal{Reason: ReasonChannelRules, Detail: e.Message}
	switch {
	case e.Code != apperr.Unprocessable:
		r.Reason = ReasonBadMessage
	case errors.Is(err, inbox.ErrNoConsent):
		r.Reason = ReasonNoConsent
	case errors.Is(err, inbox.ErrNoAddress):
		r.Reason = ReasonNoAddress
	case errors.Is(err, inbox.ErrCapped):
		r.Reason = ReasonCapped
	}
	return r, true
}
