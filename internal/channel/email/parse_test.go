package email

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseFixture(t *testing.T, name string, limits Limits) (*Message, error) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(bytes.NewReader(raw), limits)
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file       string
		from       Address
		to         []Address
		cc         []Address
		subject    string
		date       string
		messageID  string
		inReplyTo  []string
		references []string
		threadKeys []string
		text       string // substring of Text
		html       string // substring of HTML
		visible    string // exact VisibleText
	}{
		{
			file:      "rfc5322_a11_simple.eml",
			from:      Address{"John Doe", "jdoe@machine.example"},
			to:        []Address{{"Mary Smith", "mary@example.net"}},
			subject:   "Saying Hello",
			date:      "1997-11-21T09:55:06-06:00",
			messageID: "1234@local.machine.example",
			text:      "This is a message just to say hello.\nSo, \"Hello\".",
			visible:   "This is a message just to say hello.\nSo, \"Hello\".",
		},
		{
			file:       "rfc5322_a2_reply_to_reply.eml",
			from:       Address{"John Doe", "jdoe@machine.example"},
			to:         []Address{{"Mary Smith: Personal Account", "smith@home.example"}},
			subject:    "Re: Saying Hello",
			date:       "1997-11-21T11:00:00-06:00",
			messageID:  "abcd.1234@local.machine.example",
			inReplyTo:  []string{"3456@example.net"},
			references: []string{"1234@local.machine.example", "3456@example.net"},
			threadKeys: []string{"3456@example.net", "1234@local.machine.example"},
			visible:    "This is a reply to your reply.",
		},
		{
			file:    "rfc2046_mixed.eml",
			from:    Address{"Nathaniel Borenstein", "nsb@bellcore.com"},
			to:      []Address{{"Ned Freed", "ned@innosoft.com"}},
			subject: "Sample message",
			date:    "1993-03-21T23:56:48-08:00",
			visible: "This is implicitly typed plain US-ASCII text.\nIt does NOT end with a linebreak.\n" +
				"This is explicitly typed plain US-ASCII text.\nIt DOES end with a linebreak.",
		},
		{
			file:      "alternative.eml",
			from:      Address{"Ana Souza", "ana.souza@example.org"},
			to:        []Address{{"Omni Shop", "hello@shop.example"}},
			cc:        []Address{{"", "ana.partner@example.org"}},
			subject:   "Question about the linen shirt",
			date:      "2024-01-06T14:20:11Z",
			messageID: "5f1c2a9e-0d1b-4c1e-9a57-3e0d2b7c9f10@mail.example.org",
			html:      "<b>linen shirt</b>",
			visible:   "Hi,\n\nDoes the linen shirt come in size XL?\n\nThanks,\nAna",
		},
		{
			file:       "gmail_reply.eml",
			from:       Address{"Jane Customer", "jane.customer@gmail.com"},
			to:         []Address{{"Omni Shop Support", "support@shop.example"}},
			subject:    "Re: Where is my order #1042?",
			date:       "2024-01-08T18:03:21+01:00",
			messageID:  "CAJk2PMB+9xq=7fY3tQm@mail.gmail.com",
			inReplyTo:  []string{"reply-1.support@shop.example"},
			references: []string{"order-1042.support@shop.example", "reply-1.support@shop.example"},
			threadKeys: []string{"reply-1.support@shop.example", "order-1042.support@shop.example"},
			text:       "> Your order #1042 shipped yesterday",
			html:       `<blockquote class="gmail_quote"`,
			visible:    "Thanks! It arrived today, but the blue mug is missing.\nCould you send it separately?\n\nJane",
		},
		{
			file:       "outlook_reply.eml",
			from:       Address{"Bob Buyer", "bob@contoso.example"},
			to:         []Address{{"", "support@shop.example"}},
			subject:    "RE: Refund for order 2001",
			date:       "2024-01-09T10:15:00Z",
			messageID:  "000001da4321$aabbccdd$ccddeeff@contoso.example",
			inReplyTo:  []string{"reply-2001.support@shop.example"},
			threadKeys: []string{"reply-2001.support@shop.example"},
			text:       "-----Original Message-----",
			visible:    "Hello,\n\nI still have not received the refund. Please check again.\n\nRegards,\nBob",
		},
		{
			file:       "outlook_html.eml",
			from:       Address{"Claire Dupré", "claire@example.fr"},
			to:         []Address{{"Omni Shop Support", "support@shop.example"}},
			subject:    "RE: Your order 3003",
			date:       "2024-01-09T09:41:52Z",
			messageID:  "PR3P193MB0845A1B2C3D4E5F6@PR3P193MB0845.EURP193.PROD.OUTLOOK.COM",
			inReplyTo:  []string{"reply-3003.support@shop.example"},
			references: []string{"reply-3003.support@shop.example"},
			threadKeys: []string{"reply-3003.support@shop.example"},
			text:       "Sent: Tuesday, January 9, 2024 08:00\nTo: Claire Dupré <claire@example.fr>",
			html:       "Merci, Claire Dupré</div>",
			visible:    "Can I change the delivery address to 5 Rue de la Paix?\nMerci, Claire Dupré",
		},
		{
			file:      "latin1_qp.eml",
			from:      Address{"André Grün", "andre@example.de"},
			to:        []Address{{"", "support@shop.example"}},
			subject:   "Rücksendung für Bestellung 4004",
			date:      "2024-01-11T09:30:00+01:00",
			messageID: "latin1-4004@example.de",
			text:      "sie ist zu groß. Bitte senden Sie mir ein Rücksendeetikett.",
			visible: "Guten Tag,\n\nich möchte die Jacke (Größe M) zurückschicken, sie ist zu groß. " +
				"Bitte senden Sie mir ein Rücksendeetikett.\n\nMit freundlichen Grüßen\nAndré",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := parseFixture(t, tt.file, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.From != tt.from {
				t.Errorf("From = %+v, want %+v", m.From, tt.from)
			}
			if !slices.Equal(m.To, tt.to) || !slices.Equal(m.Cc, tt.cc) {
				t.Errorf("To, Cc = %+v, %+v; want %+v, %+v", m.To, m.Cc, tt.to, tt.cc)
			}
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if want, _ := time.Parse(time.RFC3339, tt.date); !m.Date.Equal(want) {
				t.Errorf("Date = %v, want %v", m.Date, want)
			}
			if m.MessageID != tt.messageID {
				t.Errorf("MessageID = %q, want %q", m.MessageID, tt.messageID)
			}
			if !slices.Equal(m.InReplyTo, tt.inReplyTo) || !slices.Equal(m.References, tt.references) {
				t.Errorf("InReplyTo, References = %q, %q; want %q, %q", m.InReplyTo, m.References, tt.inReplyTo, tt.references)
			}
			if got := m.ThreadKeys(); !slices.Equal(got, tt.threadKeys) {
				t.Errorf("ThreadKeys = %q, want %q", got, tt.threadKeys)
			}
			if !strings.Contains(m.Text, tt.text) {
				t.Errorf("Text = %q, want it to contain %q", m.Text, tt.text)
			}
			if !strings.Contains(m.HTML, tt.html) || (tt.html == "") != (m.HTML == "") {
				t.Errorf("HTML = %q, want it to contain %q", m.HTML, tt.html)
			}
			if m.VisibleText != tt.visible {
				t.Errorf("VisibleText = %q, want %q", m.VisibleText, tt.visible)
			}
			if m.Size <= 0 {
				t.Errorf("Size = %d", m.Size)
			}
		})
	}
}

func TestParseAttachments(t *testing.T) {
	m, err := parseFixture(t, "attachment.eml", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	png, _ := os.ReadFile("testdata/attachment_png.bin")
	pdf, _ := os.ReadFile("testdata/attachment_pdf.bin")
	want := []Attachment{
		{Filename: "photo.png", ContentType: "image/png", ContentID: "photo1@example.cn", Inline: true, Size: int64(len(png)), Data: png},
		{Filename: "reçu №1.pdf", ContentType: "application/pdf", Size: int64(len(pdf)), Data: pdf},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("got %d attachments, want %d", len(m.Attachments), len(want))
	}
	for i, a := range m.Attachments {
		w := want[i]
		if a.Filename != w.Filename || a.ContentType != w.ContentType || a.ContentID != w.ContentID ||
			a.Inline != w.Inline || a.Size != w.Size || !bytes.Equal(a.Data, w.Data) {
			t.Errorf("attachment %d = %+v, want %+v", i, a, w)
		}
	}
	if m.Text != "The vase arrived broken, see the photo:" {
		t.Errorf("Text (from HTML) = %q", m.Text)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		what   string
	}{
		{"per attachment", Limits{MaxAttachmentBytes: 80}, "attachment"},
		{"total", Limits{MaxAttachmentBytes: 100, MaxTotalAttachmentBytes: 120}, "attachments total"},
		{"text", Limits{MaxTextBytes: 20}, "text body"},
		{"parts", Limits{MaxParts: 3}, "number of MIME parts"},
		{"depth", Limits{MaxDepth: 1}, "multipart nesting depth"},
		{"header", Limits{MaxHeaderBytes: 64}, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFixture(t, "attachment.eml", tt.limits)
			var le *LimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want *LimitError", err)
			}
			if le.What != tt.what {
				t.Errorf("What = %q, want %q (%v)", le.What, tt.what, err)
			}
		})
	}
	if _, err := parseFixture(t, "attachment.eml", Limits{MaxAttachmentBytes: 97, MaxTotalAttachmentBytes: 167}); err != nil {
		t.Errorf("limits equal to the sizes must pass: %v", err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct{ file, where string }{
		{"malformed_no_boundary.eml", "part 1"},
		{"malformed_truncated.eml", "part 1.1 body"},
		{"malformed_base64.eml", "part 1.2 body"},
		{"malformed_header.eml", "header"},
		{"malformed_no_from.eml", "From"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := parseFixture(t, tt.file, Limits{})
			var me *MalformedError
			if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse = %v, %v; want *MalformedError", m, err)
			}
			if me.Where != tt.where {
				t.Errorf("Where = %q, want %q (%v)", me.Where, tt.where, err)
			}
		})
	}
}

func TestParseLenientHeaders(t *testing.T) {
	raw := "From: sender@example.com\r\n" +
		"To: undisclosed-recipients:;\r\n" +
		"Subject: =?x-unknown?Q?abc?=\r\n" +
		"Date: yesterday\r\n" +
		"Message-ID: no-brackets@example.com\r\n" +
		"In-Reply-To: <a@x> (comment <not-an-id@y>)\r\n" +
		"References: <a@x>\r\n <b@x>,<a@x>\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"Content-Type: text/plain; charset=x-unknown-charset\r\n" +
		"\r\nbody \xff\xfe bytes\r\n"
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != "no-brackets@example.com" || !slices.Equal(m.InReplyTo, []string{"a@x"}) ||
		!slices.Equal(m.References, []string{"a@x", "b@x"}) {
		t.Errorf("ids = %q %q %q", m.MessageID, m.InReplyTo, m.References)
	}
	if !m.Date.IsZero() || len(m.To) != 0 || !m.AutoSubmitted {
		t.Errorf("Date=%v To=%v AutoSubmitted=%v", m.Date, m.To, m.AutoSubmitted)
	}
	if m.Text != "body \uFFFD bytes" {
		t.Errorf("Text = %q", m.Text)
	}
}
