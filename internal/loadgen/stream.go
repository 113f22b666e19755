package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/inbox"
)

// openStream connects to the agent's live conversation stream and returns
// once the server has subscribed it; from then until ctx ends, every
// message.created event read resolves the waiter for its message. A stream
// that drops is reopened where it stopped (Last-Event-ID), as the dashboard
// does.
func openStream(ctx context.Context, base, token string, w *waiters) error {
	client := &http.Client{} // no timeout: the stream stays open
	body, err := connectStream(ctx, client, base, token, "")
	if err != nil {
		return err
	}
	go func() {
		last := ""
		for {
			last = readStream(body, w, last)
			body.Close()
			for ctx.Err() == nil {
				if body, err = connectStream(ctx, client, base, token, last); err == nil {
					break
				}
				select {
				case <-time.After(100 * time.Millisecond):
				case <-ctx.Done():
				}
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()
	return nil
}

func connectStream(ctx context.Context, client *http.Client, base, token, lastID string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/conversations/stream", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("open the agent's stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		resp.Body.Close()
		return nil, fmt.Errorf("open the agent's stream: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp.Body, nil
}

// readStream reads Server-Sent Events until the stream ends and returns the
// id of the last event read (last when there was none).
func readStream(body io.Reader, w *waiters, last string) string {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			event = ""
		case strings.HasPrefix(line, "id: "):
			last = line[len("id: "):]
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: ") && event == inbox.EventMessageCreated:
			var e struct {
				Message struct {
					ExternalID string `json:"external_id"`
				} `json:"message"`
			}
			if json.Unmarshal([]byte(line[len("data: "):]), &e) == nil && e.Message.ExternalID != "" {
				w.resolve(e.Message.ExternalID, nil)
			}
		}
	}
	return last
}
