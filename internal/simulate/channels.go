package simulate

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/omni-hq/omni/internal/channel/sms"
)

// Platforms holds what the simulator needs to speak as the messaging
// platforms do: the secrets that sign webhooks and the addresses Omni
// listens on. An empty field switches that channel's steps off.
type Platforms struct {
	ChatKey          string // write key of a chat source
	MessengerSecret  string // the Meta app secret Omni verifies webhooks with
	MessengerPageID  string
	TwilioToken      string // the Twilio auth token Omni verifies webhooks with
	TwilioAccountSID string
	TwilioNumber     string
	PublicURL        string // the URL Twilio signs, as Omni is configured
	SMTPAddr         string // Omni's inbound mail listener
	MailTo           string // an address Omni accepts mail for
	AgentToken       string // an agent's API token, for replies from the inbox
}

// Chat opens the website chat as the visitor with anonID, sends text, and asks
// to continue on Messenger; it returns the m.me link's ref, or "" when Omni
// offers no hand-off.
func (c *Client) Chat(ctx context.Context, key, anonID, text string, handoff bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	u := strings.Replace(c.BaseURL, "http", "ws", 1) + "/chat/ws?key=" + url.QueryEscape(key) + "&anonymous_id=" + url.QueryEscape(anonID)
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return "", fmt.Errorf("chat: %w", err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "bye")
	if err := waitFrame(ctx, conn, "ready"); err != nil {
		return "", err
	}
	if err := wsjson.Write(ctx, conn, map[string]string{"type": "message", "client_id": "c1", "body": text}); err != nil {
		return "", fmt.Errorf("chat: send: %w", err)
	}
	if err := waitFrame(ctx, conn, "ack"); err != nil {
		return "", err
	}
	if !handoff {
		return "", nil
	}
	if err := wsjson.Write(ctx, conn, map[string]string{"type": "handoff", "channel": "messenger"}); err != nil {
		return "", fmt.Errorf("chat: hand-off: %w", err)
	}
	var f struct{ Type, URL, Error string }
	for {
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			return "", fmt.Errorf("chat: hand-off: %w", err)
		}
		switch f.Type {
		case "handoff":
			link, err := url.Parse(f.URL)
			if err != nil {
				return "", fmt.Errorf("chat: hand-off link %q: %w", f.URL, err)
			}
			return link.Query().Get("ref"), nil
		case "error":
			return "", nil // hand-off not offered (no Messenger page configured)
		}
	}
}

func waitFrame(ctx context.Context, conn *websocket.Conn, want string) error {
	for {
		var f struct{ Type, Error string }
		if err := wsjson.Read(ctx, conn, &f); err != nil {
			return fmt.Errorf("chat: waiting for %s: %w", want, err)
		}
		if f.Type == want {
			return nil
		}
		if f.Type == "error" {
			return fmt.Errorf("chat: %s", f.Error)
		}
	}
}

// Messenger posts a signed Messenger webhook from psid: a referral carrying
// ref (when not empty), then a text message.
func (c *Client) Messenger(ctx context.Context, p Platforms, psid, ref, mid, text string, at time.Time) error {
	ms := at.UnixMilli()
	var events []any
	if ref != "" {
		events = append(events, map[string]any{"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": p.MessengerPageID},
			"timestamp": ms, "referral": map[string]string{"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}})
	}
	events = append(events, map[string]any{"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": p.MessengerPageID},
		"timestamp": ms, "message": map[string]string{"mid": mid, "text": text}})
	body, err := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": p.MessengerPageID, "time": ms, "messaging": events}}})
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, []byte(p.MessengerSecret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/hooks/messenger", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return c.do(req, nil)
}

// SMS posts a signed Twilio inbound-message webhook from the number from.
func (c *Client) SMS(ctx context.Context, p Platforms, sid, from, body string) error {
	form := url.Values{"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {p.TwilioAccountSID}, "From": {from},
		"To": {p.TwilioNumber}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {"1"}}
	hook := strings.TrimRight(p.PublicURL, "/") + "/hooks/twilio/sms"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sms.Signature(p.TwilioToken, hook, form))
	return c.do(req, nil)
}

// Email sends a customer's mail to Omni's inbound SMTP listener.
func Email(p Platforms, from, name, subject, body, messageID string) error {
	msg := "From: " + name + " <" + from + ">\r\nTo: <" + p.MailTo + ">\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + messageID + ">\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	return smtp.SendMail(p.SMTPAddr, nil, from, []string{p.MailTo}, []byte(msg))
}

// AgentReply answers, as an agent with token, the open conversation of the
// customer holding the Messenger id psid, and resolves it when resolve is set.
func (c *Client) AgentReply(ctx context.Context, token, psid, text string, resolve bool) error {
	var profile struct{ ID string }
	if err := c.API(ctx, token, http.MethodGet, "/api/v1/customers/lookup?type=messenger_psid&value="+url.QueryEscape(psid), nil, &profile); err != nil {
		return err
	}
	var page struct{ Conversations []struct{ ID string } }
	if err := c.API(ctx, token, http.MethodGet, "/api/v1/conversations?status=open&customer_id="+url.QueryEscape(profile.ID), nil, &page); err != nil {
		return err
	}
	if len(page.Conversations) == 0 {
		return nil
	}
	conv := page.Conversations[0].ID
	if err := c.API(ctx, token, http.MethodPost, "/api/v1/conversations/"+conv+"/messages", map[string]string{"body": text}, nil); err != nil {
		return err
	}
	if resolve {
		return c.API(ctx, token, http.MethodPost, "/api/v1/conversations/"+conv+"/resolve", nil, nil)
	}
	return nil
}

// API calls the REST API with a bearer token, sending body as JSON and
// decoding the answer into out.
func (c *Client) API(ctx context.Context, token, method, path string, body, out any) error {
	req, err := c.request(ctx, method, path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return c.do(req, out)
}

func (c *Client) request(ctx context.Context, method, path string, body any) (*http.Request, error) {
	b := []byte{}
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
