// Package simulate drives synthetic customers through realistic cross-channel
// journeys — an ad click on the phone, anonymous browsing, a chat question,
// signing in on the laptop, buying, reading a newsletter, buying again in the
// app — through Omni's public APIs only, so every dashboard panel, the inbox
// and the strategy report have live data. It runs inside `omni demo` and as
// `omni simulate` against any Omni.
package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client calls one Omni's public APIs.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// NewClient returns a Client for the Omni at baseURL.
func NewClient(baseURL string) *Client {
	return &Client{BaseURL: baseURL, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Track sends calls to the tracking API's batch endpoint with a write key,
// as Segment's libraries do.
func (c *Client) Track(ctx context.Context, writeKey string, calls []map[string]any) error {
	if len(calls) == 0 {
		return nil
	}
	req, err := c.request(ctx, http.MethodPost, "/v1/batch",
		map[string]any{"batch": calls, "sentAt": time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		return err
	}
	req.SetBasicAuth(writeKey, "")
	return c.do(req, nil)
}

// do sends req and decodes a JSON answer into out; non-2xx answers are errors.
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(body))
	}
	if out != nil && len(body) > 0 {
		return json.Unmarshal(body, out)
	}
	return nil
}
