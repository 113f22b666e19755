package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Every message a visitor sends is seen on the agent's stream: the run
// counts messages, not errors, and their latencies are those of a real
// round trip through the server.
func TestInboxAgainstInProcessServer(t *testing.T) {
	res, err := Inbox(context.Background(), InboxConfig{
		Load: Load{Duration: 2 * time.Second, Warmup: 300 * time.Millisecond, Rate: 100, Concurrency: 20},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.FirstError != "" {
		t.Fatalf("%d errors (first: %s)", res.Errors, res.FirstError)
	}
	// 100 messages/s for 2 s: about 200, fewer when the machine is busy,
	// never many more (the rate holds).
	if res.Events < 20 || res.Events > 250 || res.Requests != res.Events {
		t.Fatalf("%d messages in %d sends, want about 200", res.Events, res.Requests)
	}
	l := res.Latency
	if l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Max > 10_000 || res.RSSBytes == 0 {
		t.Fatalf("implausible latencies or memory: %+v", res)
	}
}

// Against a running server the scenario uses the token and chat key it is
// given, and reports no memory (the server is another process).
func TestInboxAgainstURL(t *testing.T) {
	ctx := context.Background()
	srv, err := startServer(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	key, token, err := inboxCredentials(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := InboxConfig{URL: srv.url, Token: "not-a-token", ChatKey: key, Load: Load{Duration: time.Second, Rate: 50, Concurrency: 5}}
	if _, err := Inbox(ctx, cfg, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad token: %v", err)
	}
	cfg.Token, cfg.ChatKey = token, "wrong-key"
	if _, err := Inbox(ctx, cfg, nil); err == nil || !strings.Contains(err.Error(), "chat socket") {
		t.Fatalf("bad chat key: %v", err)
	}
	cfg.ChatKey = key
	res, err := Inbox(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Events < 5 || res.Latency.P50 <= 0 || res.RSSBytes != 0 || res.Target != srv.url {
		t.Fatalf("result %+v", res)
	}
}

func TestInboxRequiresCredentialsWithURL(t *testing.T) {
	_, err := Inbox(context.Background(), InboxConfig{URL: "http://127.0.0.1:1", Token: "t"}, nil)
	if err == nil {
		t.Fatal("no error without a chat key")
	}
}
