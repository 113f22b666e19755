package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the email channel needs from the inbox service.
type Inbox interface {
	Receive(ctx context.Context, in inbox.Inbound) (inbox.Received, error)
}

// Settings are the email channel's settings at one moment.
type Settings struct {
	// Enabled is false when an admin switched the channel off: inbound
	// mail is refused and nothing is sent.
	Enabled  bool
	Relay    string // outbound relay host:port; no replies without it
	Username string // AUTH PLAIN at the relay when not empty
	Password string
	From     string // the From of replies, e.g. "Shop <help@shop.example>"
}

// SettingsSource gives the channel its current settings. It is asked for
// every message in and out, so a change applies without a restart; it
// should answer from a cache.
type SettingsSource interface {
	EmailSettings(ctx context.Context) (Settings, error)
}

// ChannelConfig configures the email channel.
type ChannelConfig struct {
	Settings SettingsSource
	// Domain names Omni's mail host: Message-IDs and the relay greeting.
	Domain string
}

// Channel connects email to the inbox: it is the Server's Receiver, turning
// each accepted message into an inbound inbox message threaded by
// Message-ID / In-Reply-To / References, and the inbox's Sender for email,
// sending replies through the relay with the Message-ID the inbox stored.
type Channel struct {
	inbox Inbox
	cfg   ChannelConfig

	mu     sync.Mutex
	sender *Sender
	built  SenderConfig // what sender was built from
}

// NewChannel returns a Channel delivering received mail to in and sending
// replies through the relay its settings name.
func NewChannel(in Inbox, cfg ChannelConfig) *Channel {
	return &Channel{inbox: in, cfg: cfg}
}

// relay returns a Sender and the From address for the current settings,
// the Sender built anew only when they changed, or why the channel cannot
// send.
func (c *Channel) relay(ctx context.Context) (*Sender, Address, error) {
	s, err := c.cfg.Settings.EmailSettings(ctx)
	switch {
	case err != nil:
		return nil, Address{}, fmt.Errorf("email: read settings: %w", err)
	case !s.Enabled:
		return nil, Address{}, errors.New("email: the channel is switched off")
	case s.Relay == "":
		return nil, Address{}, errors.New("email: no outbound mail relay is configured")
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, Address{}, fmt.Errorf("email: the From address %q of replies is not an email address", s.From)
	}
	want := SenderConfig{Addr: s.Relay, Username: s.Username, Password: s.Password, Domain: c.cfg.Domain}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sender == nil || c.built != want {
		sender, err := NewSender(want)
		if err != nil {
			return nil, Address{}, err
		}
		c.sender, c.built = sender, want
	}
	return c.sender, Address{Name: from.Name, Email: from.Address}, nil
}

// Ready reports why the channel cannot send now (switched off, no relay),
// before a reply is queued.
func (c *Channel) Ready(ctx context.Context) error {
	_, _, err := c.relay(ctx)
	return err
}

// Check connects and signs in to the configured relay without sending
// anything, and describes the result.
func (c *Channel) Check(ctx context.Context) (string, error) {
	sender, _, err := c.relay(ctx)
	if err != nil {
		return "", err
	}
	if err := sender.Check(ctx); err != nil {
		return "", err
	}
	return "the relay " + sender.cfg.Addr + " accepted the connection and the sign-in", nil
}

// Receive stores m in the inbox. A message without a usable sender address
// is refused for good (550); a storage failure makes the sender retry (451).
func (c *Channel) Receive(ctx context.Context, m *Message) error {
	s, err := c.cfg.Settings.EmailSettings(ctx)
	if err != nil {
		return fmt.Errorf("read email settings: %w", err)
	}
	if !s.Enabled {
		return fmt.Errorf("%w: this address does not take mail now", ErrRejected)
	}
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
func (c *Channel) ExternalID(messageID string) string { return messageID + "@" + c.cfg.Domain }

// Idempotent reports that mail clients recognise a message sent twice by
// its Message-ID, so an interrupted attempt may be repeated.
func (c *Channel) Idempotent() bool { return true }

// Send sends an agent's reply or a notification through the relay, threaded
// under the conversation's earlier messages.
func (c *Channel) Send(ctx context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	sender, from, err := c.relay(ctx)
	if err != nil {
		return inbox.Receipt{}, err
	}
	out := Outgoing{From: from, To: []Address{{Email: o.Address}}, Subject: o.Subject, Text: o.Body,
		MessageID: o.ExternalID, References: o.References}
	if len(o.References) > 0 {
		out.InReplyTo = o.References[len(o.References)-1]
		out.Subject = replySubject(o.Subject)
	}
	if strings.TrimSpace(out.Subject) == "" {
		out.Subject = "Your conversation with us"
	}
	id, err := sender.Send(ctx, out)
	if err != nil {
		if IsTemporary(err) {
			return inbox.Receipt{}, inbox.Temporary(err)
		}
		return inbox.Receipt{}, err
	}
	return inbox.Receipt{ExternalID: id}, nil
}
