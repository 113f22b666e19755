// Package apperr defines Omni's application errors: a machine-readable code,
// a message safe to show to the caller and, for invalid input, the field at
// fault. Transports map codes to their own statuses in one place each (HTTP in
// httpapi, exit codes in cmd/omni).
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an application error.
type Code string

// The codes every layer may return.
const (
	Invalid       Code = "invalid"       // the request is malformed or breaks a rule
	NotFound      Code = "not_found"     // the thing asked for does not exist
	Conflict      Code = "conflict"      // the request clashes with the current state
	Unauthorized  Code = "unauthorized"  // no or wrong credentials
	Forbidden     Code = "forbidden"     // credentials lack the needed scope
	TooLarge      Code = "too_large"     // the body or an item exceeds a size limit
	Unavailable   Code = "unavailable"   // a dependency is down; retrying may help
	Internal      Code = "internal"      // a bug or unexpected failure
	Unprocessable Code = "unprocessable" // understood, but cannot be done (e.g. out of stock)
)

// Error is an application error.
type Error struct {
	Code    Code
	Message string
	Field   string // the input field at fault, for Invalid
	Err     error  // the cause, never shown to callers
}

// Error returns the message, prefixed with the field when there is one.
func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidField returns an Invalid error naming the field at fault.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a NotFound error.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Conflictf returns a Conflict error.
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
