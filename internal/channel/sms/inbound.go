package sms

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// MaxMedia is the most media items Twilio attaches to one inbound message.
const MaxMedia = 10

// Inbound is an incoming message as Twilio posts it to the messaging webhook.
type Inbound struct {
	MessageSID          string
	AccountSID          string
	MessagingServiceSID string
	// From is the sender's phone number in E.164 form.
	From string
	// To is the business's Twilio number in E.164 form.
	To   string
	Body string
	// NumSegments is how many SMS segments made up the message (0 if absent).
	NumSegments int
	Media       []Media
	// FromCountry is Twilio's geographic guess for the sender, if given.
	FromCountry string
}

// Media is one MMS attachment: MediaUrlN and MediaContentTypeN.
type Media struct {
	URL         string
	ContentType string
}

// FieldError reports a missing or invalid webhook parameter.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("twilio inbound: %s: %v", e.Field, e.Err) }

func (e *FieldError) Unwrap() error { return e.Err }

// ParseInbound reads Twilio's application/x-www-form-urlencoded request to
// the incoming message webhook. MessageSid, AccountSid, From and To are
// required and From/To must be E.164 numbers; NumMedia must match the
// MediaUrlN parameters. Errors are *FieldError naming the parameter.
func ParseInbound(form url.Values) (Inbound, error) {
	in := Inbound{
		MessageSID:          form.Get("MessageSid"),
		AccountSID:          form.Get("AccountSid"),
		MessagingServiceSID: form.Get("MessagingServiceSid"),
		From:                form.Get("From"),
		To:                  form.Get("To"),
		Body:                form.Get("Body"),
		FromCountry:         form.Get("FromCountry"),
	}
	for _, f := range []struct{ name, value string }{
		{"MessageSid", in.MessageSID}, {"AccountSid", in.AccountSID}, {"From", in.From}, {"To", in.To},
	} {
		if f.value == "" {
			return Inbound{}, &FieldError{Field: f.name, Err: errMissing}
		}
	}
	if err := checkE164(in.From); err != nil {
		return Inbound{}, &FieldError{Field: "From", Err: err}
	}
	if err := checkE164(in.To); err != nil {
		return Inbound{}, &FieldError{Field: "To", Err: err}
	}
	var err error
	if in.NumSegments, err = optionalCount(form, "NumSegments", 0, 1<<16); err != nil {
		return Inbound{}, err
	}
	numMedia, err := optionalCount(form, "NumMedia", 0, MaxMedia)
	if err != nil {
		return Inbound{}, err
	}
	for i := range numMedia {
		m := Media{
			URL:         form.Get("MediaUrl" + strconv.Itoa(i)),
			ContentType: form.Get("MediaContentType" + strconv.Itoa(i)),
		}
		if err := checkMediaURL(m.URL); err != nil {
			return Inbound{}, &FieldError{Field: "MediaUrl" + strconv.Itoa(i), Err: err}
		}
		in.Media = append(in.Media, m)
	}
	return in, nil
}

var errMissing = errors.New("missing")

// optionalCount parses an optional non-negative integer parameter in [lo, hi].
func optionalCount(form url.Values, name string, lo, hi int) (int, error) {
	s := form.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, &FieldError{Field: name, Err: fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)}
	}
	return n, nil
}

func checkMediaURL(s string) error {
	if s == "" {
		return errMissing
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}
