package app_test

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/inbox"
)

func channelsConfig(sendAPIURL string) config.Server {
	return config.Server{Channels: config.Channels{
		Messenger: config.Messenger{AppSecret: appSecret, VerifyToken: verifyToken, PageToken: pageToken,
			PageUsername: "omnishop", APIBase: sendAPIURL},
		Email: config.Email{SMTPAddr: "127.0.0.1:0", Domain: "shop.example", Accept: []string{"shop.example"}, MaxBytes: 64 << 10},
	}}
}

// The brief's example: a visitor asks in the website chat and leaves; later
// they write on Messenger through the "Continue on Messenger" link and by
// email from the address they gave. The agent sees one thread and answers
// on Messenger.
func TestServiceContinuityAcrossChannels(t *testing.T) {
	api := newSendAPI(t)
	apptest.EachConfig(t, channelsConfig(api.URL), func(t *testing.T, s *apptest.Server) {
		agent := s.Token(t, auth.ScopeAgent)
		events := openStream(t, s, agent)
		code, body := s.Do(t, "POST", "/api/v1/sources", s.Admin, map[string]string{"name": "Website chat", "channel": "chat"})
		if code != 201 {
			t.Fatalf("create source: %d %s", code, body)
		}
		key := apptest.DecodeJSON[auth.Source](t, body).WriteKey

		// 1. The website chat.
		w, history := openWidget(t, s, key, "anon-ann", "")
		if len(history) != 0 {
			t.Fatalf("new visitor got history %+v", history)
		}
		w.send(widgetFrame{Type: "message", ClientID: "c1", Body: "Is the blue jacket in stock in M?"})
		ack := w.expect("ack")
		if ack.ClientID != "c1" || ack.Message == nil || ack.Message.ID == "" {
			t.Fatalf("ack = %+v", ack)
		}
		w.send(widgetFrame{Type: "identify", Email: "Ann@Example.com"})
		w.expect("identified")
		w.send(widgetFrame{Type: "handoff", Channel: "messenger"})
		link := w.expect("handoff")
		u, err := url.Parse(link.URL)
		if err != nil || u.Host != "m.me" || u.Path != "/omnishop" || u.Query().Get("ref") == "" {
			t.Fatalf("hand-off link %q", link.URL)
		}
		w.ws.CloseNow() // the visitor leaves
		webMsg := nextMessage(t, events)

		// 2. Messenger, through the link: the referral, then a message.
		psid := "24023512345678901"
		status := postMessenger(t, s, fixture(t, "messenger_referral.json", "REF_DATA_PASSED_IN_M.ME_PARAM", u.Query().Get("ref"), "PSID", psid), appSecret)
		if status != 200 {
			t.Fatalf("referral webhook: %d", status)
		}
		msgBody := fixture(t, "messenger_message.json", "PSID", psid, "hello, world!", "Hi, it's me from the website chat.")
		if status := postMessenger(t, s, msgBody, appSecret); status != 200 {
			t.Fatalf("message webhook: %d", status)
		}
		fbMsg := nextMessage(t, events)

		// 3. Email from the address given in the chat, over SMTP.
		mail := "From: Ann <ann@example.com>\r\nTo: support@shop.example\r\nSubject: Blue jacket\r\n" +
			"Message-ID: <ann-1@mail.example.com>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nAnd by email: size M please.\r\n"
		if err := sendMail(s.App.SMTPAddr(), "ann@example.com", mail); err != nil {
			t.Fatalf("send mail: %v", err)
		}
		mailMsg := nextMessage(t, events)

		// The agent's view: one conversation, three channels.
		code, body = s.Do(t, "GET", "/api/v1/conversations?status=open", agent, nil)
		list := apptest.DecodeJSON[inbox.Page](t, body)
		if code != 200 || len(list.Conversations) != 1 {
			t.Fatalf("open conversations: %d %s", code, body)
		}
		conv := list.Conversations[0]
		code, body = s.Do(t, "GET", "/api/v1/conversations/"+conv.ID, agent, nil)
		view := apptest.DecodeJSON[httpapi.ConversationView](t, body)
		if code != 200 || len(view.Messages) != 3 {
			t.Fatalf("conversation view: %d %s", code, body)
		}
		for i, want := range []struct{ id, channel, body string }{
			{webMsg.ID, "chat", "Is the blue jacket in stock in M?"},
			{fbMsg.ID, "messenger", "Hi, it's me from the website chat."},
			{mailMsg.ID, "email", "And by email: size M please."},
		} {
			m := view.Messages[i]
			if m.ID != want.id || m.Channel != want.channel || m.Body != want.body || m.ConversationID != conv.ID {
				t.Errorf("message %d = %+v, want %+v", i, m, want)
			}
		}
		idents := map[string]string{}
		for _, i := range view.Customer.Identities {
			idents[string(i.Type)] = i.Value
		}
		if idents["anonymous_id"] != "anon-ann" || idents["email"] != "ann@example.com" || idents["messenger_psid"] != psid {
			t.Fatalf("customer identities %v", idents)
		}
		if view.Customer.Profile.ID != conv.CustomerID || view.Customer.Commerce != nil {
			t.Fatalf("customer panel %+v", view.Customer)
		}

		// The agent answers on Messenger, through the Send API.
		code, body = s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", agent,
			map[string]string{"body": "Yes, M is in stock. Shall I reserve one?", "channel": "messenger"})
		reply := apptest.DecodeJSON[inbox.Message](t, body)
		if code != 202 || reply.State != inbox.StateQueued || reply.Address != psid {
			t.Fatalf("reply: %d %s", code, body)
		}
		select {
		case req := <-api.got:
			if req.Recipient.ID != psid || req.Message.Text != "Yes, M is in stock. Shall I reserve one?" || req.MessagingType != "RESPONSE" {
				t.Fatalf("send API got %+v", req)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the reply did not reach the Send API within 15s")
		}
		sent, after := waitState(t, s, agent, conv.ID, reply.ID, inbox.StateSent)
		if !strings.HasPrefix(sent.ExternalID, "m_sent_") || after.FirstResponseAt == nil {
			t.Fatalf("sent reply %+v, first response %v", sent, after.FirstResponseAt)
		}
	})
}

// waitState polls the conversation until the message reaches state.
func waitState(t *testing.T, s *apptest.Server, token, convID, msgID string, state inbox.State) (inbox.Message, httpapi.ConversationView) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		_, body := s.Do(t, "GET", "/api/v1/conversations/"+convID, token, nil)
		view := apptest.DecodeJSON[httpapi.ConversationView](t, body)
		for _, m := range view.Messages {
			if m.ID == msgID && m.State == state {
				return m, view
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, body := s.Do(t, "GET", "/api/v1/conversations/"+convID, token, nil)
	t.Fatalf("message %s did not reach %s: %s", msgID, state, body)
	return inbox.Message{}, httpapi.ConversationView{}
}

func TestMessengerWebhookSecurity(t *testing.T) {
	api := newSendAPI(t)
	apptest.EachConfig(t, channelsConfig(api.URL), func(t *testing.T, s *apptest.Server) {
		count := func() int {
			var n int
			s.App.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM messages").Scan(&n)
			return n
		}
		body := fixture(t, "messenger_message.json", "PSID", "998877")
		for name, secret := range map[string]string{"wrong secret": "not-the-secret", "empty secret": ""} {
			if status := postMessenger(t, s, body, secret); status != 403 {
				t.Errorf("%s: status %d, want 403", name, status)
			}
		}
		code, _ := s.Do(t, "POST", "/hooks/messenger", "", string(body)) // no signature at all
		if code != 403 || count() != 0 {
			t.Fatalf("unsigned: %d, %d messages stored", code, count())
		}
		for range 3 { // Meta retries: stored once
			if status := postMessenger(t, s, body, appSecret); status != 200 {
				t.Fatalf("signed: %d", status)
			}
		}
		if n := count(); n != 1 {
			t.Fatalf("%d messages after a replayed webhook, want 1", n)
		}
		if status := postMessenger(t, s, []byte(`{"object":"page","entry":[{`), appSecret); status != 400 {
			t.Fatalf("malformed JSON: %d, want 400", status)
		}
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1158201444"}}
		code, got := s.Do(t, "GET", "/hooks/messenger?"+q.Encode(), "", nil)
		if code != 200 || string(got) != "1158201444" {
			t.Fatalf("handshake: %d %q", code, got)
		}
		q.Set("hub.verify_token", "guess")
		if code, _ := s.Do(t, "GET", "/hooks/messenger?"+q.Encode(), "", nil); code != 403 {
			t.Fatalf("handshake with a wrong token: %d", code)
		}
	})
}

func TestInboundMailRejectedWithSMTPCodes(t *testing.T) {
	api := newSendAPI(t)
	apptest.EachConfig(t, channelsConfig(api.URL), func(t *testing.T, s *apptest.Server) {
		big := "From: bob@example.com\r\nTo: support@shop.example\r\nSubject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 78)+"\r\n", 1000)
		malformed := strings.ReplaceAll(string(fixture(t, "malformed_no_boundary.eml")), "\n", "\r\n")
		for _, tc := range []struct {
			name, mail string
			code       int
		}{
			{"oversized", big, 552},
			{"malformed MIME", malformed, 554},
			{"no sender", "To: support@shop.example\r\nSubject: who\r\n\r\nhi\r\n", 554},
		} {
			err := sendMail(s.App.SMTPAddr(), "bob@example.com", tc.mail)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Errorf("%s: %v, want SMTP %d", tc.name, err, tc.code)
			}
		}
		ok := "From: bob@example.com\r\nTo: support@shop.example\r\nMessage-ID: <b1@example.com>\r\nSubject: fine\r\n\r\nhello\r\n"
		for range 2 { // a relay retrying: stored once
			if err := sendMail(s.App.SMTPAddr(), "bob@example.com", ok); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		s.App.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM messages").Scan(&n)
		if n != 1 {
			t.Fatalf("%d messages stored, want 1", n)
		}
	})
}

// sendMail delivers raw over SMTP to addr, as a sending mail server would.
func sendMail(addr, from, raw string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mail.example.com"); err != nil {
		return err
	}
	if err := c.SendMail(from, []string{"support@shop.example"}, bytes.NewReader([]byte(raw))); err != nil {
		return err
	}
	return c.Quit()
}

// A visitor new to the Page taps Get Started on the m.me link: the
// referral comes inside the postback, and the postback joins the chat.
func TestMessengerGetStartedJoinsTheVisitor(t *testing.T) {
	api := newSendAPI(t)
	apptest.EachConfig(t, channelsConfig(api.URL), func(t *testing.T, s *apptest.Server) {
		key := createSource(t, s, "chat")
		w, _ := openWidget(t, s, key, "anon-gs", "")
		w.send(widgetFrame{Type: "message", ClientID: "c1", Body: "Can we talk on Messenger?"})
		chat := w.expect("ack").Message.ID
		w.send(widgetFrame{Type: "handoff", Channel: "messenger"})
		u, _ := url.Parse(w.expect("handoff").URL)
		body := fixture(t, "messenger_postbacks.json", "USER-DEFINED-REFERRAL-PARAM", u.Query().Get("ref"),
			"PSID", "5566778899", "TITLE-FOR-THE-CTA", "Get Started")
		if status := postMessenger(t, s, body, appSecret); status != 200 {
			t.Fatalf("postback webhook: %d", status)
		}
		m, err := s.App.Inbox().Message(t.Context(), chat)
		if err != nil {
			t.Fatal(err)
		}
		thread, err := s.App.Inbox().Thread(t.Context(), m.ConversationID)
		if err != nil || len(thread) != 2 || thread[1].Channel != "messenger" || thread[1].Body != "Get Started" || thread[1].Address != "5566778899" {
			t.Fatalf("thread %+v %v", thread, err)
		}
	})
}
