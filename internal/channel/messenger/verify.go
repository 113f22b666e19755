// Package messenger translates the Facebook Messenger Platform's wire formats:
// the webhook verification handshake, X-Hub-Signature-256 checks, webhook
// event payloads, the Send API and the standard messaging window rules.
// It owns no customer or conversation state.
package messenger

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SignatureHeader is the HTTP header Meta signs webhook POST bodies with.
const SignatureHeader = "X-Hub-Signature-256"

// Errors returned by VerifyHandshake.
var (
	// ErrHandshakeMode means hub.mode was missing or not "subscribe".
	ErrHandshakeMode = errors.New("messenger handshake: hub.mode is not \"subscribe\"")
	// ErrHandshakeToken means hub.verify_token did not match the configured token.
	ErrHandshakeToken = errors.New("messenger handshake: hub.verify_token does not match")
	// ErrHandshakeChallenge means hub.challenge was missing.
	ErrHandshakeChallenge = errors.New("messenger handshake: hub.challenge is missing")
	// ErrNoVerifyToken means the caller configured an empty verify token.
	ErrNoVerifyToken = errors.New("messenger handshake: no verify token configured")
)

// Errors returned by VerifySignature.
var (
	// ErrSignatureMissing means the X-Hub-Signature-256 header was absent or empty.
	ErrSignatureMissing = errors.New("messenger signature: X-Hub-Signature-256 header is missing")
	// ErrSignatureMalformed means the header was not "sha256=" followed by 64 hex digits.
	ErrSignatureMalformed = errors.New("messenger signature: X-Hub-Signature-256 header is malformed")
	// ErrSignatureMismatch means the HMAC did not match the body.
	ErrSignatureMismatch = errors.New("messenger signature: X-Hub-Signature-256 does not match the body")
	// ErrNoAppSecret means the caller configured an empty app secret.
	ErrNoAppSecret = errors.New("messenger signature: no app secret configured")
)

// VerifyHandshake answers Meta's GET webhook verification request. It checks
// hub.mode is "subscribe" and hub.verify_token equals verifyToken (compared in
// constant time) and returns hub.challenge, which the caller echoes back as the
// response body with status 200.
func VerifyHandshake(query url.Values, verifyToken string) (string, error) {
	if verifyToken == "" {
		return "", ErrNoVerifyToken
	}
	if query.Get("hub.mode") != "subscribe" {
		return "", ErrHandshakeMode
	}
	got := query.Get("hub.verify_token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(verifyToken)) != 1 {
		return "", ErrHandshakeToken
	}
	challenge := query.Get("hub.challenge")
	if challenge == "" {
		return "", ErrHandshakeChallenge
	}
	return challenge, nil
}

// VerifySignature checks header, the value of X-Hub-Signature-256
// ("sha256=<hex>"), against the HMAC-SHA256 of the raw request body keyed with
// the app secret. The comparison runs in constant time.
func VerifySignature(appSecret []byte, body []byte, header string) error {
	if len(appSecret) == 0 {
		return ErrNoAppSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrSignatureMissing
	}
	algo, digest, ok := strings.Cut(header, "=")
	if !ok || !strings.EqualFold(algo, "sha256") {
		return fmt.Errorf("%w: want \"sha256=<hex>\"", ErrSignatureMalformed)
	}
	got, err := hex.DecodeString(digest)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: digest is not %d hex-encoded bytes", ErrSignatureMalformed, sha256.Size)
	}
	mac := hmac.New(sha256.New, appSecret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignatureMismatch
	}
	return nil
}
