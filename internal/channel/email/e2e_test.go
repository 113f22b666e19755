package email

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSenderToServer(t *testing.T) {
	serverTLS, pool := testCert(t)
	tests := []struct {
		name string
		tls  bool
	}{{"plaintext loopback", false}, {"starttls", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			cfg := ServerConfig{}
			scfg := SenderConfig{}
			if tt.tls {
				cfg.TLSConfig = serverTLS
				scfg.TLSConfig = &tls.Config{RootCAs: pool}
			}
			_, addr := startServer(t, cfg, rec)
			scfg.Addr = addr
			sender := newTestSender(t, scfg)

			date := time.Date(2024, 1, 12, 15, 4, 5, 0, time.UTC)
			pdf := []byte("%PDF-1.4\n% invoice\n%%EOF\n")
			out := Outgoing{
				From:    Address{"Zoë at Omni Shop", "support@shop.example"},
				To:      []Address{{"Jane Customer", "jane@shop.example"}},
				Cc:      []Address{{"", "orders@shop.example"}},
				Bcc:     []Address{{"", "archive@shop.example"}},
				ReplyTo: []Address{{"Support", "help@shop.example"}},
				Subject: "Votre commande n°1042 est expédiée — merci !",
				Text:    "Bonjour Jane,\n\nVotre commande est en route.\n\n-- \nZoë",
				HTML:    "<p>Bonjour Jane,</p><p>Votre commande est <b>en route</b>.</p>",
				Date:    date,
				Attachments: []Attachment{{Filename: "facture n°1042.pdf", ContentType: "application/pdf",
					Data: pdf}},
			}
			id, err := sender.Send(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			msgs := rec.messages()
			if len(msgs) != 1 {
				t.Fatalf("receiver got %d messages", len(msgs))
			}
			m := msgs[0]
			if m.MessageID != id || m.From != out.From || !slices.Equal(m.To, out.To) ||
				!slices.Equal(m.Cc, out.Cc) || !slices.Equal(m.ReplyTo, out.ReplyTo) {
				t.Errorf("got id=%q from=%+v to=%+v cc=%+v replyTo=%+v", m.MessageID, m.From, m.To, m.Cc, m.ReplyTo)
			}
			if m.Subject != out.Subject || !m.Date.Equal(date) {
				t.Errorf("Subject=%q Date=%v", m.Subject, m.Date)
			}
			if m.Text != out.Text || m.HTML != out.HTML || m.VisibleText != "Bonjour Jane,\n\nVotre commande est en route." {
				t.Errorf("Text=%q HTML=%q VisibleText=%q", m.Text, m.HTML, m.VisibleText)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != "facture n°1042.pdf" ||
				m.Attachments[0].ContentType != "application/pdf" || string(m.Attachments[0].Data) != string(pdf) ||
				m.Attachments[0].Size != int64(len(pdf)) {
				t.Errorf("Attachments = %+v", m.Attachments)
			}
			wantRcpt := []string{"jane@shop.example", "orders@shop.example", "archive@shop.example"}
			if !slices.Equal(m.Envelope.To, wantRcpt) || m.Envelope.From != "support@shop.example" || m.Envelope.TLS != tt.tls {
				t.Errorf("Envelope = %+v", m.Envelope)
			}
			for _, a := range append(m.To, m.Cc...) {
				if a.Email == "archive@shop.example" {
					t.Error("Bcc recipient visible in the header")
				}
			}
		})
	}
}

func TestSendHTMLOnlyAddsTextAlternative(t *testing.T) {
	rec := &recorder{}
	_, addr := startServer(t, ServerConfig{}, rec)
	out := Outgoing{From: Address{"", "support@shop.example"}, To: []Address{{"", "jane@shop.example"}},
		Subject: "Hi", HTML: "<p>Hello <b>Jane</b></p><ul><li>Mug</li></ul>"}
	if _, err := newTestSender(t, SenderConfig{Addr: addr}).Send(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	m := rec.messages()[0]
	if m.Text != "Hello Jane\n\n- Mug" || m.HTML != out.HTML {
		t.Errorf("Text=%q HTML=%q", m.Text, m.HTML)
	}
}

func TestReplyThreadsBack(t *testing.T) {
	tests := []struct {
		fixture string
		to      Address
		subject string
		refs    []string
	}{
		{"gmail_reply.eml", Address{"Jane Customer", "jane.customer@gmail.com"}, "Re: Where is my order #1042?",
			[]string{"order-1042.support@shop.example", "reply-1.support@shop.example", "CAJk2PMB+9xq=7fY3tQm@mail.gmail.com"}},
		{"outlook_reply.eml", Address{"Bob Buyer", "bob@contoso.example"}, "RE: Refund for order 2001",
			[]string{"reply-2001.support@shop.example", "000001da4321$aabbccdd$ccddeeff@contoso.example"}},
		{"rfc5322_a11_simple.eml", Address{"John Doe", "jdoe@machine.example"}, "Re: Saying Hello",
			[]string{"1234@local.machine.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			orig, err := parseFixture(t, tt.fixture, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			_, addr := startServer(t, ServerConfig{AcceptDomains: []string{"gmail.com", "contoso.example", "machine.example"}}, rec)
			out := Reply(orig, Address{"Sam from Omni", "support@shop.example"}, "Sorry about that, a new one is on its way.", "")
			id, err := newTestSender(t, SenderConfig{Addr: addr}).Send(context.Background(), out)
			if err != nil {
				t.Fatal(err)
			}
			back := rec.messages()[0]
			if !slices.Equal(back.InReplyTo, []string{orig.MessageID}) || !slices.Equal(back.References, tt.refs) {
				t.Errorf("In-Reply-To=%q References=%q; want [%s] %q", back.InReplyTo, back.References, orig.MessageID, tt.refs)
			}
			if keys := back.ThreadKeys(); len(keys) == 0 || keys[0] != orig.MessageID {
				t.Errorf("ThreadKeys = %q, want %q first", keys, orig.MessageID)
			}
			if back.Subject != tt.subject || !slices.Equal(back.To, []Address{tt.to}) || back.MessageID != id {
				t.Errorf("Subject=%q To=%+v MessageID=%q", back.Subject, back.To, back.MessageID)
			}
		})
	}
}

func TestReplyUsesReplyTo(t *testing.T) {
	orig := &Message{From: Address{"Jane", "jane@example.com"}, ReplyTo: []Address{{"", "jane.alt@example.com"}},
		Subject: "  ", MessageID: "bad id with spaces", References: []string{"ok@x", "not valid"}}
	out := Reply(orig, Address{"", "support@shop.example"}, "hi", "")
	if !slices.Equal(out.To, orig.ReplyTo) || out.Subject != "Re:" || out.InReplyTo != "" ||
		!slices.Equal(out.References, []string{"ok@x"}) {
		t.Errorf("Reply = %+v", out)
	}
	if strings.Contains(strings.Join(out.References, " "), " ") {
		t.Error("invalid id kept")
	}
}
