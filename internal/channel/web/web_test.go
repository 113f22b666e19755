package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/channel/web"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// startChat serves the chat on a real inbox over a fresh SQLite file.
func startChat(t *testing.T) (*web.Chat, *inbox.Service, string, string) {
	t.Helper()
	db := storetest.SQLite(t)
	ids := identity.NewService(db, identity.Options{})
	in := inbox.New(db, ids, customer.NewService(db), inbox.NewBroker(0), inbox.Options{})
	accounts := auth.NewService(db)
	src, err := accounts.CreateSource(context.Background(), "chat", "chat")
	if err != nil {
		t.Fatal(err)
	}
	chat := web.New(web.Config{Inbox: in, Sources: accounts})
	go chat.Follow(in.Broker())
	t.Cleanup(in.Broker().Close)
	mux := http.NewServeMux()
	chat.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return chat, in, strings.Replace(srv.URL, "http://", "ws://", 1) + "/chat/ws?key=" + src.WriteKey, src.WriteKey
}

func dial(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	for {
		var f struct{ Type string }
		if err := wsjson.Read(ctx, c, &f); err != nil {
			t.Fatal(err)
		}
		if f.Type == "ready" {
			return c
		}
	}
}

func TestCloseSendsWidgetsAwayAndRefusesNewOnes(t *testing.T) {
	chat, _, u, _ := startChat(t)
	a, b := dial(t, u+"&anonymous_id=v1"), dial(t, u+"&anonymous_id=v1") // two tabs
	if chat.Connections() != 2 {
		t.Fatalf("%d connections, want 2", chat.Connections())
	}
	chat.Close()
	for _, c := range []*websocket.Conn{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, err := c.Read(ctx)
		cancel()
		if websocket.CloseStatus(err) != websocket.StatusGoingAway {
			t.Fatalf("read after Close: %v, want going away", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u+"&anonymous_id=v2", nil)
	if err == nil {
		_, _, err = c.Read(ctx)
	}
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("new widget after Close: %v, want going away", err)
	}
	// A widget's handler leaves the hub after its close frame is sent, so
	// the client can see the close first.
	for deadline := time.Now().Add(5 * time.Second); chat.Connections() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections left", chat.Connections())
		}
	}
}

func TestRepliesReachEveryTabOfTheVisitor(t *testing.T) {
	_, in, u, _ := startChat(t)
	ctx := context.Background()
	tabs := []*websocket.Conn{dial(t, u+"&anonymous_id=v3"), dial(t, u+"&anonymous_id=v3")}
	other := dial(t, u+"&anonymous_id=v4")
	if err := wsjson.Write(ctx, tabs[0], map[string]string{"type": "message", "client_id": "c1", "body": "hi"}); err != nil {
		t.Fatal(err)
	}
	var ack struct {
		Type    string
		Message struct{ ID string }
	}
	if err := wsjson.Read(ctx, tabs[0], &ack); err != nil || ack.Type != "ack" {
		t.Fatalf("ack %+v %v", ack, err)
	}
	m, err := in.Message(ctx, ack.Message.ID)
	if err != nil {
		t.Fatal(err)
	}
	// As the delivery job records a chat reply sent, the chat pushes it.
	reply := inbox.Message{ID: "msg_reply", ConversationID: m.ConversationID, Direction: inbox.Out, Channel: inbox.ChannelChat,
		Address: "v3", Body: "hello from the shop", State: inbox.StateSent}
	in.Broker().Publish(inbox.Event{Type: inbox.EventMessageUpdated, Message: &reply})
	for i, c := range tabs {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var f struct {
			Type    string
			Message struct{ ID, Body string }
		}
		err := wsjson.Read(rctx, c, &f)
		cancel()
		if err != nil || f.Type != "message" || f.Message.ID != "msg_reply" {
			t.Fatalf("tab %d got %+v %v", i, f, err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, _, err := other.Read(rctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another visitor's widget got something: %v", err)
	}
}
