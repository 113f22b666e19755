package messenger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Graph API error codes and subcodes with a documented meaning for sending.
const (
	CodeUnknown          = 1       // API Unknown: possibly temporary downtime
	CodeService          = 2       // API Service: temporary, retry later
	CodeTooManyCalls     = 4       // application request limit reached
	CodePermission       = 10      // permission denied (incl. outside the window)
	CodeUserLimit        = 17      // user request limit reached
	CodeInvalidParameter = 100     // invalid parameter / no matching user
	CodeAccessToken      = 190     // access token invalid or expired
	CodePageLimit        = 32      // Page request limit reached
	CodeAppLimit         = 341     // application limit reached
	CodeUserUnavailable  = 551     // this person isn't available right now
	CodeRateLimit        = 613     // calls to this API have exceeded the rate limit
	CodeTemporarySend    = 1200    // temporary send message failure
	SubcodeOutsideWindow = 2018278 // message sent outside the allowed window
)

var temporaryCodes = map[int]bool{
	CodeUnknown: true, CodeService: true, CodeTooManyCalls: true, CodeUserLimit: true,
	CodePageLimit: true, CodeAppLimit: true, CodeRateLimit: true, CodeTemporarySend: true,
}

// APIError is an error answer of the Graph API:
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}.
type APIError struct {
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus int
	Message    string
	Type       string
	Code       int
	Subcode    int
	FBTraceID  string
	// Transient is Graph's own is_transient hint, when given.
	Transient bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph API error (HTTP %d", e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Subcode != 0 {
		fmt.Fprintf(&b, ", subcode %d", e.Subcode)
	}
	if e.Type != "" {
		fmt.Fprintf(&b, ", %s", e.Type)
	}
	b.WriteString(")")
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.FBTraceID != "" {
		fmt.Fprintf(&b, " [fbtrace_id %s]", e.FBTraceID)
	}
	return b.String()
}

// Temporary reports whether sending the same request later may succeed:
// rate limits, temporary send failures, Graph's is_transient hint, HTTP 429
// and 5xx answers. Permission, parameter, token and window errors are
// permanent.
func (e *APIError) Temporary() bool {
	if e.Code == CodePermission || e.Code == CodeAccessToken || e.Code == CodeInvalidParameter {
		return false
	}
	return e.Transient || temporaryCodes[e.Code] ||
		e.HTTPStatus == 429 || e.HTTPStatus >= 500
}

// OutsideWindow reports whether the Page may no longer message this person
// without a message tag (code 10, subcode 2018278).
func (e *APIError) OutsideWindow() bool {
	return e.Code == CodePermission && e.Subcode == SubcodeOutsideWindow
}

// TransportError is a failure to reach the Graph API or read its answer.
// Retrying may help unless the caller's context was cancelled.
type TransportError struct {
	Err    error
	secret string
}

func (e *TransportError) Error() string {
	return "graph API request failed: " + redact(e.Err.Error(), e.secret)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsTemporary reports whether err, returned by a Client, may go away when the
// same request is retried later.
func IsTemporary(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var te *TransportError
	if errors.As(err, &te) {
		return !errors.Is(err, context.Canceled)
	}
	return false
}

func parseAPIError(status int, raw []byte, secret string) *APIError {
	var body struct {
		Error *struct {
			Message     string `json:"message"`
			Type        string `json:"type"`
			Code        int    `json:"code"`
			Subcode     int    `json:"error_subcode"`
			FBTraceID   string `json:"fbtrace_id"`
			IsTransient bool   `json:"is_transient"`
		} `json:"error"`
	}
	e := &APIError{HTTPStatus: status}
	if json.Unmarshal(raw, &body) == nil && body.Error != nil {
		g := body.Error
		e.Message, e.Type, e.Code, e.Subcode = g.Message, g.Type, g.Code, g.Subcode
		e.FBTraceID, e.Transient = g.FBTraceID, g.IsTransient
	} else {
		e.Message = snippet(raw)
	}
	e.Message = redact(e.Message, secret)
	return e
}

// snippet returns the start of a non-JSON error body for the error message.
func snippet(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// redact removes the secret, raw and URL-encoded, from s.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, "[REDACTED]")
	return strings.ReplaceAll(s, url.QueryEscape(secret), "[REDACTED]")
}
