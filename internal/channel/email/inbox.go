package email

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the email channel needs from the inbox service.
type Inbox interface {
	Receive(ctx context.Context, in inbox.Inbound) (inbox.Received, error)
}

// Channel connects email to the inbox: it is the Server's Receiver, turning
// each accepted message into an inbound inbox message threaded by
// Message-ID / In-Reply-To / References, and the inbox's Sender for email,
// sending replies through the relay with the Message-ID the inbox stored.
type Channel struct {
	inbox  Inbox
	sender *Sender // nil: inbound only
	from   Address
	domain string
}

// NewChannel returns a Channel delivering received mail to in and sending
// replies from the address from through sender (nil for inbound only).
func NewChannel(in Inbox, sender *Sender, from Address, domain string) *Channel {
	return &Channel{inbox: in, sender: sender, from: from, domain: domain}
}

// Receive stores m in the inbox. A message without a usable sender address
// is refused for good (550); a storage failure makes the sender retry (451).
func (c *Channel) Receive(ctx context.Context, m *Message) error {
	from, err := identity.New(identity.Email, m.From.Email)
	if err != nil {
		return fmt.Errorf("%w: sender address: %v", ErrRejected, err)
	}
	addr := from.Value
	if len(m.ReplyTo) > 0 {
		if rt, err := identity.New(identity.Email, m.ReplyTo[0].Email); err == nil {
			addr = rt.Value
		}
	}
	in := inbox.Inbound{Channel: inbox.ChannelEmail, Identifiers: []identity.Identifier{from}, Address: addr,
		ExternalID: m.MessageID, ThreadKeys: m.ThreadKeys(), Subject: m.Subject, Body: inboxBody(m), At: m.Date}
	for _, a := range m.Attachments {
		in.Attachments = append(in.Attachments, inbox.Attachment{Name: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	if name := strings.TrimSpace(m.From.Name); name != "" {
		raw, _ := json.Marshal(name)
		in.Traits = map[string]json.RawMessage{"name": raw}
	}
	if _, err := c.inbox.Receive(ctx, in); err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.TooLarge {
			return fmt.Errorf("%w: %v", ErrRejected, err)
		}
		return err
	}
	return nil
}

// inboxBody is what the agent reads: the text without quoted replies and
// signature, cut to the inbox's limit.
func inboxBody(m *Message) string {
	body := strings.TrimSpace(m.VisibleText)
	if body == "" {
		body = strings.TrimSpace(m.Text)
	}
	if body == "" && len(m.Attachments) == 0 {
		body = "(no text)"
	}
	if len(body) > inbox.MaxBody {
		cut := inbox.MaxBody
		for cut > 0 && body[cut]&0xC0 == 0x80 {
			cut--
		}
		body = body[:cut]
	}
	return body
}

// ExternalID gives an outbound message its Message-ID when it is queued, so
// that the customer's answer threads into the conversation.
func (c *Channel) ExternalID(messageID string) string { return messageID + "@" + c.domain }

// Idempotent reports that mail clients recognise a message sent twice by
// its Message-ID, so an interrupted attempt may be repeated.
func (c *Channel) Idempotent() bool { return true }

// Send sends an agent's reply or a notification through the relay, threaded
// under the conversation's earlier messages.
func (c *Channel) Send(ctx context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	if c.sender == nil {
		return inbox.Receipt{}, fmt.Errorf("no outbound mail relay is configured")
	}
	out := Outgoing{From: c.from, To: []Address{{Email: o.Address}}, Subject: o.Subject, Text: o.Body,
		MessageID: o.ExternalID, References: o.References}
	if len(o.References) > 0 {
		out.InReplyTo = o.References[len(o.References)-1]
		out.Subject = replySubject(o.Subject)
	}
	if strings.TrimSpace(out.Subject) == "" {
		out.Subject = "Your conversation with us"
	}
	id, err := c.sender.Send(ctx, out)
	if err != nil {
		if IsTemporary(err) {
			return inbox.Receipt{}, inbox.Temporary(err)
		}
		return inbox.Receipt{}, err
	}
	return inbox.Receipt{ExternalID: id}, nil
}
