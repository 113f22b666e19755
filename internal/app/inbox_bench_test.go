package app_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// BenchmarkInboundToAgentStream measures how long an inbound message takes
// to reach an agent's screen: from the moment a signed Messenger webhook is
// posted to the moment the message.created event is read from a connected
// agent's SSE stream, at a steady 500 messages per second from 500
// customers. Run with a fixed count, e.g. -benchtime=5000x (10 s of load);
// OMNI_TEST_POSTGRES runs it on PostgreSQL instead of SQLite.
func BenchmarkInboundToAgentStream(b *testing.B) {
	rate := 500
	if v, err := strconv.Atoi(os.Getenv("OMNI_BENCH_RATE")); err == nil && v > 0 {
		rate = v
	}
	api := newSendAPI(b)
	cfg := channelsConfig(api.URL)
	cfg.Database = filepath.Join(b.TempDir(), "omni.db")
	if url := storetest.PostgresURL(b); url != "" {
		cfg.Database = url
	}
	s := apptest.StartConfig(b, cfg)
	events := openStream(b, s, s.Token(b, auth.ScopeAgent))

	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range b.N {
		bodies[i] = fixture(b, "messenger_message.json", "PSID", fmt.Sprint(7_000_000+i%500),
			"mid.1457764197618:41d102a3e1ae206a38", fmt.Sprint("mid.bench.", i), "hello, world!", fmt.Sprint("message ", i))
		mac := hmac.New(sha256.New, []byte(appSecret))
		mac.Write(bodies[i])
		sigs[i] = "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var sentAt sync.Map // mid → time.Time
	var failed atomic.Int64
	latencies := make([]time.Duration, 0, b.N)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range events {
			if e.Type != inbox.EventMessageCreated {
				continue
			}
			if t0, ok := sentAt.Load(e.Data.Message.ExternalID); ok {
				latencies = append(latencies, time.Since(t0.(time.Time)))
				if len(latencies) == b.N {
					return
				}
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range b.N {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.URL+"/hooks/messenger", bytes.NewReader(bodies[i]))
			req.Header.Set("X-Hub-Signature-256", sigs[i])
			sentAt.Store(fmt.Sprint("mid.bench.", i), time.Now())
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != 200 {
				failed.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	offered := time.Since(start)
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d events reached the stream", len(latencies), b.N)
	}
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d webhooks failed", failed.Load())
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(b.N)/offered.Seconds(), "msg/s")
	fmt.Fprintf(os.Stderr, "inbound→stream: %d messages at %.0f/s on %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		b.N, float64(b.N)/offered.Seconds(), s.App.DB().Dialect(), pct(0.5), pct(0.99), float64(latencies[len(latencies)-1].Microseconds())/1000)
}
