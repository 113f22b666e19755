package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// BenchmarkWidgetConnections runs `omni serve` as its own process, opens
// b.N chat widget WebSockets to it (each authenticated with a chat write key
// and answered with its history and "ready"), keeps them all open, and
// reports the server process's resident memory. Run it as
// -benchtime=5000x for the figure in BENCHMARKS.md.
func BenchmarkWidgetConnections(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "omni")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "omni.db")
	out, err := exec.Command(bin, "source", "create", "--name", "chat", "--channel", "chat", "--database", db).Output()
	if err != nil {
		b.Fatalf("source create: %v", err)
	}
	key := strings.TrimSpace(string(out))
	out, err = exec.Command(bin, "token", "create", "--name", "metrics", "--scope", "read", "--database", db).Output()
	if err != nil {
		b.Fatalf("token create: %v", err)
	}
	token := strings.TrimSpace(string(out))
	ln := freeAddrTB(b)
	srv := exec.Command(bin, "serve", "--addr", ln, "--database", db, "--log-level", "warn")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + ln + "/healthz"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("server did not become healthy")
		}
	}
	base := rss(b, srv.Process.Pid)

	conns := make([]*websocket.Conn, b.N)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	errs := make(chan error, b.N)
	b.ResetTimer()
	for i := range b.N {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := openReady(fmt.Sprintf("ws://%s/chat/ws?key=%s&anonymous_id=visitor-%d", ln, key, i))
			conns[i] = c
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("open widget: %v", err)
	}
	// Every socket is live: the last one still chats.
	last := conns[b.N-1]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, last, map[string]string{"type": "message", "client_id": "c1", "body": "still here"}); err != nil {
		b.Fatal(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, last, &ack); err != nil || ack.Type != "ack" {
		b.Fatalf("ack: %+v %v", ack, err)
	}
	held := rss(b, srv.Process.Pid)
	req, _ := http.NewRequest("GET", "http://"+ln+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.HasPrefix(line, "go_memstats_stack_inuse_bytes") || strings.HasPrefix(line, "go_memstats_heap_inuse_bytes") || strings.HasPrefix(line, "go_goroutines") {
				fmt.Fprintln(os.Stderr, line)
			}
		}
	}
	b.ReportMetric(float64(held)/(1<<20), "server-RSS-MiB")
	b.ReportMetric(float64(held-base)/float64(b.N)/1024, "KiB/conn")
	fmt.Fprintf(os.Stderr, "widget sockets: %d open; server RSS %.1f MiB (%.1f MiB idle), %.1f KiB per connection\n",
		b.N, float64(held)/(1<<20), float64(base)/(1<<20), float64(held-base)/float64(b.N)/1024)
	for _, c := range conns {
		c.CloseNow()
	}
}

func openReady(u string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	for {
		var f struct{ Type string }
		if err := wsjson.Read(ctx, c, &f); err != nil {
			return c, err
		}
		if f.Type == "ready" {
			return c, nil
		}
	}
}

// rss reads a process's resident set size from /proc.
func rss(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func freeAddrTB(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
