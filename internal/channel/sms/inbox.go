package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the SMS channel needs from the inbox service.
type Inbox interface {
	Receive(ctx context.Context, in inbox.Inbound) (inbox.Received, error)
	MarkDelivered(ctx context.Context, channel, externalID string, at time.Time) (bool, error)
	MarkUndelivered(ctx context.Context, channel, externalID, reason string) (bool, error)
}

// Settings are the SMS channel's settings at one moment.
type Settings struct {
	// Enabled is false when an admin switched the channel off: the
	// webhooks answer 404 and nothing is sent.
	Enabled    bool
	AccountSID string
	AuthToken  string // checks X-Twilio-Signature; no webhooks without it
	From       string // the number (or messaging service SID) replies come from
	APIBase    string // Twilio API origin; DefaultBaseURL when empty
}

// SettingsSource gives the channel its current settings. It is asked on
// every webhook and every send, so a change applies without a restart; it
// should answer from a cache.
type SettingsSource interface {
	SMSSettings(ctx context.Context) (Settings, error)
}

// ChannelConfig configures the SMS channel.
type ChannelConfig struct {
	Settings SettingsSource
	// PublicURL is the origin Twilio calls (e.g. https://shop.example.com),
	// needed to check signatures behind a proxy; when empty the request's
	// own scheme and host are used.
	PublicURL string
	Logger    *slog.Logger
}

// Channel connects Twilio SMS to the inbox: the webhooks at
// /hooks/twilio/sms (incoming messages) and /hooks/twilio/status (delivery
// status callbacks), and the inbox's Sender for SMS.
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
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return &Channel{inbox: in, cfg: cfg, log: log}
}

// maxWebhookBody bounds a webhook POST.
const maxWebhookBody = 64 << 10

// Mount registers the webhooks on mux.
func (c *Channel) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /hooks/twilio/sms", c.incoming)
	mux.HandleFunc("POST /hooks/twilio/status", c.status)
}

// verified parses the form and checks X-Twilio-Signature; on failure it has
// answered (404 while the channel is off, 403 for a bad signature; nothing
// stored).
func (c *Channel) verified(w http.ResponseWriter, r *http.Request) bool {
	s, err := c.cfg.Settings.SMSSettings(r.Context())
	if err != nil {
		c.log.Error("twilio: read settings", "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError)
		return false
	}
	if !s.Enabled || s.AuthToken == "" {
		http.Error(w, "the SMS channel is not connected", http.StatusNotFound)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "unreadable form: "+err.Error(), http.StatusBadRequest)
		return false
	}
	if err := ValidateSignature(s.AuthToken, c.fullURL(r), r.PostForm, r.Header.Get(SignatureHeader)); err != nil {
		c.log.Warn("twilio: webhook refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, err.Error(), http.StatusForbidden)
		return false
	}
	return true
}

func (c *Channel) fullURL(r *http.Request) string {
	if c.cfg.PublicURL != "" {
		return c.cfg.PublicURL + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (c *Channel) incoming(w http.ResponseWriter, r *http.Request) {
	if !c.verified(w, r) {
		return
	}
	msg, err := ParseInbound(r.PostForm)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	phone, err := identity.New(identity.Phone, msg.From)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in := inbox.Inbound{Channel: inbox.ChannelSMS, Identifiers: []identity.Identifier{phone}, Address: msg.From,
		ExternalID: msg.MessageSID, Body: msg.Body}
	for _, m := range msg.Media {
		in.Attachments = append(in.Attachments, inbox.Attachment{ContentType: m.ContentType, URL: m.URL})
	}
	if _, err := c.inbox.Receive(r.Context(), in); err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.TooLarge {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.log.Error("twilio: store message", "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError) // Twilio retries
		return
	}
	WriteTwiMLEmpty(w)
}

// status records Twilio's delivery status callbacks.
func (c *Channel) status(w http.ResponseWriter, r *http.Request) {
	if !c.verified(w, r) {
		return
	}
	sid, state := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	var err error
	switch state {
	case "delivered":
		_, err = c.inbox.MarkDelivered(r.Context(), inbox.ChannelSMS, sid, time.Now())
	case "undelivered", "failed":
		reason := "Twilio reports the message " + state
		if code := r.PostForm.Get("ErrorCode"); code != "" {
			reason += " (error " + code + ")"
		}
		_, err = c.inbox.MarkUndelivered(r.Context(), inbox.ChannelSMS, sid, reason)
	}
	if err != nil {
		c.log.Error("twilio: record status", "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sender returns a Messages API client and the sender for the current
// settings, the client built anew only when they changed, or why the
// channel cannot send.
func (c *Channel) sender(ctx context.Context) (*Client, string, error) {
	s, err := c.cfg.Settings.SMSSettings(ctx)
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("sms: read settings: %w", err)
	case !s.Enabled:
		return nil, "", errors.New("sms: the channel is switched off")
	case s.AccountSID == "" || s.AuthToken == "" || s.From == "":
		return nil, "", errors.New("sms: no Twilio account configured")
	}
	want := Config{BaseURL: s.APIBase, AccountSID: s.AccountSID, AuthToken: s.AuthToken}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil || c.built != want {
		client, err := NewClient(want)
		if err != nil {
			return nil, "", err
		}
		c.client, c.built = client, want
	}
	return c.client, s.From, nil
}

// Ready reports why the channel cannot send now (switched off, no
// account), before a reply is queued.
func (c *Channel) Ready(ctx context.Context) error {
	_, _, err := c.sender(ctx)
	return err
}

// Check fetches the configured Twilio account, without sending anything,
// and describes it.
func (c *Channel) Check(ctx context.Context) (string, error) {
	client, _, err := c.sender(ctx)
	if err != nil {
		return "", err
	}
	a, err := client.Account(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Twilio account %q is %s", a.FriendlyName, a.Status), nil
}

// Send sends the message with the Messages API. Only failures where Twilio
// certainly did not take the message (a temporary error answer, or no
// connection made) are retried.
func (c *Channel) Send(ctx context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	client, from, err := c.sender(ctx)
	if err != nil {
		return inbox.Receipt{}, err
	}
	callback := ""
	if c.cfg.PublicURL != "" {
		callback = c.cfg.PublicURL + "/hooks/twilio/status"
	}
	msg, err := client.Send(ctx, from, o.Address, o.Body, callback)
	if err != nil {
		if unsent(err) {
			return inbox.Receipt{}, inbox.Temporary(err)
		}
		return inbox.Receipt{}, err
	}
	return inbox.Receipt{ExternalID: msg.SID, Delivered: msg.Status == "delivered"}, nil
}

func unsent(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
