package messenger

import (
	"bytes"
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
	DefaultBaseURL    = "https://graph.facebook.com"
	DefaultAPIVersion = "v25.0"
	DefaultTimeout    = 15 * time.Second
	// MaxTextLength is the Send API limit on message.text, in characters.
	MaxTextLength = 2000
)

var apiVersionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// Config configures a Send API Client.
type Config struct {
	// BaseURL is the Graph API origin; DefaultBaseURL when empty.
	BaseURL string
	// APIVersion is the Graph API version path segment, e.g. "v25.0";
	// DefaultAPIVersion when empty.
	APIVersion string
	// PageAccessToken authorises sending as the Page. Required.
	PageAccessToken string
	// PageID is the Page to send as; "me" (the token's Page) when empty.
	PageID string
	// HTTPClient is used when not nil; otherwise a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each request when HTTPClient is nil; DefaultTimeout when zero.
	Timeout time.Duration
}

// Client sends messages through the Messenger Send API.
type Client struct {
	page     string // {BaseURL}/{APIVersion}/{PageID}
	endpoint string // page + /messages, without the token
	token    string
	http     *http.Client
}

// SendResult is the Send API's answer to a successful send.
type SendResult struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// NewClient validates cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.PageAccessToken == "" {
		return nil, errors.New("messenger client: page access token is required")
	}
	base := strings.TrimRight(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("messenger client: base URL %q is not an absolute http(s) URL", base)
	}
	version := cmp.Or(cfg.APIVersion, DefaultAPIVersion)
	if !apiVersionRE.MatchString(version) {
		return nil, fmt.Errorf("messenger client: API version %q is not of the form v<major>.<minor>", version)
	}
	page := cmp.Or(cfg.PageID, "me")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cmp.Or(cfg.Timeout, DefaultTimeout)}
	}
	pageURL := base + "/" + version + "/" + url.PathEscape(page)
	return &Client{
		page:     pageURL,
		endpoint: pageURL + "/messages",
		token:    cfg.PageAccessToken,
		http:     hc,
	}, nil
}

type sendRequest struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType MessagingType `json:"messaging_type"`
	Tag           Tag           `json:"tag,omitempty"`
	Message       struct {
		Text string `json:"text"`
	} `json:"message"`
}

// SendText sends a text message to the person with the given PSID, using the
// messaging type and tag in d (see Window.Decide). Errors from the Graph API
// are *APIError; IsTemporary tells whether retrying can help.
func (c *Client) SendText(ctx context.Context, psid, text string, d Delivery) (SendResult, error) {
	if psid == "" {
		return SendResult{}, errors.New("messenger send: recipient PSID is empty")
	}
	if text == "" {
		return SendResult{}, errors.New("messenger send: text is empty")
	}
	if !utf8.ValidString(text) {
		return SendResult{}, errors.New("messenger send: text is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > MaxTextLength {
		return SendResult{}, fmt.Errorf("messenger send: text has %d characters, limit is %d", n, MaxTextLength)
	}
	if err := d.validate(); err != nil {
		return SendResult{}, fmt.Errorf("messenger send: %w", err)
	}
	var req sendRequest
	req.Recipient.ID = psid
	req.MessagingType, req.Tag = d.Type, d.Tag
	req.Message.Text = text
	body, err := json.Marshal(req)
	if err != nil {
		return SendResult{}, fmt.Errorf("messenger send: encode request: %w", err)
	}
	var res SendResult
	if err := c.post(ctx, body, &res); err != nil {
		return SendResult{}, fmt.Errorf("messenger send: %w", err)
	}
	if res.MessageID == "" {
		return SendResult{}, errors.New("messenger send: response has no message_id")
	}
	return res, nil
}

// Page is the Facebook Page a token sends as.
type Page struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Page asks the Graph API which Page the access token belongs to (GET
// /{version}/{page}?fields=id,name): a cheap check that the token and the
// base URL work, sending nothing to anyone.
func (c *Client) Page(ctx context.Context) (Page, error) {
	var p Page
	if err := c.do(ctx, http.MethodGet, c.page, url.Values{"fields": {"id,name"}}, nil, &p); err != nil {
		return Page{}, fmt.Errorf("messenger page: %w", err)
	}
	if p.ID == "" {
		return Page{}, errors.New("messenger page: response has no id")
	}
	return p, nil
}

// post sends body to the messages endpoint and decodes a 2xx answer into out.
func (c *Client) post(ctx context.Context, body []byte, out any) error {
	return c.do(ctx, http.MethodPost, c.endpoint, url.Values{}, body, out)
}

// do calls the Graph API and decodes a 2xx answer into out. The access
// token travels in the query string, as the Send API documents.
func (c *Client) do(ctx context.Context, method, endpoint string, query url.Values, body []byte, out any) error {
	query.Set("access_token", c.token)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint+"?"+query.Encode(), rd)
	if err != nil {
		return &TransportError{Err: err, secret: c.token}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error carries the URL, and with it the token
		}
		return &TransportError{Err: err, secret: c.token}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &TransportError{Err: fmt.Errorf("read response: %w", err), secret: c.token}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseAPIError(resp.StatusCode, raw, c.token)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode response (HTTP %d): %w", resp.StatusCode, err)
	}
	return nil
}
