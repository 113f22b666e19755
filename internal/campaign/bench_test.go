package campaign_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/seed"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// BenchmarkCampaignSend sends an email campaign to every customer of a
// database built by internal/seed (OMNI_BENCH_CUSTOMERS, 20,000 by
// default): about half have an email address and consented to marketing
// email and get a message queued in the inbox (message, delivery job,
// timeline event), the others are skipped. It reports the time from Send
// now until the last recipient is processed, per recipient and in total.
// With OMNI_BENCH_POSTGRES set it runs on a fresh PostgreSQL schema
// (OMNI_TEST_POSTGRES) instead of a SQLite file.
//
//	go test -run '^$' -bench CampaignSend -benchtime 1x -timeout 60m ./internal/campaign/
func BenchmarkCampaignSend(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("OMNI_BENCH_CUSTOMERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		var db *store.DB
		if os.Getenv("OMNI_BENCH_POSTGRES") != "" {
			db = storetest.Postgres(b)
		} else {
			db = storetest.SQLite(b)
		}
		if _, err := seed.Run(ctx, db, seed.Options{Customers: n, EventsPerCustomer: 1, Seed: 1, End: time.Now()}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
			SELECT id, 'email', 'marketing', 1, 'bench', 0 FROM customers WHERE email <> ''`); err != nil {
			b.Fatal(err)
		}
		w := newWorld(b, db, campaign.Options{RunFor: time.Hour})
		seg, err := w.segments.Create(ctx, segment.Input{Name: "Everyone"})
		if err != nil {
			b.Fatal(err)
		}
		c, err := w.campaigns.Create(ctx, campaign.Input{Name: "Bench", Channel: "email", SegmentID: seg.ID,
			Subject: "News for {{first_name|you}}", Body: "Hi {{first_name|there}}, news: {{link}}", Link: "https://shop.example/"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
		if err := w.work(b, c); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		got, err := w.campaigns.Get(ctx, c.ID)
		if err != nil || got.Status != campaign.Sent {
			b.Fatalf("campaign %s, %v", got.Status, err)
		}
		b.ReportMetric(float64(got.Stats.Audience), "recipients")
		b.ReportMetric(float64(got.Stats.Sent), "queued")
		b.ReportMetric(elapsed.Seconds(), "s/send")
		b.ReportMetric(float64(elapsed.Microseconds())/float64(got.Stats.Audience), "µs/recipient")
		b.StartTimer()
	}
}
