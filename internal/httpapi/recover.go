package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/omni-hq/omni/internal/apperr"
)

// Recover turns a panic in a handler into a logged 500 instead of a dropped
// connection.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", p)
				WriteError(w, r, log, apperr.New(apperr.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
