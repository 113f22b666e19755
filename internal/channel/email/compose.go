package email

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// Outgoing is a message to send through a Sender.
type Outgoing struct {
	From    Address
	To      []Address
	Cc      []Address
	Bcc     []Address // receive the message without appearing in its header
	ReplyTo []Address
	Subject string
	// Text is the plain-text body. When only HTML is given, a text
	// alternative is derived from it.
	Text string
	// HTML is an optional HTML body, sent as a multipart/alternative with Text.
	HTML string
	// MessageID (without angle brackets) is generated on the Sender's domain
	// when empty.
	MessageID string
	// InReplyTo and References (ids without angle brackets) thread a reply in
	// the recipient's mail client.
	InReplyTo  string
	References []string
	// Date defaults to the time of sending.
	Date        time.Time
	Attachments []Attachment
}

// Reply returns an Outgoing that answers orig from the given address: it is
// addressed to orig's Reply-To (or From), its subject gets a "Re: " prefix,
// and In-Reply-To and References point at orig so that the customer's mail
// client threads it (RFC 5322 section 3.6.4).
func Reply(orig *Message, from Address, text, html string) Outgoing {
	to := orig.ReplyTo
	if len(to) == 0 {
		to = []Address{orig.From}
	}
	out := Outgoing{
		From:    from,
		To:      append([]Address(nil), to...),
		Subject: replySubject(orig.Subject),
		Text:    text,
		HTML:    html,
	}
	refs := orig.References
	if len(refs) == 0 {
		refs = orig.InReplyTo
	}
	for _, id := range refs {
		if validMessageID(id) == nil && id != orig.MessageID {
			out.References = append(out.References, id)
		}
	}
	if validMessageID(orig.MessageID) == nil {
		out.InReplyTo = orig.MessageID
		out.References = append(out.References, orig.MessageID)
	}
	return out
}

func replySubject(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return s
	}
	if s == "" {
		return "Re:"
	}
	return "Re: " + s
}

// recipients returns the envelope recipients: To, Cc and Bcc.
func (o *Outgoing) recipients() []string {
	var rcpts []string
	for _, list := range [][]Address{o.To, o.Cc, o.Bcc} {
		for _, a := range list {
			rcpts = append(rcpts, a.Email)
		}
	}
	return rcpts
}

// validate checks what would otherwise produce a broken or injectable header.
func (o *Outgoing) validate() error {
	if err := validAddress(o.From); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if len(o.To)+len(o.Cc)+len(o.Bcc) == 0 {
		return errors.New("no recipients")
	}
	for _, list := range [][]Address{o.To, o.Cc, o.Bcc, o.ReplyTo} {
		for _, a := range list {
			if err := validAddress(a); err != nil {
				return fmt.Errorf("recipient: %w", err)
			}
		}
	}
	if o.Text == "" && o.HTML == "" {
		return errors.New("empty body: neither text nor HTML given")
	}
	ids := append([]string{o.MessageID, o.InReplyTo}, o.References...)
	for i, id := range ids {
		if id == "" && i < 2 {
			continue
		}
		if err := validMessageID(id); err != nil {
			return err
		}
	}
	return nil
}

func validAddress(a Address) error {
	if strings.ContainsAny(a.Email, "\r\n<>") {
		return fmt.Errorf("invalid address %q", a.Email)
	}
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email {
		return fmt.Errorf("invalid address %q", a.Email)
	}
	return nil
}

func validMessageID(id string) error {
	if id == "" || strings.ContainsAny(id, "<> \t\r\n") || !strings.Contains(id, "@") {
		return fmt.Errorf("invalid message id %q", id)
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return fmt.Errorf("invalid message id %q", id)
		}
	}
	return nil
}

// newMessageID returns a random message id on domain.
func newMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:]) + "@" + domain
}

// compose renders o as an RFC 5322 / MIME message and returns it with its
// Message-ID.
func (o *Outgoing) compose(domain string, now time.Time) ([]byte, string, error) {
	if err := o.validate(); err != nil {
		return nil, "", err
	}
	id := o.MessageID
	if id == "" {
		id = newMessageID(domain)
	}
	date := o.Date
	if date.IsZero() {
		date = now
	}
	var h gomail.Header
	h.SetDate(date)
	h.SetAddressList("From", toMailList([]Address{o.From}))
	h.SetAddressList("To", toMailList(o.To))
	h.SetAddressList("Cc", toMailList(o.Cc))
	h.SetAddressList("Reply-To", toMailList(o.ReplyTo))
	h.SetSubject(o.Subject)
	h.SetMessageID(id)
	if o.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{o.InReplyTo})
	}
	h.SetMsgIDList("References", o.References)

	text := o.Text
	if text == "" {
		text = htmlToText(o.HTML)
	}
	var buf bytes.Buffer
	if err := writeBody(&buf, h, text, o.HTML, o.Attachments); err != nil {
		return nil, "", fmt.Errorf("compose message: %w", err)
	}
	return buf.Bytes(), id, nil
}

func writeBody(w io.Writer, h gomail.Header, text, html string, atts []Attachment) error {
	if len(atts) == 0 && html == "" {
		h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		wc, err := gomail.CreateSingleInlineWriter(w, h)
		if err != nil {
			return err
		}
		return writeClose(wc, text)
	}
	if len(atts) == 0 {
		iw, err := gomail.CreateInlineWriter(w, h)
		if err != nil {
			return err
		}
		return writeAlternatives(iw, text, html)
	}
	mw, err := gomail.CreateWriter(w, h)
	if err != nil {
		return err
	}
	if html == "" {
		var ih gomail.InlineHeader
		ih.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		wc, err := mw.CreateSingleInline(ih)
		if err != nil {
			return err
		}
		if err := writeClose(wc, text); err != nil {
			return err
		}
	} else {
		iw, err := mw.CreateInline()
		if err != nil {
			return err
		}
		if err := writeAlternatives(iw, text, html); err != nil {
			return err
		}
	}
	for _, a := range atts {
		if err := writeAttachment(mw, a); err != nil {
			return err
		}
	}
	return mw.Close()
}

func writeAlternatives(iw *gomail.InlineWriter, text, html string) error {
	for _, p := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", html}} {
		var ih gomail.InlineHeader
		ih.SetContentType(p.typ, map[string]string{"charset": "utf-8"})
		wc, err := iw.CreatePart(ih)
		if err != nil {
			return err
		}
		if err := writeClose(wc, p.body); err != nil {
			return err
		}
	}
	return iw.Close()
}

func writeAttachment(mw *gomail.Writer, a Attachment) error {
	var ah gomail.AttachmentHeader
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	ah.SetContentType(ct, nil)
	disp := "attachment"
	if a.Inline {
		disp = "inline"
	}
	params := map[string]string{}
	if a.Filename != "" {
		params["filename"] = a.Filename
	}
	// mime.FormatMediaType writes a non-ASCII filename in RFC 2231 form.
	ah.Set("Content-Disposition", mime.FormatMediaType(disp, params))
	if a.ContentID != "" {
		if err := validMessageID(a.ContentID); err != nil {
			return fmt.Errorf("attachment %q content id: %w", a.Filename, err)
		}
		ah.Set("Content-Id", "<"+a.ContentID+">")
	}
	wc, err := mw.CreateAttachment(ah)
	if err != nil {
		return err
	}
	if _, err := wc.Write(a.Data); err != nil {
		return err
	}
	return wc.Close()
}

// writeClose writes text with CRLF line endings and closes wc.
func writeClose(wc io.WriteCloser, text string) error {
	text = strings.ReplaceAll(normalizeNewlines(text), "\n", "\r\n")
	if _, err := io.WriteString(wc, text); err != nil {
		return err
	}
	return wc.Close()
}

func toMailList(list []Address) []*gomail.Address {
	out := make([]*gomail.Address, 0, len(list))
	for _, a := range list {
		out = append(out, &gomail.Address{Name: a.Name, Address: a.Email})
	}
	return out
}
