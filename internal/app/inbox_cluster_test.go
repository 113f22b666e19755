package app_test

import (
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// Two nodes on one PostgreSQL database: an agent whose stream is on one
// node sees a message that arrived on the other, and a widget connected to
// one node gets the reply an agent sent through the other.
func TestTwoNodesShareLiveEvents(t *testing.T) {
	url := storetest.PostgresURL(t)
	if url == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	a := apptest.StartConfig(t, config.Server{Database: url})
	b := apptest.StartConfig(t, config.Server{Database: url})
	agentOnB := b.Token(t, auth.ScopeAgent)
	events := openStream(t, b, agentOnB)
	key := createSource(t, a, "chat")
	w, _ := openWidget(t, b, key, "anon-two-nodes", "") // the visitor is on node b

	in := chatIn(t, a, "anon-two-nodes", "Asked on node a") // the message lands on node a
	if got := nextMessage(t, events); got.ID != in.Message.ID {
		t.Fatalf("node b streamed %s, want %s", got.ID, in.Message.ID)
	}
	agentOnA := a.Token(t, auth.ScopeAgent)
	code, body := a.Do(t, "POST", "/api/v1/conversations/"+in.Conversation.ID+"/messages", agentOnA, map[string]string{"body": "Answered on node a"})
	if code != 202 {
		t.Fatalf("reply: %d %s", code, body)
	}
	if f := w.expect("message"); f.Message.Body != "Answered on node a" {
		t.Fatalf("widget on node b got %+v", f)
	}
	reply := apptest.DecodeJSON[inbox.Message](t, body)
	waitState(t, b, agentOnB, in.Conversation.ID, reply.ID, inbox.StateSent)
}
