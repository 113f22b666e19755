// Package apptest starts a whole Omni node on a loopback port for end-to-end
// tests, on a fresh SQLite file or a fresh PostgreSQL schema.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// Server is a running Omni node.
type Server struct {
	URL   string // base URL, e.g. http://127.0.0.1:41234
	App   *app.App
	Admin string // an admin API token
	logs  *logBuffer
}

// Logs returns everything the node has logged so far, at every level.
func (s *Server) Logs() string { return s.logs.String() }

// logBuffer collects a node's log lines for tests that read them, up to
// maxLogs bytes (long benchmarks log more; the rest is dropped).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const maxLogs = 16 << 20

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) <= maxLogs {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Each runs fn against a node on SQLite and, when OMNI_TEST_POSTGRES is set,
// one on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, s *Server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Start(t, filepath.Join(t.TempDir(), "omni.db"))) })
	if url := storetest.PostgresURL(t); url != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Start(t, url)) })
	}
}

// EachConfig is Each with a configuration (its Database is set per backend).
func EachConfig(t *testing.T, cfg config.Server, fn func(t *testing.T, s *Server)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		cfg.Database = filepath.Join(t.TempDir(), "omni.db")
		fn(t, StartConfig(t, cfg))
	})
	if url := storetest.PostgresURL(t); url != "" {
		t.Run("postgres", func(t *testing.T) {
			cfg.Database = url
			fn(t, StartConfig(t, cfg))
		})
	}
}

// Start runs a node on the given database until the test ends.
func Start(t testing.TB, database string) *Server {
	t.Helper()
	return StartConfig(t, config.Server{Database: database})
}

// StartConfig runs a node with cfg (Addr is ignored: a free loopback port is
// used) until the test ends.
func StartConfig(t testing.TB, cfg config.Server) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	handler := slog.Handler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if testing.Verbose() {
		handler = slog.NewMultiHandler(handler, slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	log := slog.New(handler)
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start omni: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	_, secret, err := auth.NewService(a.DB()).CreateToken(ctx, "test admin", auth.ScopeAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: "http://" + ln.Addr().String(), App: a, Admin: secret, logs: logs}
}

// Token creates an API token with the given scope.
func (s *Server) Token(t testing.TB, scope auth.Scope) string {
	t.Helper()
	_, secret, err := auth.NewService(s.App.DB()).CreateToken(context.Background(), "test "+string(scope), scope)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Do sends a request with an optional bearer token and JSON body (a []byte or
// string is sent as is, anything else is encoded), and returns the status and
// the response body.
func (s *Server) Do(t testing.TB, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var h map[string]string
	if token != "" {
		h = map[string]string{"Authorization": "Bearer " + token}
	}
	return s.DoHeaders(t, method, path, h, body)
}

// DoHeaders is Do with arbitrary request headers.
func (s *Server) DoHeaders(t testing.TB, method, path string, headers map[string]string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// DecodeJSON decodes body into a new V or fails the test.
func DecodeJSON[V any](t testing.TB, body []byte) V {
	t.Helper()
	var v V
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}
