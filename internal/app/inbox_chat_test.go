package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/inbox"
)

func createSource(t *testing.T, s *apptest.Server, channel string) string {
	t.Helper()
	code, body := s.Do(t, "POST", "/api/v1/sources", s.Admin, map[string]string{"name": channel + " source", "channel": channel})
	if code != 201 {
		t.Fatalf("create source: %d %s", code, body)
	}
	return apptest.DecodeJSON[auth.Source](t, body).WriteKey
}

func TestWidgetReconnectsWithoutLosingMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := createSource(t, s, "chat")
		agent := s.Token(t, auth.ScopeAgent)
		w, _ := openWidget(t, s, key, "anon-re", "")
		w.send(widgetFrame{Type: "message", ClientID: "c1", Body: "first"})
		first := w.expect("ack").Message.ID
		// c2 is sent, then the connection drops before its ack is read.
		w.send(widgetFrame{Type: "message", ClientID: "c2", Body: "second"})
		waitMessages(t, s, 2)
		w.ws.CloseNow()

		// The agent answers while the visitor is away.
		var conv string
		if p, err := s.App.Inbox().List(t.Context(), inbox.Filter{}); err != nil || len(p.Conversations) != 1 {
			t.Fatalf("conversations: %+v %v", p, err)
		} else {
			conv = p.Conversations[0].ID
		}
		code, body := s.Do(t, "POST", "/api/v1/conversations/"+conv+"/messages", agent, map[string]string{"body": "Hello! How can I help?"})
		if code != 202 {
			t.Fatalf("reply: %d %s", code, body)
		}
		reply := apptest.DecodeJSON[inbox.Message](t, body)
		waitState(t, s, agent, conv, reply.ID, inbox.StateSent)

		// Reconnect after the last message seen: c2 and the reply arrive;
		// resending c2 (its ack was lost) stores nothing new.
		w, history := openWidget(t, s, key, "anon-re", first)
		var bodies []string
		for _, f := range history {
			if f.Message.ID == first {
				continue // within the look-back window; the widget skips ids it has
			}
			bodies = append(bodies, f.Message.Direction+":"+f.Message.Body)
		}
		if strings.Join(bodies, "|") != "in:second|out:Hello! How can I help?" {
			t.Fatalf("missed messages after reconnect: %v", bodies)
		}
		w.send(widgetFrame{Type: "message", ClientID: "c2", Body: "second"})
		if ack := w.expect("ack"); ack.ClientID != "c2" || ack.Message.ID != history[len(history)-2].Message.ID {
			t.Fatalf("resent c2 acked as %+v", ack)
		}
		waitMessages(t, s, 3) // c1, c2, the reply: nothing doubled
		w.send(widgetFrame{Type: "received", ID: reply.ID})
		waitState(t, s, agent, conv, reply.ID, inbox.StateDelivered)

		// Connected: the next reply is pushed at once.
		code, body = s.Do(t, "POST", "/api/v1/conversations/"+conv+"/messages", agent, map[string]string{"body": "Still there?"})
		if code != 202 {
			t.Fatalf("reply: %d %s", code, body)
		}
		if f := w.expect("message"); f.Message.Body != "Still there?" || f.Message.Direction != "out" {
			t.Fatalf("pushed %+v", f)
		}
	})
}

func TestWidgetRefusesBadKeysAndFrames(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		chat, web := createSource(t, s, "chat"), createSource(t, s, "web")
		ws := strings.Replace(s.URL, "http://", "ws://", 1) + "/chat/ws?anonymous_id=a1&key="
		for key, want := range map[string]int{"": 401, "wk_nope": 401, web: 403} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, resp, err := websocket.Dial(ctx, ws+key, nil)
			cancel()
			if err == nil || resp == nil || resp.StatusCode != want {
				t.Errorf("key %q: %v, want HTTP %d", key, err, want)
			}
		}
		w, _ := openWidget(t, s, chat, "a1", "")
		for _, f := range []widgetFrame{{Type: "dance"}, {Type: "message", Body: "no client id"},
			{Type: "identify", Email: "not-an-email"}, {Type: "handoff", Channel: "messenger"}} {
			w.send(f)
			if got := w.read(); got.Type != "error" || got.Error == "" {
				t.Errorf("frame %+v: got %+v, want an error", f, got)
			}
		}
		code, js := s.Do(t, "GET", "/chat/widget.js", "", nil)
		if code != 200 || !strings.Contains(string(js), "/chat/ws") || !strings.Contains(string(js), "ajs_anonymous_id") {
			t.Fatalf("widget.js: %d, %d bytes", code, len(js))
		}
	})
}

func waitMessages(t *testing.T, s *apptest.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var got int
		s.App.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM messages").Scan(&got)
		if got == n {
			return
		}
		if got > n {
			t.Fatalf("%d messages stored, want %d", got, n)
		}
	}
	t.Fatalf("fewer than %d messages stored", n)
}
