package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/store/storetest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeBootstrapAndStop runs `omni serve`, creates a token and a source
// with the CLI while it runs, uses them at once, and stops the server the way
// SIGTERM does, expecting exit status 0.
func TestServeBootstrapAndStop(t *testing.T) {
	databases := map[string]string{"sqlite": filepath.Join(t.TempDir(), "data", "omni.db")}
	if url := storetest.PostgresURL(t); url != "" {
		databases["postgres"] = url
	}
	for name, db := range databases {
		t.Run(name, func(t *testing.T) {
			addr := freeAddr(t)
			ctx, stop := context.WithCancel(context.Background())
			exit := make(chan int, 1)
			var serveErr bytes.Buffer
			go func() {
				exit <- run(ctx, []string{"serve", "--addr", addr, "--database", db}, &bytes.Buffer{}, &serveErr)
			}()
			waitHealthy(t, "http://"+addr)

			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"token", "create", "--name", "ops", "--scope", "admin", "--database", db}, &out, &errOut); code != exitOK {
				t.Fatalf("token create exit %d: %s", code, errOut.String())
			}
			token := strings.TrimSpace(out.String())
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/sources", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("new token against running server: %v %v", resp, err)
			}
			resp.Body.Close()

			out.Reset()
			if code := run(context.Background(), []string{"source", "create", "--name", "shop", "--channel", "web", "--database", db}, &out, &errOut); code != exitOK || !strings.HasPrefix(out.String(), "wk_") {
				t.Fatalf("source create exit %d, stdout %q: %s", code, out.String(), errOut.String())
			}

			stop()
			select {
			case code := <-exit:
				if code != exitOK {
					t.Fatalf("serve exit %d after stop: %s", code, serveErr.String())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not stop within 20s")
			}
		})
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func TestExitCodes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "omni.db")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no command", nil, exitUsage},
		{"help", []string{"--help"}, exitOK},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"bad flag", []string{"serve", "--no-such-flag"}, exitUsage},
		{"subcommand help", []string{"serve", "--help"}, exitOK},
		{"token without create", []string{"token"}, exitUsage},
		{"bad scope", []string{"token", "create", "--name", "x", "--scope", "root", "--database", db}, exitUsage},
		{"bad channel", []string{"source", "create", "--name", "x", "--channel", "fax", "--database", db}, exitUsage},
		{"short password", []string{"admin", "create", "--email", "o@example.com", "--password", "short", "--database", db}, exitUsage},
		{"admin", []string{"admin", "create", "--email", "o@example.com", "--password", "long enough", "--database", db}, exitOK},
		{"admin again", []string{"admin", "create", "--email", "o@example.com", "--password", "long enough", "--database", db}, exitConflict},
		{"migrate status", []string{"migrate", "status", "--database", db}, exitOK},
		{"migrate up", []string{"migrate", "--database", db}, exitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(context.Background(), tc.args, &out, &errOut); got != tc.want {
				t.Fatalf("exit %d, want %d; stderr: %s", got, tc.want, errOut.String())
			}
		})
	}
}

func TestBenchIngest(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "ingest", "--duration", "3s", "--warmup", "1s", "--concurrency", "2", "--batch", "20",
		"--customers", "100", "--json"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res struct {
		Events       int64   `json:"events"`
		Errors       int64   `json:"errors"`
		EventsPerSec float64 `json:"events_per_sec"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Events == 0 || res.Errors != 0 {
		t.Fatalf("result %s (%v)", out.String(), err)
	}
	if code := run(context.Background(), []string{"bench"}, &out, &errOut); code != exitUsage {
		t.Fatalf("bench without a scenario: exit %d, want %d", code, exitUsage)
	}
}

func TestBenchInbox(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bench", "inbox", "--duration", "1s", "--warmup", "300ms",
		"--rate", "50", "--conversations", "10", "--json"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res struct {
		Scenario string `json:"scenario"`
		Events   int64  `json:"events"`
		Errors   int64  `json:"errors"`
		Latency  struct {
			P99 float64 `json:"p99"`
		} `json:"latency_ms"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Scenario != "inbox" || res.Events == 0 || res.Errors != 0 || res.Latency.P99 <= 0 {
		t.Fatalf("result %s (%v)", out.String(), err)
	}
}

func TestBenchUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"help lists the scenarios", []string{"bench", "--help"}, exitOK, "dashboard"},
		{"unknown scenario", []string{"bench", "nope"}, exitUsage, `unknown scenario "nope"`},
		{"inbox against a URL without credentials", []string{"bench", "inbox", "--url", "http://127.0.0.1:1"}, exitUsage, "--chat-key"},
		{"dashboard against a URL without a login", []string{"bench", "dashboard", "--url", "http://127.0.0.1:1"}, exitUsage, "--email"},
		{"dashboard with both a URL and a database", []string{"bench", "dashboard", "--url", "http://x", "--database", "x.db"}, exitUsage, "exclude"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(context.Background(), tc.args, &out, &errOut); got != tc.want || !strings.Contains(errOut.String(), tc.says) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", got, tc.want, errOut.String(), tc.says)
			}
		})
	}
}
