package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/ingest"
)

// The generated batches are what the tracking API accepts: realistic sizes,
// a mix of call types, message ids that never repeat.
func TestEventGenProducesValidBatches(t *testing.T) {
	gen := newEventGen("run1", 3, 1000, 42)
	types := map[ingest.Type]int{}
	ids := map[string]bool{}
	for range 20 {
		body := gen.batch(nil, 100, time.Now())
		req, err := ingest.Decode(body, ingest.BatchEndpoint, ingest.Options{})
		if err != nil {
			t.Fatalf("generated batch rejected: %v\n%s", err, body)
		}
		if per := len(body) / 100; per < 300 || per > 600 {
			t.Errorf("%d bytes per event, want about 400", per)
		}
		for _, ev := range req.Events {
			types[ev.Type]++
			if ids[ev.MessageID] {
				t.Fatalf("message id %s repeated", ev.MessageID)
			}
			ids[ev.MessageID] = true
		}
	}
	if types[ingest.Track] < 1000 || types[ingest.Page] < 400 || types[ingest.Identify] < 20 {
		t.Errorf("call mix %v, want mostly track, then page, some identify", types)
	}
}

func TestIngestAgainstInProcessServer(t *testing.T) {
	res, err := Ingest(context.Background(), IngestConfig{
		Load:      Load{Duration: 3 * time.Second, Warmup: 500 * time.Millisecond, Concurrency: 2},
		Customers: 200, BatchSize: 20, Gzip: true,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Events == 0 || res.Events%20 != 0 || res.EventsPerSec <= 0 {
		t.Fatalf("result %+v", res)
	}
	if res.Latency.P50 <= 0 || res.Latency.P99 < res.Latency.P50 || res.RSSBytes == 0 {
		t.Fatalf("latency or memory missing: %+v", res)
	}
}

func TestIngestRequiresWriteKeyWithURL(t *testing.T) {
	if _, err := Ingest(context.Background(), IngestConfig{URL: "http://127.0.0.1:1"}, nil); err == nil {
		t.Fatal("no error without a write key")
	}
}
