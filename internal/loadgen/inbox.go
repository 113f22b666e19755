package loadgen

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/omni-hq/omni/internal/auth"
)

// InboxConfig configures the inbox scenario: website chat visitors writing
// in while an agent watches the live conversation stream.
type InboxConfig struct {
	URL      string // a running server; empty starts one in this process
	Token    string // an agent or admin API token, for the stream; required with URL
	ChatKey  string // the write key of a source of channel "chat"; required with URL
	Database string // the in-process server's database; empty is a temporary SQLite file
	// Load: Duration default 10 s; Concurrency is the conversations, visitors
	// each with a chat socket open, default 500; Rate counts messages, and
	// with 0 each visitor sends again once its last message is on the stream.
	Load
	Timeout time.Duration // a message not on the stream by then is an error; default 10 s
}

// Inbox measures how long a visitor's message takes to reach an agent's
// screen: each visitor has the website chat's WebSocket (/chat/ws) open and
// sends messages at the configured rate; an agent's Server-Sent Events
// stream (/api/v1/conversations/stream) is connected, and a message's
// latency runs from just before its frame is written to the moment the
// message.created event carrying it is read from the stream.
func Inbox(ctx context.Context, cfg InboxConfig, progress io.Writer) (Result, error) {
	cfg = inboxDefaults(cfg)
	res := Result{Scenario: "inbox", Target: cfg.URL, Concurrency: cfg.Concurrency, Rate: cfg.Rate, BatchSize: 1}
	inProcess := cfg.URL == ""
	if inProcess {
		srv, err := startServer(ctx, cfg.Database, nil)
		if err != nil {
			return res, err
		}
		defer srv.stop()
		if cfg.ChatKey, cfg.Token, err = inboxCredentials(ctx, srv); err != nil {
			return res, err
		}
		cfg.URL, res.Target = srv.url, "in-process server on "+srv.database
	} else if cfg.Token == "" || cfg.ChatKey == "" {
		return res, errors.New("an agent token and a chat source's write key are required with a server URL")
	}
	r := newRunner(IngestConfig{Load: cfg.Load, BatchSize: 1})
	w := &waiters{m: map[string]chan error{}}
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	if err := openStream(streamCtx, cfg.URL, cfg.Token, w); err != nil {
		return res, err
	}
	visitors, err := openWidgets(ctx, cfg.URL, cfg.ChatKey, r.runID, cfg.Concurrency, w)
	defer func() {
		for _, v := range visitors {
			if v != nil {
				v.conn.CloseNow()
			}
		}
	}()
	if err != nil {
		return res, err
	}
	r.run(ctx, progress, func(ctx context.Context, worker int, start time.Time) {
		v := visitors[worker]
		r.loop(ctx, start, func(ctx context.Context) (int, error) { return 1, v.send(ctx, w, cfg.Timeout) })
	})
	r.fill(&res, inProcess)
	return res, nil
}

func inboxDefaults(cfg InboxConfig) InboxConfig {
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 500
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return cfg
}

// inboxCredentials creates a chat source and an agent token on an
// in-process node.
func inboxCredentials(ctx context.Context, srv *server) (chatKey, token string, err error) {
	acc := auth.NewService(srv.db)
	src, err := acc.CreateSource(ctx, "bench chat "+time.Now().Format(time.RFC3339), "chat")
	if err != nil {
		return "", "", err
	}
	_, token, err = acc.CreateToken(ctx, "bench inbox agent", auth.ScopeAgent)
	return src.WriteKey, token, err
}

// waiters are the messages sent and not yet seen on the agent's stream, by
// their external id (the visitor's anonymous id and the frame's client id).
type waiters struct {
	mu sync.Mutex
	m  map[string]chan error
}

func (w *waiters) add(key string) chan error {
	ch := make(chan error, 1)
	w.mu.Lock()
	w.m[key] = ch
	w.mu.Unlock()
	return ch
}

// resolve ends the wait for key, if anyone waits: err nil means the
// message reached the stream.
func (w *waiters) resolve(key string, err error) {
	w.mu.Lock()
	ch, ok := w.m[key]
	delete(w.m, key)
	w.mu.Unlock()
	if ok {
		ch <- err
	}
}

// forget stops waiting for key.
func (w *waiters) forget(key string) {
	w.mu.Lock()
	delete(w.m, key)
	w.mu.Unlock()
}

// widget is one visitor's chat socket. Only its worker writes to it.
type widget struct {
	conn *websocket.Conn
	anon string
	seq  int
}

// messages are what visitors write, in turn.
var messages = []string{
	"Hi! Where is my order? It was due yesterday.",
	"Do you have the rain jacket in size M in the Paris shop?",
	"Can I still change the delivery address?",
	"The discount code SPRING10 does not work at checkout.",
	"Thanks, that helps a lot!",
}

// send writes one message and waits until it is on the agent's stream.
func (v *widget) send(ctx context.Context, w *waiters, timeout time.Duration) error {
	v.seq++
	clientID := "m" + strconv.Itoa(v.seq)
	key := v.anon + ":" + clientID
	done := w.add(key)
	frame, _ := json.Marshal(map[string]string{"type": "message", "client_id": clientID, "body": messages[v.seq%len(messages)]})
	if err := v.conn.Write(ctx, websocket.MessageText, frame); err != nil {
		w.forget(key)
		return fmt.Errorf("write to the chat socket: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		w.forget(key)
		return fmt.Errorf("message %s not on the agent's stream after %s", key, timeout)
	case <-ctx.Done():
		w.forget(key)
		return ctx.Err()
	}
}

// openWidgets opens n chat sockets, as n visitors' browsers would, and
// waits until each has had its history and "ready". Each socket's frames
// are read until it closes; an error frame fails the message it names.
func openWidgets(ctx context.Context, base, key, run string, n int, w *waiters) ([]*widget, error) {
	out := make([]*widget, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i], errs[i] = openWidget(ctx, base, key, fmt.Sprintf("bench-%s-%d", run, i))
			if errs[i] == nil {
				go readWidget(context.WithoutCancel(ctx), out[i], w)
			}
		})
	}
	wg.Wait()
	failed, first := 0, error(nil)
	for _, err := range errs {
		if err != nil {
			failed, first = failed+1, cmp.Or(first, err)
		}
	}
	if failed > 0 {
		return out, fmt.Errorf("%d of %d chat sockets did not open; the first: %w", failed, n, first)
	}
	return out, nil
}

func openWidget(ctx context.Context, base, key, anon string) (*widget, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/chat/ws?" + url.Values{"key": {key}, "anonymous_id": {anon}}.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("open chat socket: %w", err)
	}
	v := &widget{conn: conn, anon: anon}
	return v, awaitReady(ctx, conn)
}

type widgetFrame struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id"`
	Error    string `json:"error"`
}

func awaitReady(ctx context.Context, conn *websocket.Conn) error {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("chat socket before ready: %w", err)
		}
		var f widgetFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("chat socket sent %.100q: %w", data, err)
		}
		switch f.Type {
		case "ready":
			return nil
		case "error":
			return fmt.Errorf("chat socket: %s", f.Error)
		}
	}
}

func readWidget(ctx context.Context, v *widget, w *waiters) {
	for {
		_, data, err := v.conn.Read(ctx)
		if err != nil {
			return
		}
		var f widgetFrame
		if json.Unmarshal(data, &f) == nil && f.Type == "error" {
			w.resolve(v.anon+":"+f.ClientID, errors.New("chat socket: "+f.Error))
		}
	}
}
