package app_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/inbox"
)

const (
	appSecret   = "meta-app-secret-for-tests"
	verifyToken = "verify-me"
	pageToken   = "EAAG-page-token"
)

// sendAPI stands in for the Messenger Send API: it checks the request the
// way the Graph API documents it and answers with the reference response.
// It also answers GET /me, which tells which Page a token sends as.
type sendAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []sendRequest
	got  chan sendRequest
}

type sendRequest struct {
	Recipient struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType string `json:"messaging_type"`
	Tag           string `json:"tag"`
	Message       struct {
		Text string `json:"text"`
	} `json:"message"`
}

func newSendAPI(t testing.TB) *sendAPI {
	api := &sendAPI{got: make(chan sendRequest, 16)}
	success, err := os.ReadFile("testdata/messenger_send_success.json")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile("testdata/messenger_page.json")
	if err != nil {
		t.Fatal(err)
	}
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/me") && r.URL.Query().Get("access_token") == pageToken {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, strings.NewReplacer("PAGE-NAME", "Omni Shop", "PAGE-ID", "1029384756").Replace(string(page)))
			return
		}
		if r.Method != "POST" || !strings.HasSuffix(r.URL.Path, "/me/messages") || r.URL.Query().Get("access_token") != pageToken {
			http.Error(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`, 400)
			return
		}
		var req sendRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		api.mu.Lock()
		api.reqs = append(api.reqs, req)
		n := len(api.reqs)
		api.mu.Unlock()
		api.got <- req
		body := strings.NewReplacer("PAGE-SCOPED-ID", req.Recipient.ID, "AG5Hz2U...", fmt.Sprint("m_sent_", n)).Replace(string(success))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(api.Close)
	return api
}

// fixture reads a testdata file with its placeholders replaced.
func fixture(t testing.TB, name string, pairs ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(raw)))
}

// postMessenger posts a webhook body signed with secret.
func postMessenger(t *testing.T, s *apptest.Server, body []byte, secret string) int {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, _ := http.NewRequest("POST", s.URL+"/hooks/messenger", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// widget is a browser's chat widget, speaking the protocol over a real
// WebSocket.
type widget struct {
	t  *testing.T
	ws *websocket.Conn
}

type widgetFrame struct {
	Type     string `json:"type"`
	ClientID string `json:"client_id,omitempty"`
	Body     string `json:"body,omitempty"`
	Email    string `json:"email,omitempty"`
	Channel  string `json:"channel,omitempty"`
	URL      string `json:"url,omitempty"`
	Error    string `json:"error,omitempty"`
	ID       string `json:"id,omitempty"`
	Message  *struct {
		ID        string `json:"id"`
		Direction string `json:"direction"`
		Body      string `json:"body"`
	} `json:"message,omitempty"`
}

func openWidget(t *testing.T, s *apptest.Server, key, anon, after string) (*widget, []widgetFrame) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := strings.Replace(s.URL, "http://", "ws://", 1) + "/chat/ws?key=" + key + "&anonymous_id=" + anon + "&after=" + after
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://shop.example"}}})
	if err != nil {
		t.Fatalf("dial widget socket: %v", err)
	}
	w := &widget{t: t, ws: ws}
	t.Cleanup(func() { ws.CloseNow() })
	var history []widgetFrame
	for {
		f := w.read()
		if f.Type == "ready" {
			return w, history
		}
		history = append(history, f)
	}
}

func (w *widget) send(f widgetFrame) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, w.ws, f); err != nil {
		w.t.Fatalf("widget send: %v", err)
	}
}

func (w *widget) read() widgetFrame {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var f widgetFrame
	if err := wsjson.Read(ctx, w.ws, &f); err != nil {
		w.t.Fatalf("widget read: %v", err)
	}
	return f
}

// expect reads until a frame of the given type arrives.
func (w *widget) expect(typ string) widgetFrame {
	w.t.Helper()
	for {
		f := w.read()
		if f.Type == typ {
			return f
		}
		if f.Type == "error" {
			w.t.Fatalf("widget got error %q waiting for %s", f.Error, typ)
		}
	}
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	ID, Type string
	Data     inbox.Event
}

// openStream connects an agent to the live stream; events arrive on the
// returned channel until the test ends.
func openStream(t testing.TB, s *apptest.Server, token string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/conversations/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 4096)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				e.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(line[6:]), &e.Data)
			case line == "" && e.Type != "":
				out <- e
				e = sseEvent{}
			}
		}
	}()
	return out
}

// nextMessage waits for the next message.created event on the stream.
func nextMessage(t *testing.T, events <-chan sseEvent) inbox.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Type == inbox.EventMessageCreated {
				return *e.Data.Message
			}
		case <-timeout:
			t.Fatal("no message.created event within 10s")
		}
	}
}
