package sms

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults used by NewClient.
const (
	DefaultBaseURL = "https://api.twilio.com"
	DefaultTimeout = 15 * time.Second
	// MaxBodyLength is Twilio's limit on a message Body, in characters.
	MaxBodyLength = 1600
)

var (
	accountSIDRE = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDRE = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// Config configures a Messages API Client.
type Config struct {
	// BaseURL is the Twilio API origin; DefaultBaseURL when empty.
	BaseURL    string
	AccountSID string
	AuthToken  string
	// HTTPClient is used when not nil; otherwise a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each request when HTTPClient is nil; DefaultTimeout when zero.
	Timeout time.Duration
}

// Client sends messages with Twilio's Messages resource.
type Client struct {
	account    string // the Account resource
	endpoint   string // its Messages resource
	accountSID string
	authToken  string
	http       *http.Client
}

// Message is the Messages resource Twilio returns for a created message.
type Message struct {
	SID                 string `json:"sid"`
	AccountSID          string `json:"account_sid"`
	MessagingServiceSID string `json:"messaging_service_sid"`
	From                string `json:"from"`
	To                  string `json:"to"`
	Body                string `json:"body"`
	// Status is queued, accepted, sending, sent, failed, delivered… .
	Status       string `json:"status"`
	Direction    string `json:"direction"`
	NumSegments  string `json:"num_segments"`
	ErrorCode    *int   `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	DateCreated  string `json:"date_created"`
}

// NewClient validates cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	if !accountSIDRE.MatchString(cfg.AccountSID) {
		return nil, fmt.Errorf("twilio client: account SID %q is not AC followed by 32 hex digits", cfg.AccountSID)
	}
	if cfg.AuthToken == "" {
		return nil, errors.New("twilio client: auth token is required")
	}
	base := strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twilio client: base URL %q is not an absolute http(s) URL", base)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cmp.Or(cfg.Timeout, DefaultTimeout)}
	}
	return &Client{
		account:    base + "/2010-04-01/Accounts/" + cfg.AccountSID + ".json",
		endpoint:   base + "/2010-04-01/Accounts/" + cfg.AccountSID + "/Messages.json",
		accountSID: cfg.AccountSID,
		authToken:  cfg.AuthToken,
		http:       hc,
	}, nil
}

// Send creates an outbound message from the sender from (an E.164 number,
// short code, alphanumeric sender ID, or a Messaging Service SID "MG…") to
// the E.164 number to. statusCallback, when not empty, is the absolute URL
// Twilio posts delivery status changes to. Errors from Twilio are *APIError;
// IsTemporary tells whether retrying can help.
func (c *Client) Send(ctx context.Context, from, to, body, statusCallback string) (Message, error) {
	form, err := sendForm(from, to, body, statusCallback)
	if err != nil {
		return Message{}, fmt.Errorf("twilio send: %w", err)
	}
	var msg Message
	if err := c.do(ctx, http.MethodPost, c.endpoint, form, &msg); err != nil {
		return Message{}, fmt.Errorf("twilio send: %w", err)
	}
	if msg.SID == "" {
		return Message{}, errors.New("twilio send: response has no sid")
	}
	return msg, nil
}

// Account is the part of Twilio's Account resource Omni shows.
type Account struct {
	SID          string `json:"sid"`
	FriendlyName string `json:"friendly_name"`
	Status       string `json:"status"` // active, suspended or closed
}

// Account fetches the account the credentials belong to (GET
// /2010-04-01/Accounts/{AccountSid}.json): a cheap check that the SID, the
// auth token and the base URL work, sending nothing to anyone.
func (c *Client) Account(ctx context.Context) (Account, error) {
	var a Account
	if err := c.do(ctx, http.MethodGet, c.account, nil, &a); err != nil {
		return Account{}, fmt.Errorf("twilio account: %w", err)
	}
	if a.SID == "" {
		return Account{}, errors.New("twilio account: response has no sid")
	}
	return a, nil
}

// do calls the API with basic auth and decodes a 2xx answer into out; form,
// when not nil, is the request body.
func (c *Client) do(ctx context.Context, method, endpoint string, form url.Values, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.accountSID, c.authToken)
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Err: err, secret: c.authToken}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &TransportError{Err: err, secret: c.authToken}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseAPIError(resp.StatusCode, raw, c.authToken)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode response (HTTP %d): %w", resp.StatusCode, err)
	}
	return nil
}

// sendForm validates the arguments of Send and builds its form.
func sendForm(from, to, body, statusCallback string) (url.Values, error) {
	form := url.Values{}
	switch {
	case from == "":
		return nil, errors.New("sender is empty")
	case serviceSIDRE.MatchString(from):
		form.Set("MessagingServiceSid", from)
	default:
		form.Set("From", from)
	}
	if err := checkE164(to); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	form.Set("To", to)
	if body == "" {
		return nil, errors.New("body is empty")
	}
	if !utf8.ValidString(body) {
		return nil, errors.New("body is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(body); n > MaxBodyLength {
		return nil, fmt.Errorf("body has %d characters, limit is %d", n, MaxBodyLength)
	}
	form.Set("Body", body)
	if statusCallback != "" {
		u, err := url.Parse(statusCallback)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("status callback %q is not an absolute http(s) URL", statusCallback)
		}
		form.Set("StatusCallback", statusCallback)
	}
	return form, nil
}
