package messenger

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Kind names the kind of a webhook event that ParseWebhook understands.
type Kind string

// Event kinds produced by ParseWebhook.
const (
	// KindMessage is a messages (or message_echoes) event.
	KindMessage Kind = "message"
	// KindPostback is a messaging_postbacks event: a postback button, Get
	// Started button or persistent menu item was tapped.
	KindPostback Kind = "postback"
	// KindReferral is a messaging_referrals event: a person with an existing
	// thread came back through an m.me link, ad or QR code.
	KindReferral Kind = "referral"
)

// ErrNotPage is returned by ParseWebhook when the payload's object is not "page".
var ErrNotPage = errors.New("parse webhook: object is not \"page\"")

// Event is one messaging item of a webhook POST, flattened out of its entry.
// Exactly one of Message, Postback and Referral is set, matching Kind.
type Event struct {
	Kind Kind
	// PageID is the entry id: the Page the webhook is about.
	PageID string
	// SenderID is the sender's id: a PSID, or the Page id for echoes.
	SenderID string
	// SenderUserRef is set instead of SenderID for people identified by a
	// user_ref (for example from the chat plugin).
	SenderUserRef string
	// RecipientID is the recipient's id: the Page id, or a PSID for echoes.
	RecipientID string
	// Timestamp is the event time in milliseconds since the Unix epoch.
	Timestamp int64

	Message  *Message
	Postback *Postback
	Referral *Referral
}

// Time returns Timestamp as a time.Time.
func (e Event) Time() time.Time { return time.UnixMilli(e.Timestamp) }

// CustomerID returns the customer's PSID (or user_ref) whichever side of the
// event the customer is on: the recipient for echoes of the Page's own
// messages, the sender otherwise.
func (e Event) CustomerID() string {
	if e.Message != nil && e.Message.IsEcho {
		return e.RecipientID
	}
	if e.SenderID != "" {
		return e.SenderID
	}
	return e.SenderUserRef
}

// Message is the message object of a messages event.
type Message struct {
	MID         string
	Text        string
	Attachments []Attachment
	// QuickReplyPayload is the payload of the quick reply the person tapped.
	QuickReplyPayload string
	// ReplyToMID is the id of the message this one replies to, if any.
	ReplyToMID string
	// IsEcho is true when the Page itself sent the message (message_echoes).
	IsEcho bool
	// Metadata is the developer-defined metadata of an echoed message.
	Metadata string
}

// Attachment is one attachment of a message: its type (image, video, audio,
// file, reel, ig_reel, fallback, template…) and URL when it has one.
type Attachment struct {
	Type  string
	URL   string
	Title string
}

// Postback is the postback object of a messaging_postbacks event.
type Postback struct {
	MID     string
	Title   string
	Payload string
	// Referral is set when the person entered the conversation through a
	// link, ad or QR code and then tapped Get Started.
	Referral *Referral
}

// Referral describes how a person entered a conversation. For m.me links
// Source is "SHORTLINK" and Ref is the link's ref parameter.
type Referral struct {
	Ref    string
	Source string
	Type   string
	AdID   string
}

// ParseWebhook decodes a Messenger webhook POST body (object "page",
// entry[].messaging[]) into a flat list of events in delivery order. Event
// kinds it does not know (deliveries, reads, reactions…) are skipped; malformed
// JSON, a non-page object or a known event without its required ids is an
// error.
func ParseWebhook(body []byte) ([]Event, error) {
	var p wirePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("parse webhook: %w", err)
	}
	if p.Object != "page" {
		return nil, fmt.Errorf("%w: got %q", ErrNotPage, p.Object)
	}
	var events []Event
	for i, entry := range p.Entry {
		for j, item := range entry.Messaging {
			ev, ok, err := item.event(entry.ID)
			if err != nil {
				return nil, fmt.Errorf("parse webhook: entry[%d].messaging[%d]: %w", i, j, err)
			}
			if ok {
				events = append(events, ev)
			}
		}
	}
	return events, nil
}

type wirePayload struct {
	Object string      `json:"object"`
	Entry  []wireEntry `json:"entry"`
}

type wireEntry struct {
	ID        string          `json:"id"`
	Messaging []wireMessaging `json:"messaging"`
}

type wireParty struct {
	ID      string `json:"id"`
	UserRef string `json:"user_ref"`
}

type wireMessaging struct {
	Sender    wireParty     `json:"sender"`
	Recipient wireParty     `json:"recipient"`
	Timestamp flexInt       `json:"timestamp"`
	Message   *wireMessage  `json:"message"`
	Postback  *wirePostback `json:"postback"`
	Referral  *wireReferral `json:"referral"`
}

type wireMessage struct {
	MID        string `json:"mid"`
	Text       string `json:"text"`
	IsEcho     bool   `json:"is_echo"`
	Metadata   string `json:"metadata"`
	QuickReply *struct {
		Payload string `json:"payload"`
	} `json:"quick_reply"`
	ReplyTo *struct {
		MID string `json:"mid"`
	} `json:"reply_to"`
	Attachments []wireAttachment `json:"attachments"`
}

type wireAttachment struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	URL     string `json:"url"`
	Payload *struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	} `json:"payload"`
}

type wirePostback struct {
	MID      string        `json:"mid"`
	Title    string        `json:"title"`
	Payload  string        `json:"payload"`
	Referral *wireReferral `json:"referral"`
}

type wireReferral struct {
	Ref    string `json:"ref"`
	Source string `json:"source"`
	Type   string `json:"type"`
	AdID   string `json:"ad_id"`
}

// event converts one messaging item; ok is false for kinds that are skipped.
func (m wireMessaging) event(pageID string) (ev Event, ok bool, err error) {
	ev = Event{
		PageID:        pageID,
		SenderID:      m.Sender.ID,
		SenderUserRef: m.Sender.UserRef,
		RecipientID:   m.Recipient.ID,
		Timestamp:     int64(m.Timestamp),
	}
	switch {
	case m.Message != nil:
		ev.Kind, ev.Message = KindMessage, m.Message.convert()
		if ev.Message.MID == "" {
			return ev, false, errors.New("message without mid")
		}
	case m.Postback != nil:
		ev.Kind = KindPostback
		ev.Postback = &Postback{
			MID: m.Postback.MID, Title: m.Postback.Title, Payload: m.Postback.Payload,
			Referral: m.Postback.Referral.convert(),
		}
	case m.Referral != nil:
		ev.Kind, ev.Referral = KindReferral, m.Referral.convert()
	default:
		return ev, false, nil
	}
	if ev.SenderID == "" && ev.SenderUserRef == "" {
		return ev, false, fmt.Errorf("%s event without sender id", ev.Kind)
	}
	if ev.RecipientID == "" {
		return ev, false, fmt.Errorf("%s event without recipient id", ev.Kind)
	}
	return ev, true, nil
}

func (w *wireMessage) convert() *Message {
	msg := &Message{MID: w.MID, Text: w.Text, IsEcho: w.IsEcho, Metadata: w.Metadata}
	if w.QuickReply != nil {
		msg.QuickReplyPayload = w.QuickReply.Payload
	}
	if w.ReplyTo != nil {
		msg.ReplyToMID = w.ReplyTo.MID
	}
	for _, a := range w.Attachments {
		att := Attachment{Type: a.Type, URL: a.URL, Title: a.Title}
		if a.Payload != nil {
			if a.Payload.URL != "" {
				att.URL = a.Payload.URL
			}
			if a.Payload.Title != "" {
				att.Title = a.Payload.Title
			}
		}
		msg.Attachments = append(msg.Attachments, att)
	}
	return msg
}

func (w *wireReferral) convert() *Referral {
	if w == nil {
		return nil
	}
	return &Referral{Ref: w.Ref, Source: w.Source, Type: w.Type, AdID: w.AdID}
}

// flexInt decodes a JSON integer that Meta sends either as a number or as a
// decimal string (the webhook reference notes all properties may be strings).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not an integer", b)
	}
	*f = flexInt(n)
	return nil
}
