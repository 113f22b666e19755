// Package httpapi is Omni's REST API under /api/v1: routes, token
// authentication and scopes, JSON decoding with size limits, the one place
// where application errors become HTTP statuses, request metrics and the
// OpenAPI document.
package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/omni-hq/omni/internal/apperr"
)

// statusOf maps application error codes to HTTP statuses. It is the only such
// mapping in Omni.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:       http.StatusBadRequest,
	apperr.NotFound:      http.StatusNotFound,
	apperr.Conflict:      http.StatusConflict,
	apperr.Unauthorized:  http.StatusUnauthorized,
	apperr.Forbidden:     http.StatusForbidden,
	apperr.TooLarge:      http.StatusRequestEntityTooLarge,
	apperr.Unavailable:   http.StatusServiceUnavailable,
	apperr.Unprocessable: http.StatusUnprocessableEntity,
	apperr.Internal:      http.StatusInternalServerError,
}

// Status is the HTTP status for an application error code; unknown codes
// and Internal are 500. The dashboard's error pages use it too.
func Status(code apperr.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// WriteError writes err as a JSON error response with the fitting status.
// Internal errors are logged and shown to the caller only as "internal error".
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = apperr.New(apperr.Internal, "internal error")
	}
	status := Status(e.Code)
	if e.Code == apperr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="omni"`)
	}
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: string(e.Code), Message: msg, Field: e.Field}})
}

// JSONAppender is a response body that encodes itself, writing the bytes
// encoding/json would write (HTML escaping off) faster.
type JSONAppender interface {
	AppendJSON(b []byte) []byte
}

// bodyBuffers reuses the buffers JSONAppender bodies are encoded into: a
// priced cart is tens of kilobytes, and allocating that per response makes
// the garbage collector the largest cost of a cart change. Like
// encoding/json's own buffer pool it holds no state, only memory.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody bounds the buffers kept for reuse.
const maxPooledBody = 1 << 20

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if a, ok := v.(JSONAppender); ok {
		buf := bodyBuffers.Get().(*[]byte)
		b := append(a.AppendJSON((*buf)[:0]), '\n')
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
		if cap(b) <= maxPooledBody {
			*buf = b
			bodyBuffers.Put(buf)
		}
		return
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
