package app_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/inbox"
)

// relay is an SMTP relay on loopback that keeps what it is given.
type relay struct{ got chan []byte }

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct{ r *relay }

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *relaySession) Reset()                               {}
func (s *relaySession) Logout() error                        { return nil }
func (s *relaySession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err == nil {
		s.r.got <- raw
	}
	return err
}

func startRelay(t *testing.T) (string, chan []byte) {
	r := &relay{got: make(chan []byte, 8)}
	srv := smtp.NewServer(r)
	srv.Domain = "relay.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), r.got
}

// An agent's email reply is threaded under the customer's message, and the
// customer's answer to it finds its way back to the conversation even after
// it was resolved.
func TestEmailRepliesThread(t *testing.T) {
	relayAddr, got := startRelay(t)
	cfg := config.Server{Channels: config.Channels{Email: config.Email{SMTPAddr: "127.0.0.1:0", Domain: "shop.example",
		Accept: []string{"support@shop.example"}, Relay: relayAddr, From: "Shop Support <support@shop.example>", MaxBytes: 1 << 20}}}
	apptest.EachConfig(t, cfg, func(t *testing.T, s *apptest.Server) {
		agent := s.Token(t, auth.ScopeAgent)
		first := "From: Ann <ann@example.com>\r\nTo: support@shop.example\r\nSubject: Returns\r\n" +
			"Message-ID: <q1@mail.example.com>\r\n\r\nHow do I return a jacket?\r\n"
		if err := sendMail(s.App.SMTPAddr(), "ann@example.com", first); err != nil {
			t.Fatal(err)
		}
		waitMessages(t, s, 1)
		_, body := s.Do(t, "GET", "/api/v1/conversations", agent, nil)
		conv := apptest.DecodeJSON[inbox.Page](t, body).Conversations[0]
		if conv.Subject != "Returns" {
			t.Fatalf("conversation %+v", conv)
		}
		code, body := s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", agent, map[string]string{"body": "Bring it to any shop."})
		if code != 202 {
			t.Fatalf("reply: %d %s", code, body)
		}
		reply := apptest.DecodeJSON[inbox.Message](t, body)
		var raw []byte
		select {
		case raw = <-got:
		case <-time.After(15 * time.Second):
			t.Fatal("the relay got nothing within 15s")
		}
		m, err := email.Parse(strings.NewReader(string(raw)), email.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if m.MessageID != reply.ExternalID || !strings.HasPrefix(m.MessageID, reply.ID+"@") || m.Subject != "Re: Returns" ||
			len(m.InReplyTo) != 1 || m.InReplyTo[0] != "q1@mail.example.com" || m.To[0].Email != "ann@example.com" ||
			strings.TrimSpace(m.Text) != "Bring it to any shop." {
			t.Fatalf("sent mail: id %q (want %q) subject %q in-reply-to %v to %v text %q", m.MessageID, reply.ExternalID, m.Subject, m.InReplyTo, m.To, m.Text)
		}
		waitState(t, s, agent, conv.ID, reply.ID, inbox.StateSent)

		// Resolved; Ann answers the reply from her other address.
		s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/resolve", agent, nil)
		answer := "From: Ann <ann.work@example.org>\r\nTo: support@shop.example\r\nSubject: Re: Returns\r\n" +
			"Message-ID: <q2@mail.example.org>\r\nIn-Reply-To: <" + m.MessageID + ">\r\nReferences: <q1@mail.example.com> <" + m.MessageID + ">\r\n\r\n" +
			"Thanks, will do.\r\n\r\nOn Mon, Shop Support wrote:\r\n> Bring it to any shop.\r\n"
		if err := sendMail(s.App.SMTPAddr(), "ann.work@example.org", answer); err != nil {
			t.Fatal(err)
		}
		waitMessages(t, s, 3)
		_, body = s.Do(t, "GET", "/api/v1/conversations/"+conv.ID, agent, nil)
		view := apptest.DecodeJSON[struct {
			inbox.Conversation
			Messages []inbox.Message `json:"messages"`
		}](t, body)
		if view.Status != inbox.Open || len(view.Messages) != 3 || view.Messages[2].Body != "Thanks, will do." {
			t.Fatalf("threaded answer: %s", body)
		}
	})
}
