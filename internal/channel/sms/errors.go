package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Twilio error codes whose meaning decides whether a retry can help.
const (
	CodeAuthenticate     = 20003 // bad account SID or auth token
	CodeNotFound         = 20404 // resource not found
	CodeTooManyRequests  = 20429 // too many requests
	CodeInternal         = 20500 // internal server error
	CodeUnavailable      = 20503 // service unavailable
	CodeInvalidTo        = 21211 // 'To' number is not a valid phone number
	CodeUnsubscribed     = 21610 // recipient replied STOP to this sender
	CodeQueueOverflow    = 30001 // message queue overflow: too many queued
	CodeAccountSuspended = 30002 // account suspended
)

var temporaryCodes = map[int]bool{
	CodeTooManyRequests: true, CodeInternal: true, CodeUnavailable: true, CodeQueueOverflow: true,
}

// APIError is Twilio's error answer: {"code","message","more_info","status"}.
type APIError struct {
	// HTTPStatus is the HTTP status code of the answer.
	HTTPStatus int
	Code       int
	Message    string
	MoreInfo   string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("twilio API error (HTTP %d", e.HTTPStatus)
	if e.Code != 0 {
		s += fmt.Sprintf(", code %d", e.Code)
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	return s
}

// Temporary reports whether the same request may succeed later: rate limits,
// queue overflow, HTTP 429 and 5xx. Validation, authentication and
// opt-out errors are permanent.
func (e *APIError) Temporary() bool {
	return temporaryCodes[e.Code] || e.HTTPStatus == 429 || e.HTTPStatus >= 500
}

// TransportError is a failure to reach Twilio or read its answer. Retrying
// may help unless the caller's context was cancelled.
type TransportError struct {
	Err    error
	secret string
}

func (e *TransportError) Error() string {
	return "twilio request failed: " + redact(e.Err.Error(), e.secret)
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
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	e := &APIError{HTTPStatus: status}
	if json.Unmarshal(raw, &body) == nil && (body.Code != 0 || body.Message != "") {
		e.Code, e.Message, e.MoreInfo = body.Code, body.Message, body.MoreInfo
	} else {
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "…"
		}
	}
	e.Message = redact(e.Message, secret)
	return e
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[REDACTED]")
}
