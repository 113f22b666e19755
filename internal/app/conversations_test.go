package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// chatIn stores an inbound chat message as the widget would.
func chatIn(t *testing.T, s *apptest.Server, anon, body string) inbox.Received {
	t.Helper()
	r, err := s.App.Inbox().Receive(context.Background(), inbox.Inbound{Channel: inbox.ChannelChat,
		Identifiers: []identity.Identifier{{Type: identity.AnonymousID, Value: anon}}, Address: anon, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConversationRoutes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		agent, read := s.Token(t, auth.ScopeAgent), s.Token(t, auth.ScopeRead)
		c := chatIn(t, s, "anon-api", "Where is my parcel?").Conversation
		path := "/api/v1/conversations/" + c.ID

		// Scopes: read tokens read, agents write, marketers may not write.
		for _, tc := range []struct {
			method, path, token string
			body                any
			want                int
		}{
			{"GET", "/api/v1/conversations", read, nil, 200},
			{"GET", path, read, nil, 200},
			{"POST", path + "/resolve", read, nil, 403},
			{"POST", path + "/messages", s.Token(t, auth.ScopeMarketer), map[string]string{"body": "x"}, 403},
			{"POST", path + "/notes", "", map[string]string{"body": "x"}, 401},
			{"GET", "/api/v1/conversations/cnv_missing", read, nil, 404},
			{"GET", "/api/v1/conversations?status=closed", read, nil, 400},
			{"GET", "/api/v1/conversations?unassigned=maybe", read, nil, 400},
			{"POST", path + "/messages", agent, map[string]string{"body": ""}, 400},
			{"POST", path + "/messages", agent, map[string]string{"body": "x", "channel": "sms"}, 422},
			{"POST", path + "/snooze", agent, map[string]string{"until": "2001-01-01T00:00:00Z"}, 400},
			{"POST", path + "/labels", agent, map[string]any{"labels": []string{strings.Repeat("x", 51)}}, 400},
		} {
			if code, body := s.Do(t, tc.method, tc.path, tc.token, tc.body); code != tc.want {
				t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.want)
			}
		}

		step := func(action string, body any) inbox.Conversation {
			t.Helper()
			code, out := s.Do(t, "POST", path+"/"+action, agent, body)
			if code != 200 {
				t.Fatalf("%s: %d %s", action, code, out)
			}
			return apptest.DecodeJSON[inbox.Conversation](t, out)
		}
		if got := step("assign", map[string]string{"assignee": "me"}); !strings.HasPrefix(got.Assignee, "tok_") {
			t.Fatalf("assign me: %+v", got)
		}
		if got := step("labels", map[string]any{"labels": []string{"shipping", "vip", "vip"}}); strings.Join(got.Labels, ",") != "shipping,vip" {
			t.Fatalf("labels: %+v", got.Labels)
		}
		until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if got := step("snooze", map[string]string{"until": until}); got.Status != inbox.Snoozed {
			t.Fatalf("snooze: %+v", got)
		}
		if got := step("resolve", nil); got.Status != inbox.Resolved || got.ResolvedAt == nil {
			t.Fatalf("resolve: %+v", got)
		}
		if got := step("reopen", nil); got.Status != inbox.Open {
			t.Fatalf("reopen: %+v", got)
		}
		code, body := s.Do(t, "POST", path+"/notes", agent, map[string]string{"body": "Customer called the shop", "channel": "pos"})
		if note := apptest.DecodeJSON[inbox.Message](t, body); code != 201 || note.Direction != inbox.Note || note.Channel != "pos" {
			t.Fatalf("note: %d %s", code, body)
		}
		code, body = s.Do(t, "POST", "/api/v1/customers/"+c.CustomerID+"/notes", agent, map[string]string{"body": "Picked up order 1001"})
		if note := apptest.DecodeJSON[inbox.Message](t, body); code != 201 || note.ConversationID != c.ID || note.Channel != "pos" {
			t.Fatalf("customer note: %d %s", code, body)
		}
		chatIn(t, s, "anon-other", "hello")
		for query, want := range map[string]int{"": 2, "?assignee=me": 1, "?unassigned=true": 1, "?label=vip": 1,
			"?channel=chat&status=open": 2, "?customer_id=" + c.CustomerID: 1, "?limit=1": 1} {
			_, body := s.Do(t, "GET", "/api/v1/conversations"+query, agent, nil)
			if got := len(apptest.DecodeJSON[inbox.Page](t, body).Conversations); got != want {
				t.Errorf("list %q: %d conversations, want %d", query, got, want)
			}
		}
		_, doc := s.Do(t, "GET", "/api/v1/openapi.json", "", nil)
		for _, p := range []string{"/api/v1/conversations/{id}/messages", "/api/v1/conversations/stream", "/api/v1/customers/{id}/notes"} {
			if !strings.Contains(string(doc), `"`+p+`"`) {
				t.Errorf("OpenAPI document lacks %s", p)
			}
		}
	})
}

func TestStreamResumesAndAssignsOnlineAgents(t *testing.T) {
	apptest.EachConfig(t, config.Server{Channels: config.Channels{AutoAssign: true}}, func(t *testing.T, s *apptest.Server) {
		agent := s.Token(t, auth.ScopeAgent)
		events := openStream(t, s, agent)
		waitOnline(t, s, agent, true)
		first := chatIn(t, s, "anon-s1", "one")
		if !strings.HasPrefix(first.Conversation.Assignee, "tok_") {
			t.Fatalf("conversation not assigned to the online agent: %+v", first.Conversation)
		}
		var last string
		for e := range events {
			if e.Type == inbox.EventConversationUpdated {
				last = e.ID
				break
			}
		}
		// Events published while the agent is away come with the resume.
		second := chatIn(t, s, "anon-s2", "two")
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/conversations/stream", nil)
		req.Header.Set("Authorization", "Bearer "+agent)
		req.Header.Set("Last-Event-ID", last)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, 64<<10)
		var got strings.Builder
		for !strings.Contains(got.String(), second.Message.ID) {
			n, err := resp.Body.Read(buf)
			if err != nil {
				t.Fatalf("resumed stream ended before %s: %v; got %s", second.Message.ID, err, got.String())
			}
			got.Write(buf[:n])
		}
		if strings.Contains(got.String(), first.Message.ID) || strings.Contains(got.String(), "event: reset") {
			t.Fatalf("resume replayed too much: %s", got.String())
		}
	})
}

// waitOnline waits until the agent behind token is (or is not) online.
func waitOnline(t *testing.T, s *apptest.Server, token string, online bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, body := s.Do(t, "GET", "/api/v1/agents", token, nil)
		agents := apptest.DecodeJSON[[]inbox.Agent](t, body)
		if len(agents) == 1 && agents[0].Online == online {
			return
		}
	}
	t.Fatalf("agent online state did not become %v", online)
}
