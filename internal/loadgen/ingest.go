// Package loadgen drives Omni with realistic load over real HTTP and reports
// throughput, latency percentiles, errors and memory. Each scenario is a
// function; `omni bench <scenario>` runs them.
package loadgen

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// IngestConfig configures the ingest scenario.
type IngestConfig struct {
	URL       string // a running server; empty starts one in this process
	WriteKey  string // the source's write key; required with URL
	Database  string // the in-process server's database; empty is a temporary SQLite file
	Load             // Duration default 10 s, Concurrency (requests in flight) 16; Rate counts events
	BatchSize int    // events per request; default 100
	Customers int    // distinct customers; default 100,000
	Gzip      bool   // compress request bodies
}

// Result is what a benchmark run measured.
type Result struct {
	Scenario     string    `json:"scenario"`
	Target       string    `json:"target"`
	Seconds      float64   `json:"seconds"`
	Warmup       float64   `json:"warmup_seconds,omitempty"`
	Concurrency  int       `json:"concurrency"`
	Rate         int       `json:"rate"`
	BatchSize    int       `json:"batch_size"`
	Requests     int64     `json:"requests"`
	Events       int64     `json:"events"`
	Errors       int64     `json:"errors"`
	FirstError   string    `json:"first_error,omitempty"`
	EventsPerSec float64   `json:"events_per_sec"`
	Latency      Latencies `json:"latency_ms"`
	RSSBytes     int64     `json:"rss_bytes,omitempty"`      // the in-process server's, at the end
	PeakRSSBytes int64     `json:"peak_rss_bytes,omitempty"` // its peak
	Pages        []Page    `json:"pages,omitempty"`          // per page, for the dashboard scenario
}

// Page is what a run measured for one page of the dashboard.
type Page struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"` // an example; some pages vary their query or id
	Requests int64     `json:"requests"`
	Errors   int64     `json:"errors"`
	Latency  Latencies `json:"latency_ms"`
}

// Latencies are request latency percentiles in milliseconds.
type Latencies struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Ingest sends batches of tracking events for cfg.Duration and measures how
// the server keeps up. Progress lines go to progress once a second.
func Ingest(ctx context.Context, cfg IngestConfig, progress io.Writer) (Result, error) {
	cfg = ingestDefaults(cfg)
	res := Result{Scenario: "ingest", Target: cfg.URL, Concurrency: cfg.Concurrency, Rate: cfg.Rate, BatchSize: cfg.BatchSize}
	inProcess := cfg.URL == ""
	if inProcess {
		srv, err := startServer(ctx, cfg.Database, nil)
		if err != nil {
			return res, err
		}
		defer srv.stop()
		cfg.URL, cfg.WriteKey = srv.url, srv.writeKey
		res.Target = "in-process server on " + srv.database
	} else if cfg.WriteKey == "" {
		return res, errors.New("a write key is required with a server URL")
	}
	r := newRunner(cfg)
	r.run(ctx, progress, r.work)
	r.fill(&res, inProcess)
	return res, nil
}

// run starts the runner's workers for its warm-up and duration and waits
// for them. Each worker gets its number and the run's start.
func (r *runner) run(ctx context.Context, progress io.Writer, work func(ctx context.Context, worker int, start time.Time)) {
	start := time.Now()
	r.measureFrom = start.Add(r.cfg.Warmup)
	runCtx, cancel := context.WithTimeout(ctx, r.cfg.Warmup+r.cfg.Duration)
	defer cancel()
	stop := r.report(progress, start)
	var wg sync.WaitGroup
	for w := range r.cfg.Concurrency {
		wg.Go(func() { work(runCtx, w, start) })
	}
	wg.Wait()
	stop()
}

// fill records in res what the run measured; withRSS adds this process's
// memory, which is the server's when it runs in-process.
func (r *runner) fill(res *Result, withRSS bool) {
	res.Seconds, res.Warmup = time.Since(r.measureFrom).Seconds(), r.cfg.Warmup.Seconds()
	res.Requests, res.Events, res.Errors = r.requests.Load(), r.events.Load(), r.errors.Load()
	if e := r.firstErr.Load(); e != nil {
		res.FirstError = *e
	}
	res.EventsPerSec = float64(res.Events) / res.Seconds
	res.Latency = r.latencies()
	if withRSS {
		res.RSSBytes, res.PeakRSSBytes = rss()
	}
}

func ingestDefaults(cfg IngestConfig) IngestConfig {
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.Customers <= 0 {
		cfg.Customers = 100_000
	}
	return cfg
}

type runner struct {
	cfg         IngestConfig
	client      *http.Client
	runID       string
	interval    time.Duration // between requests, all workers together; 0 = no pacing
	slot        atomic.Int64
	measureFrom time.Time // requests sent earlier are warm-up
	sent        atomic.Int64

	requests, events, errors atomic.Int64
	firstErr                 atomic.Pointer[string]
	mu                       sync.Mutex
	lat                      []time.Duration
}

func newRunner(cfg IngestConfig) *runner {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	r := &runner{cfg: cfg, runID: hex.EncodeToString(b), client: &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, DisableCompression: true},
	}}
	if cfg.Rate > 0 {
		r.interval = time.Duration(float64(time.Second) * float64(cfg.BatchSize) / float64(cfg.Rate))
	}
	return r
}

// work sends tracking batches until ctx ends.
func (r *runner) work(ctx context.Context, worker int, start time.Time) {
	gen := newEventGen(r.runID, worker, r.cfg.Customers, uint64(start.UnixNano()))
	var buf []byte
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	r.loop(ctx, start, func(ctx context.Context) (int, error) {
		buf = gen.batch(buf[:0], r.cfg.BatchSize, time.Now())
		payload := buf
		if r.cfg.Gzip {
			zbuf.Reset()
			zw.Reset(&zbuf)
			_, _ = zw.Write(payload)
			_ = zw.Close()
			payload = zbuf.Bytes()
		}
		return r.cfg.BatchSize, r.send(ctx, payload)
	})
}

// loop runs op until ctx ends, paced when a rate is set, and records the
// latency of every op started after the warm-up. op returns how many events
// (or other units) it carried.
func (r *runner) loop(ctx context.Context, start time.Time, op func(ctx context.Context) (int, error)) {
	var lat []time.Duration
	defer func() {
		r.mu.Lock()
		r.lat = append(r.lat, lat...)
		r.mu.Unlock()
	}()
	for ctx.Err() == nil {
		if r.interval > 0 {
			at := start.Add(time.Duration(r.slot.Add(1)-1) * r.interval)
			if d := time.Until(at); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		t0 := time.Now()
		n, err := op(ctx)
		if ctx.Err() != nil && err != nil {
			return // cut off by the end of the run, not a server error
		}
		if err == nil {
			r.sent.Add(int64(n))
		}
		if t0.Before(r.measureFrom) {
			continue
		}
		lat = append(lat, time.Since(t0))
		r.requests.Add(1)
		if err != nil {
			r.errors.Add(1)
			msg := err.Error()
			r.firstErr.CompareAndSwap(nil, &msg)
			continue
		}
		r.events.Add(int64(n))
	}
}

func (r *runner) send(ctx context.Context, payload []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", r.cfg.URL+"/v1/batch", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.SetBasicAuth(r.cfg.WriteKey, "")
	req.Header.Set("Content-Type", "application/json")
	if r.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

func (r *runner) latencies() Latencies {
	r.mu.Lock()
	defer r.mu.Unlock()
	return percentiles(r.lat)
}

// percentiles sorts lat and returns its percentiles.
func percentiles(lat []time.Duration) Latencies {
	if len(lat) == 0 {
		return Latencies{}
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := min(int(q*float64(len(lat))), len(lat)-1)
		return float64(lat[i].Microseconds()) / 1000
	}
	return Latencies{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: at(1)}
}

// report prints a progress line each second until the returned func is called.
func (r *runner) report(w io.Writer, start time.Time) func() {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := int64(0)
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				ev := r.sent.Load()
				phase := ""
				if time.Now().Before(r.measureFrom) {
					phase = "warm-up"
				}
				fmt.Fprintf(w, "\r%5.0fs  %8d events/s  %9d events  %d errors  %s ",
					time.Since(start).Seconds(), ev-last, ev, r.errors.Load(), phase)
				last = ev
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		fmt.Fprintln(w)
	}
}
