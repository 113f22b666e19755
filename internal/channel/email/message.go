// Package email is Omni's email channel wire layer: it parses received
// RFC 5322 / MIME messages, runs the inbound SMTP server that hands parsed
// messages to a Receiver, and sends replies through an SMTP relay with the
// headers a mail client needs to thread them. It owns no customer or
// conversation state.
package email

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Address is a mailbox: an address and an optional display name.
type Address struct {
	Name  string
	Email string
}

// String formats a as an RFC 5322 mailbox, encoding a non-ASCII name.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// Attachment is a non-text part of a message: a file, an inline image or a
// forwarded message.
type Attachment struct {
	Filename    string
	ContentType string
	// ContentID is the part's Content-ID without angle brackets, used by
	// "cid:" references in the HTML body.
	ContentID string
	// Inline reports a Content-Disposition of inline (e.g. an embedded image).
	Inline bool
	Size   int64
	Data   []byte
}

// Envelope is how a message arrived over SMTP. It is set by the Server, not
// by Parse.
type Envelope struct {
	// From is the MAIL FROM path ("" for bounces); To the accepted RCPT TO
	// addresses, which may differ from the To and Cc headers.
	From string
	To   []string
	// RemoteAddr is the sending host's address; TLS reports STARTTLS.
	RemoteAddr string
	TLS        bool
}

// Message is a parsed email message.
type Message struct {
	From    Address
	ReplyTo []Address
	To      []Address
	Cc      []Address
	Subject string
	// Date is the Date header; zero when missing or unreadable.
	Date time.Time
	// MessageID, InReplyTo and References hold message ids without angle
	// brackets. References is in header order (oldest first).
	MessageID  string
	InReplyTo  []string
	References []string
	// Text is the readable body: the text/plain part, or the HTML part
	// converted to text when there is no text/plain part.
	Text string
	// HTML is the text/html part, decoded to UTF-8; empty when there is none.
	HTML string
	// VisibleText is Text with quoted replies, forwarded originals and the
	// signature removed: what the sender actually wrote this time.
	VisibleText string
	Attachments []Attachment
	// AutoSubmitted reports an automatic message (auto-reply, bounce, list
	// mail) that must not be answered automatically (RFC 3834).
	AutoSubmitted bool
	// Size is the size of the raw message in bytes.
	Size int64
	// Envelope is filled in by the Server.
	Envelope Envelope
}

// ThreadKeys returns the message ids under which an existing conversation may
// be found, most specific first: In-Reply-To, then References newest first.
// Duplicates are removed.
func (m *Message) ThreadKeys() []string {
	keys := make([]string, 0, len(m.InReplyTo)+len(m.References))
	seen := make(map[string]bool, cap(keys))
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			keys = append(keys, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return keys
}

// ErrMalformed is matched (errors.Is) by every *MalformedError.
var ErrMalformed = errors.New("malformed message")

// ErrTooLarge is matched (errors.Is) by every *LimitError.
var ErrTooLarge = errors.New("message too large")

// MalformedError reports a message that is not valid RFC 5322 / MIME.
type MalformedError struct {
	// Where names the offending header or part, e.g. "From" or "part 1.2".
	Where string
	Err   error
}

// Error describes the problem in a form fit for an SMTP reply.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("malformed message: %s: %v", e.Where, e.Err)
}

// Unwrap returns the underlying cause.
func (e *MalformedError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrMalformed) true.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// LimitError reports content over one of the configured Limits.
type LimitError struct {
	// What names the limit, e.g. "attachment", "attachments total".
	What string
	// Name is the attachment's filename, when the limit is per attachment.
	Name  string
	Limit int64
}

// Error describes which limit was exceeded.
func (e *LimitError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("%s %q exceeds the limit of %d", e.What, e.Name, e.Limit)
	}
	return fmt.Sprintf("%s exceeds the limit of %d", e.What, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *LimitError) Is(target error) bool { return target == ErrTooLarge }

// Limits bounds what Parse accepts. A zero field takes its default.
type Limits struct {
	// MaxHeaderBytes bounds the header block of the message and of each part
	// (default 256 KiB).
	MaxHeaderBytes int64
	// MaxAttachmentBytes bounds one decoded attachment (default 10 MiB).
	MaxAttachmentBytes int64
	// MaxTotalAttachmentBytes bounds all decoded attachments together
	// (default 25 MiB).
	MaxTotalAttachmentBytes int64
	// MaxTextBytes bounds the decoded text and HTML bodies together
	// (default 2 MiB).
	MaxTextBytes int64
	// MaxParts bounds the number of MIME parts (default 100).
	MaxParts int
	// MaxDepth bounds the nesting of multipart entities (default 10).
	MaxDepth int
}

func (l Limits) withDefaults() Limits {
	set := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.MaxHeaderBytes, 256<<10)
	set(&l.MaxAttachmentBytes, 10<<20)
	set(&l.MaxTotalAttachmentBytes, 25<<20)
	set(&l.MaxTextBytes, 2<<20)
	if l.MaxParts <= 0 {
		l.MaxParts = 100
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10
	}
	return l
}

// normalizeIDs extracts message ids from a Message-ID, In-Reply-To or
// References value. It accepts the RFC 5322 form "<id@host>" and, leniently,
// ids without brackets separated by white space or commas.
func normalizeIDs(v string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	v = stripComments(v)
	if strings.Contains(v, "<") {
		for {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				add(v[i+1:])
				break
			}
			add(v[i+1 : i+j])
			v = v[i+j+1:]
		}
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'
	}) {
		add(f)
	}
	return ids
}

// stripComments removes RFC 5322 parenthesised comments (as some clients add
// to References) outside angle brackets.
func stripComments(v string) string {
	if !strings.Contains(v, "(") {
		return v
	}
	var b strings.Builder
	depth, inID := 0, false
	for _, r := range v {
		switch {
		case r == '<' && depth == 0:
			inID = true
		case r == '>' && depth == 0:
			inID = false
		case r == '(' && !inID:
			depth++
			continue
		case r == ')' && !inID && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}
