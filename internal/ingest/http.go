package ingest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/httpapi"
)

// routes maps tracking paths to the call type they accept. analytics.js posts
// to the one-letter paths, and to /v1/b when batching; the server libraries
// post to /v1/batch; /v1/import is Segment's alias of batch.
var routes = map[string]Type{
	"identify": Identify, "track": Track, "page": Page, "screen": Screen, "group": Group, "alias": Alias,
	"batch": BatchEndpoint, "import": BatchEndpoint,
	"i": Identify, "t": Track, "p": Page, "s": Screen, "g": Group, "a": Alias, "b": BatchEndpoint,
}

// Mount registers the tracking API on mux under /v1/.
func (s *Service) Mount(mux *http.ServeMux) {
	for path, t := range routes {
		mux.Handle("POST /v1/"+path, s.handler(t))
	}
	// Browsers send events cross-origin; answer their preflight requests.
	mux.HandleFunc("OPTIONS /v1/", func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	})
}

func cors(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

var success = []byte(`{"success":true}` + "\n")

func (s *Service) handler(t Type) http.Handler {
	limit := MaxEventBytes
	if t == BatchEndpoint {
		limit = MaxBatchBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		if err := s.serve(r, t, limit); err != nil {
			if errors.Is(err, context.Canceled) {
				return // the client left; it will retry with the same messageIds
			}
			httpapi.WriteError(w, r, s.log, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(success)
	})
}

func (s *Service) serve(r *http.Request, t Type, limit int) error {
	ctx := r.Context()
	received := s.now()
	var src auth.Source
	key, _, hasKey := r.BasicAuth()
	if hasKey {
		var err error
		if src, err = s.source(ctx, key); err != nil {
			return err
		}
	}
	body, err := readBody(r, limit)
	if err != nil {
		return err
	}
	req, err := Decode(body, t, Options{ReceivedAt: received, IP: clientIP(r)})
	if err != nil {
		return err
	}
	if !hasKey {
		if src, err = s.source(ctx, req.WriteKey); err != nil {
			return err
		}
	}
	if len(req.Events) == 0 {
		return nil
	}
	j := &job{sourceID: src.ID, sourceChannel: src.Channel, events: req.Events, ids: make([]string, len(req.Events))}
	for i := range req.Events {
		j.ids[i] = customer.EventID(src.ID, req.Events[i].MessageID, req.Events[i].Original)
	}
	if err := s.writer.submit(ctx, j); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		if apperr.CodeOf(err) != apperr.Unavailable {
			s.log.ErrorContext(ctx, "commit tracking events", "source", src.ID, "events", len(req.Events), "err", err)
			err = apperr.New(apperr.Unavailable, "events could not be stored; retry")
		}
		return err
	}
	return nil
}

func (s *Service) source(ctx context.Context, key string) (auth.Source, error) {
	if strings.TrimSpace(key) == "" {
		return auth.Source{}, apperr.New(apperr.Unauthorized,
			"missing write key: send it as the Basic auth user name or as writeKey in the body")
	}
	return s.sources.SourceByWriteKey(ctx, key)
}

// clientIP is the address the request came from.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
