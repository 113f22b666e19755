// Package sms translates Twilio Programmable Messaging's wire formats: the
// X-Twilio-Signature check, inbound message webhooks, the Messages REST
// resource and the TwiML a webhook answers with. It also normalises phone
// numbers to E.164 so that other packages identify phones the same way.
// It owns no customer or conversation state.
package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// SignatureHeader is the HTTP header Twilio signs webhook requests with.
const SignatureHeader = "X-Twilio-Signature"

// Errors returned by ValidateSignature.
var (
	// ErrSignatureMissing means the X-Twilio-Signature header was absent or empty.
	ErrSignatureMissing = errors.New("twilio signature: X-Twilio-Signature header is missing")
	// ErrSignatureMalformed means the header was not a base64 HMAC-SHA1 digest.
	ErrSignatureMalformed = errors.New("twilio signature: X-Twilio-Signature header is not a base64 SHA-1 digest")
	// ErrSignatureMismatch means the signature did not match the URL and parameters.
	ErrSignatureMismatch = errors.New("twilio signature: X-Twilio-Signature does not match the request")
	// ErrNoAuthToken means the caller configured an empty auth token.
	ErrNoAuthToken = errors.New("twilio signature: no auth token configured")
)

// ValidateSignature checks header, the X-Twilio-Signature value, against
// Twilio's documented algorithm: HMAC-SHA1, keyed with the auth token, of the
// full request URL (as configured in Twilio, with its query string) followed
// by every POST parameter sorted by name, each name directly followed by its
// value; base64-encoded. form holds the POST parameters (nil for GET
// requests). Because proxies and Twilio may differ on whether the default port
// appears in the URL, the URL is also tried with the port added or removed.
// Comparisons run in constant time.
func ValidateSignature(authToken, fullURL string, form url.Values, header string) error {
	if authToken == "" {
		return ErrNoAuthToken
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrSignatureMissing
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha1.Size {
		return ErrSignatureMalformed
	}
	params := sortedParams(form)
	for _, u := range urlVariants(fullURL) {
		if hmac.Equal(got, computeSignature(authToken, u, params)) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

// Signature returns the base64 X-Twilio-Signature for fullURL and form, as
// Twilio computes it. It is useful to sign requests in tests and simulators.
func Signature(authToken, fullURL string, form url.Values) string {
	return base64.StdEncoding.EncodeToString(computeSignature(authToken, fullURL, sortedParams(form)))
}

func computeSignature(authToken, fullURL, params string) []byte {
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	mac.Write([]byte(params))
	return mac.Sum(nil)
}

// sortedParams concatenates name+value for every parameter, sorted by name;
// a repeated name contributes each of its values in sorted order.
func sortedParams(form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		values := slices.Clone(form[k])
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String()
}

// urlVariants returns fullURL and, for http(s) URLs, the same URL with the
// scheme's default port removed if present or added if absent.
func urlVariants(fullURL string) []string {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return []string{fullURL}
	}
	defaultPort := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	if defaultPort == "" {
		return []string{fullURL}
	}
	alt := *u
	switch u.Port() {
	case defaultPort:
		alt.Host = u.Hostname()
	case "":
		alt.Host = u.Host + ":" + defaultPort
	default:
		return []string{fullURL}
	}
	return []string{fullURL, alt.String()}
}
