package dashboard

import (
	"fmt"
	"net/http"
	"time"

	"github.com/omni-hq/omni/internal/inbox"
)

// InboxEvents is the inbox's live feed of changes on this node.
type InboxEvents interface {
	Subscribe(buffer int) *inbox.Subscription
}

// liveHeartbeat is how often the live stream sends a keep-alive comment.
const liveHeartbeat = 20 * time.Second

// inboxEvents streams a Server-Sent Event "inbox-update" whenever a
// conversation changes (only the one given by ?conversation=, if set); the
// page then refreshes its list or thread. Without the feed it answers 204
// and the pages fall back to polling.
func (h *Handler) inboxEvents(w http.ResponseWriter, r *http.Request, req *request) error {
	if h.d.InboxEvents == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	only := r.URL.Query().Get("conversation")
	sub := h.d.InboxEvents.Subscribe(256)
	defer sub.Close()
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	if err := rc.Flush(); err != nil {
		return nil // the client is gone or the writer cannot stream
	}
	tick := time.NewTicker(liveHeartbeat)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-sub.C:
			if !ok {
				return nil // fell behind or shutting down: the browser reconnects
			}
			if only != "" && e.ConversationID != only {
				continue
			}
			fmt.Fprintf(w, "event: inbox-update\ndata: %s\n\n", e.ConversationID)
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		case <-r.Context().Done():
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
