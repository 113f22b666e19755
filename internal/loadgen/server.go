package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/store"
)

// server is an Omni node started in this process for a benchmark.
type server struct {
	app      *app.App
	db       *store.DB
	url      string
	writeKey string
	database string
	stop     func() error
}

// startServer runs a node on database (a temporary SQLite file when empty)
// with a fresh tracking source. prepare, when not nil, runs on the node
// before it serves: data written then is there when the node's caches warm.
func startServer(ctx context.Context, database string, prepare func(context.Context, *app.App) error) (*server, error) {
	var tmp string
	if database == "" {
		dir, err := os.MkdirTemp("", "omni-bench-")
		if err != nil {
			return nil, err
		}
		tmp, database = dir, filepath.Join(dir, "omni.db")
	}
	cleanup := func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, config.Server{Database: database, ShutdownTimeout: 30 * time.Second}, log)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("start server: %w", err)
	}
	if prepare != nil {
		if err := prepare(ctx, a); err != nil {
			a.Close()
			cleanup()
			return nil, err
		}
	}
	src, err := auth.NewService(a.DB()).CreateSource(ctx, "bench "+time.Now().Format(time.RFC3339), "web")
	if err != nil {
		a.Close()
		cleanup()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		cleanup()
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(sctx, ln) }()
	name := database
	if store.IsPostgresURL(database) {
		name = "postgres"
	}
	return &server{app: a, db: a.DB(), url: "http://" + ln.Addr().String(), writeKey: src.WriteKey, database: name,
		stop: func() error {
			cancel()
			err := <-done
			if cerr := a.Close(); err == nil {
				err = cerr
			}
			cleanup()
			return err
		}}, nil
}

// rss reads this process's resident set size and its peak, in bytes, from
// /proc/self/status (Linux).
func rss() (cur, peak int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			cur = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return cur, peak
}
