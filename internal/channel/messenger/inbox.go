package messenger

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the Messenger channel needs from the inbox service.
type Inbox interface {
	Receive(ctx context.Context, in inbox.Inbound) (inbox.Received, error)
	LinkHandoff(ctx context.Context, token string, who identity.Identifier, channel string) (string, error)
}

// ChannelConfig configures the Messenger channel.
type ChannelConfig struct {
	AppSecret   string
	VerifyToken string
	// Client sends replies; nil for a receive-only channel.
	Client *Client
	// Window holds the messaging-window rules; NewWindow() when zero.
	Window Window
	// HumanAgent lets agents reply up to 7 days after the customer's last
	// message with the HUMAN_AGENT tag (the app needs Meta's Human Agent
	// permission); otherwise agents' replies keep to the 24-hour window.
	HumanAgent bool
	Logger     *slog.Logger
}

// Channel connects Messenger to the inbox: the webhook at /hooks/messenger
// turns messages, postbacks and referrals into inbox calls, and as the
// inbox's Sender it replies through the Send API within the window rules.
type Channel struct {
	inbox Inbox
	cfg   ChannelConfig
	log   *slog.Logger
}

// NewChannel returns a Channel.
func NewChannel(in Inbox, cfg ChannelConfig) *Channel {
	if cfg.Window == (Window{}) {
		cfg.Window = NewWindow()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Channel{inbox: in, cfg: cfg, log: log}
}

// maxWebhookBody bounds a webhook POST; Meta batches at most a few kilobytes.
const maxWebhookBody = 1 << 20

// Mount registers GET and POST /hooks/messenger on mux.
func (c *Channel) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /hooks/messenger", c.handshake)
	mux.HandleFunc("POST /hooks/messenger", c.webhook)
}

func (c *Channel) handshake(w http.ResponseWriter, r *http.Request) {
	challenge, err := VerifyHandshake(r.URL.Query(), c.cfg.VerifyToken)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, challenge)
}

// webhook checks the signature before anything else: a request that fails
// it is answered 403 and nothing is stored. A storage failure answers 500,
// so Meta delivers the batch again; replays are recognised by message id.
func (c *Channel) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := VerifySignature([]byte(c.cfg.AppSecret), body, r.Header.Get(SignatureHeader)); err != nil {
		c.log.Warn("messenger: webhook refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	events, err := ParseWebhook(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, ev := range events {
		if err := c.handle(r.Context(), ev); err != nil {
			c.log.Error("messenger: store webhook event", "kind", ev.Kind, "err", err)
			http.Error(w, "temporary failure; deliver again", http.StatusInternalServerError)
			return
		}
	}
	io.WriteString(w, "EVENT_RECEIVED")
}

func (c *Channel) handle(ctx context.Context, ev Event) error {
	if ev.SenderID == "" || (ev.Message != nil && ev.Message.IsEcho) {
		return nil // the Page's own messages, and people known only by a user_ref
	}
	psid, err := identity.New(identity.MessengerPSID, ev.SenderID)
	if err != nil {
		return nil
	}
	in := inbox.Inbound{Channel: inbox.ChannelMessenger, Identifiers: []identity.Identifier{psid}, Address: ev.SenderID, At: ev.Time()}
	switch ev.Kind {
	case KindReferral:
		return c.link(ctx, ev.Referral, psid)
	case KindPostback:
		if err := c.link(ctx, ev.Postback.Referral, psid); err != nil {
			return err
		}
		in.ExternalID, in.Body = ev.Postback.MID, ev.Postback.Title
		if in.ExternalID == "" {
			in.ExternalID = "postback:" + ev.SenderID + ":" + strconv.FormatInt(ev.Timestamp, 10)
		}
		if in.Body == "" {
			in.Body = ev.Postback.Payload
		}
	case KindMessage:
		in.ExternalID, in.Body = ev.Message.MID, ev.Message.Text
		for _, a := range ev.Message.Attachments {
			in.Attachments = append(in.Attachments, inbox.Attachment{Name: a.Title, ContentType: a.Type, URL: a.URL})
		}
	default:
		return nil
	}
	_, err = c.inbox.Receive(ctx, in)
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.TooLarge {
		c.log.Info("messenger: event not stored", "kind", ev.Kind, "err", err)
		return nil // retrying cannot fix it
	}
	return err
}

// link follows an m.me referral whose ref is a hand-off token: the PSID
// joins the web visitor's profile. Other referrals (ads, QR codes) and
// tokens that are forged or expired are ignored.
func (c *Channel) link(ctx context.Context, ref *Referral, psid identity.Identifier) error {
	if ref == nil || ref.Ref == "" {
		return nil
	}
	_, err := c.inbox.LinkHandoff(ctx, ref.Ref, psid, inbox.ChannelMessenger)
	if apperr.CodeOf(err) == apperr.Invalid || apperr.CodeOf(err) == apperr.NotFound {
		c.log.Info("messenger: referral not linked", "source", ref.Source, "err", err)
		return nil
	}
	return err
}

// purpose maps why a message is sent to the window rule that applies.
func (c *Channel) purpose(o inbox.Outbound) Purpose {
	switch o.Kind {
	case inbox.KindOrderUpdate:
		return PurposePostPurchaseUpdate
	case inbox.KindAccountUpdate:
		return PurposeAccountUpdate
	case "":
		if c.cfg.HumanAgent {
			return PurposeHumanAgent
		}
	}
	return PurposeReply
}

// Allow applies the messaging window: a message the Page may not send now
// is refused before it is queued, with the reason.
func (c *Channel) Allow(o inbox.Outbound, now time.Time) error {
	_, err := c.cfg.Window.Decide(o.LastInboundAt, now, c.purpose(o))
	return err
}

// Send sends the message through the Send API. Only failures where the
// Send API certainly did not take the message (it answered with a
// temporary error, or could not be reached at all) are retried; when the
// answer was lost on the way back the message may have been sent, so it is
// not sent again.
func (c *Channel) Send(ctx context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	if c.cfg.Client == nil {
		return inbox.Receipt{}, errors.New("messenger: no page access token configured")
	}
	d, err := c.cfg.Window.Decide(o.LastInboundAt, time.Now(), c.purpose(o))
	if err != nil {
		return inbox.Receipt{}, err
	}
	res, err := c.cfg.Client.SendText(ctx, o.Address, o.Body, d)
	if err != nil {
		if unsent(err) {
			return inbox.Receipt{}, inbox.Temporary(err)
		}
		return inbox.Receipt{}, err
	}
	return inbox.Receipt{ExternalID: res.MessageID}, nil
}

// unsent reports a temporary failure after which the message certainly was
// not sent: an error answer from the Graph API, or no connection made.
func unsent(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
