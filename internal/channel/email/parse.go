package email

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	// The charset package registers decoders for the common non-UTF-8
	// charsets (ISO-8859-*, Windows-125*, Shift_JIS, GB18030, …) with
	// go-message; without it those bodies could not be decoded.
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
)

// Parse reads one RFC 5322 message from r and returns its parsed form. A
// message that is not valid MIME yields a *MalformedError; content over limits
// yields a *LimitError. Text is always valid UTF-8 with "\n" line endings and
// no trailing white space; an unknown charset is not an error (the bytes are
// kept, invalid sequences replaced).
func Parse(r io.Reader, limits Limits) (*Message, error) {
	limits = limits.withDefaults()
	cr := &countingReader{r: r}
	e, err := message.ReadWithOptions(cr, &message.ReadOptions{MaxHeaderBytes: limits.MaxHeaderBytes})
	if e == nil {
		if err == nil {
			err = errors.New("no message")
		}
		if cr.n >= limits.MaxHeaderBytes {
			return nil, &LimitError{What: "header", Limit: limits.MaxHeaderBytes}
		}
		return nil, &MalformedError{Where: "header", Err: err}
	}
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, &MalformedError{Where: "body", Err: err}
	}
	m := &Message{}
	if err := parseHeader(mail.Header{Header: e.Header}, m); err != nil {
		return nil, err
	}
	p := &parser{limits: limits, msg: m, altSeen: map[string]bool{}}
	if err := p.walk(e, "1", 0, ""); err != nil {
		return nil, err
	}
	m.Text = strings.TrimRight(normalizeNewlines(p.text.String()), " \t\n")
	if m.Text == "" && p.html.Len() > 0 {
		m.Text = htmlToText(p.html.String())
	}
	m.HTML = p.html.String()
	m.VisibleText = VisibleText(m.Text)
	m.Size = cr.n
	return m, nil
}

// parseHeader fills m from the top-level header. Only From is required;
// other unreadable fields are left empty rather than refusing the message.
func parseHeader(h mail.Header, m *Message) error {
	from, err := h.AddressList("From")
	if err != nil {
		return &MalformedError{Where: "From", Err: err}
	}
	if len(from) == 0 {
		return &MalformedError{Where: "From", Err: errors.New("missing sender")}
	}
	m.From = toAddress(from[0])
	m.ReplyTo = addressList(h, "Reply-To")
	m.To = addressList(h, "To")
	m.Cc = addressList(h, "Cc")
	subject, err := h.Subject()
	if err != nil {
		subject = h.Get("Subject")
	}
	m.Subject = strings.TrimSpace(validUTF8(subject))
	if d, err := h.Date(); err == nil {
		m.Date = d
	}
	if ids := normalizeIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = validUTF8(ids[0])
	}
	m.InReplyTo = validIDs(normalizeIDs(h.Get("In-Reply-To")))
	m.References = validIDs(normalizeIDs(h.Get("References")))
	m.AutoSubmitted = isAutoSubmitted(h)
	return nil
}

func isAutoSubmitted(h mail.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" {
		return true
	}
	t, _, _ := h.ContentType()
	return strings.EqualFold(t, "multipart/report")
}

func addressList(h mail.Header, key string) []Address {
	list, err := h.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]Address, 0, len(list))
	for _, a := range list {
		out = append(out, toAddress(a))
	}
	return out
}

func toAddress(a *mail.Address) Address {
	return Address{Name: validUTF8(a.Name), Email: validUTF8(a.Address)}
}

func validIDs(ids []string) []string {
	for i, id := range ids {
		ids[i] = validUTF8(id)
	}
	return ids
}

// parser accumulates the bodies and attachments of one message.
type parser struct {
	limits     Limits
	msg        *Message
	parts      int
	textBytes  int64
	attachSize int64
	text, html strings.Builder
	// altSeen records "alternative path + media type" already taken, so only
	// the first text/plain and text/html of a multipart/alternative are used.
	altSeen map[string]bool
}

func (p *parser) walk(e *message.Entity, path string, depth int, alt string) error {
	p.parts++
	if p.parts > p.limits.MaxParts {
		return &LimitError{What: "number of MIME parts", Limit: int64(p.limits.MaxParts)}
	}
	mt, params, err := contentType(e.Header)
	if err != nil {
		return &MalformedError{Where: "part " + path + " Content-Type", Err: err}
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return p.leaf(e, mt, path, alt)
	}
	if depth >= p.limits.MaxDepth {
		return &LimitError{What: "multipart nesting depth", Limit: int64(p.limits.MaxDepth)}
	}
	if params["boundary"] == "" {
		return &MalformedError{Where: "part " + path, Err: errors.New("multipart without boundary parameter")}
	}
	if mt == "multipart/alternative" {
		alt = path
	}
	mr := e.MultipartReader()
	defer mr.Close()
	for i := 1; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		child := fmt.Sprintf("%s.%d", path, i)
		if err != nil && !message.IsUnknownCharset(err) {
			return &MalformedError{Where: "part " + child, Err: err}
		}
		if err := p.walk(part, child, depth+1, alt); err != nil {
			return err
		}
	}
}

func (p *parser) leaf(e *message.Entity, mt, path, alt string) error {
	disp, _, _ := e.Header.ContentDisposition()
	disp = strings.ToLower(disp)
	ah := mail.AttachmentHeader{Header: e.Header}
	filename, _ := ah.Filename()
	// A text part is the body unless it is marked or named as a file.
	if (mt == "text/plain" || mt == "text/html") && disp != "attachment" && filename == "" {
		return p.body(e, mt, path, alt)
	}
	limit := p.limits.MaxAttachmentBytes
	remaining := p.limits.MaxTotalAttachmentBytes - p.attachSize
	data, over, err := readLimited(e.Body, min(limit, remaining))
	if err != nil {
		return &MalformedError{Where: "part " + path + " body", Err: err}
	}
	if over {
		if remaining < limit {
			return &LimitError{What: "attachments total", Limit: p.limits.MaxTotalAttachmentBytes}
		}
		return &LimitError{What: "attachment", Name: validUTF8(filename), Limit: limit}
	}
	p.attachSize += int64(len(data))
	var cid string
	if ids := normalizeIDs(e.Header.Get("Content-Id")); len(ids) > 0 {
		cid = validUTF8(ids[0])
	}
	p.msg.Attachments = append(p.msg.Attachments, Attachment{
		Filename:    validUTF8(filename),
		ContentType: mt,
		ContentID:   cid,
		Inline:      disp == "inline",
		Size:        int64(len(data)),
		Data:        data,
	})
	return nil
}

func (p *parser) body(e *message.Entity, mt, path, alt string) error {
	data, over, err := readLimited(e.Body, p.limits.MaxTextBytes-p.textBytes)
	if err != nil {
		return &MalformedError{Where: "part " + path + " body", Err: err}
	}
	if over {
		return &LimitError{What: "text body", Limit: p.limits.MaxTextBytes}
	}
	if alt != "" {
		key := alt + " " + mt
		if p.altSeen[key] {
			return nil
		}
		p.altSeen[key] = true
	}
	p.textBytes += int64(len(data))
	dst := &p.text
	if mt == "text/html" {
		dst = &p.html
	}
	if dst.Len() > 0 {
		dst.WriteString("\n")
	}
	dst.WriteString(validUTF8(string(data)))
	return nil
}

// contentType parses a part's Content-Type. A missing field means text/plain
// (RFC 2045 section 5.2); a field with a broken parameter keeps its media
// type without parameters.
func contentType(h message.Header) (string, map[string]string, error) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}, nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if errors.Is(err, mime.ErrInvalidMediaParameter) {
		return strings.ToLower(mt), map[string]string{}, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("%q: %w", v, err)
	}
	return mt, params, nil
}

// readLimited reads r to the end, reporting over when it holds more than
// limit bytes.
func readLimited(r io.Reader, limit int64) (data []byte, over bool, err error) {
	if limit < 0 {
		limit = 0
	}
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return nil, true, nil
	}
	return data, false, nil
}

func validUTF8(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
