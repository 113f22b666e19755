package messenger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
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

// Settings are the Messenger channel's settings at one moment.
type Settings struct {
	// Enabled is false when an admin switched the channel off: the
	// webhook answers 404 and nothing is sent.
	Enabled     bool
	AppSecret   string // checks X-Hub-Signature-256; no webhooks without it
	VerifyToken string // answers the hub.challenge handshake
	PageToken   string // sends replies; receive only without it
	APIBase     string // Graph API origin; DefaultBaseURL when empty
	APIVersion  string // DefaultAPIVersion when empty
}

// SettingsSource gives the channel its current settings. It is asked on
// every webhook and every send, so a change applies without a restart; it
// should answer from a cache.
type SettingsSource interface {
	MessengerSettings(ctx context.Context) (Settings, error)
}

// ChannelConfig configures the Messenger channel.
type ChannelConfig struct {
	Settings SettingsSource
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

	mu     sync.Mutex
	client *Client
	built  Config // what client was built from
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

// errOff answers webhooks while the channel is off or has no app secret.
const errOff = "the Messenger channel is not connected"

// settings returns the current settings, or answers the request and
// returns false when the channel cannot take webhooks.
func (c *Channel) settings(w http.ResponseWriter, r *http.Request) (Settings, bool) {
	s, err := c.cfg.Settings.MessengerSettings(r.Context())
	if err != nil {
		c.log.Error("messenger: read settings", "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError)
		return Settings{}, false
	}
	if !s.Enabled || s.AppSecret == "" {
		http.Error(w, errOff, http.StatusNotFound)
		return Settings{}, false
	}
	return s, true
}

// maxWebhookBody bounds a webhook POST; Meta batches at most a few kilobytes.
const maxWebhookBody = 1 << 20

// Mount registers GET and POST /hooks/messenger on mux.
func (c *Channel) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /hooks/messenger", c.handshake)
	mux.HandleFunc("POST /hooks/messenger", c.webhook)
}

func (c *Channel) handshake(w http.ResponseWriter, r *http.Request) {
	s, ok := c.settings(w, r)
	if !ok {
		return
	}
	challenge, err := VerifyHandshake(r.URL.Query(), s.VerifyToken)
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
	s, ok := c.settings(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	if err := VerifySignature([]byte(s.AppSecret), body, r.Header.Get(SignatureHeader)); err != nil {
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

// sender returns a Send API client for the current settings, built anew
// only when they changed, or why the channel cannot send.
func (c *Channel) sender(ctx context.Context) (*Client, error) {
	s, err := c.cfg.Settings.MessengerSettings(ctx)
	switch {
	case err != nil:
		return nil, fmt.Errorf("messenger: read settings: %w", err)
	case !s.Enabled:
		return nil, errors.New("messenger: the channel is switched off")
	case s.PageToken == "":
		return nil, errors.New("messenger: no page access token configured")
	}
	want := Config{BaseURL: s.APIBase, APIVersion: s.APIVersion, PageAccessToken: s.PageToken}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != nil && c.built == want {
		return c.client, nil
	}
	client, err := NewClient(want)
	if err != nil {
		return nil, err
	}
	c.client, c.built = client, want
	return client, nil
}

// Ready reports why the channel cannot send now (switched off, no page
// token), before a reply is queued.
func (c *Channel) Ready(ctx context.Context) error {
	_, err := c.sender(ctx)
	return err
}

// Check asks the Graph API which Page the configured token sends as,
// without sending anything, and describes the answer.
func (c *Channel) Check(ctx context.Context) (string, error) {
	client, err := c.sender(ctx)
	if err != nil {
		return "", err
	}
	p, err := client.Page(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("the page token sends as %q (page %s)", p.Name, p.ID), nil
}

// Send sends the message through the Send API. Only failures where the
// Send API certainly did not take the message (it answered with a
// temporary error, or could not be reached at all) are retried; when the
// answer was lost on the way back the message may have been sent, so it is
// not sent again.
func (c *Channel) Send(ctx context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	client, err := c.sender(ctx)
	if err != nil {
		return inbox.Receipt{}, err
	}
	d, err := c.cfg.Window.Decide(o.LastInboundAt, time.Now(), c.purpose(o))
	if err != nil {
		return inbox.Receipt{}, err
	}
	res, err := client.SendText(ctx, o.Address, o.Body, d)
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
