package dashboard_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/store"
)

// benchShape is the size of the generated benchmark database.
type benchShape struct {
	Customers int
	Events    int
	Days      int // events spread over this many days before now
}

// benchChannels are the channels of generated events, with their weights.
var benchChannels = []struct {
	name   string
	weight int
}{{"web", 45}, {"app", 15}, {"email", 12}, {"chat", 8}, {"messenger", 7}, {"sms", 5}, {"pos", 4}, {"marketplace", 3}, {"ads", 1}}

var (
	firstNames = strings.Fields("Ann Bob Carla Dev Emma Farid Grace Hugo Ines Jonas Kira Liam Mona Nils Olga Pedro Quinn Rosa Sami Tara Umar Vera Wim Xena Yusuf Zoe")
	lastNames  = strings.Fields("Archer Baker Costa Dubois Evans Fischer Garcia Hansen Ivanova Jensen Kowalski Larsen Moreau Novak Olsen Petrov Quint Rossi Silva Tanaka Ulrich Vargas Weber Xu Young Zimmer")
)

// benchDatabase returns the path of a SQLite database with shape's data,
// generating it once and keeping it (under $OMNI_BENCH_DIR or the temporary
// directory) for later runs.
func benchDatabase(b *testing.B, shape benchShape) string {
	b.Helper()
	dir := os.Getenv("OMNI_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("omni-dashboard-bench-v2-%dc-%de-%dd.db", shape.Customers, shape.Events, shape.Days))
	if _, err := os.Stat(path + ".done"); err == nil {
		return path
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	start := time.Now()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := generate(ctx, db, shape); err != nil {
		b.Fatal(err)
	}
	// The events were written without the ingest hook: build the rollups
	// it keeps, then the replayed figures.
	an := analytics.NewService(db, analytics.Options{})
	if err := an.Rebuild(ctx, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := an.Refresh(ctx, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d customers and %d events in %s: %s", shape.Customers, shape.Events, time.Since(start).Round(time.Second), path)
	return path
}

func generate(ctx context.Context, db *store.DB, shape benchShape) error {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	span := int64(shape.Days) * 24 * int64(time.Hour/time.Millisecond)
	acc := auth.NewService(db)
	sources := map[string]string{}
	for _, ch := range benchChannels {
		src, err := acc.CreateSource(ctx, "Bench "+ch.name, ch.name)
		if err != nil {
			return err
		}
		sources[ch.name] = src.ID
	}
	if _, err := acc.CreateUser(ctx, "owner@example.com", password, auth.ScopeAdmin); err != nil {
		return err
	}
	totalWeight := 0
	for _, ch := range benchChannels {
		totalWeight += ch.weight
	}
	pick := func() string {
		n := rng.IntN(totalWeight)
		for _, ch := range benchChannels {
			if n < ch.weight {
				return ch.name
			}
			n -= ch.weight
		}
		return "web"
	}
	ids := make([]string, shape.Customers)
	created := make([]int64, shape.Customers)
	custRows := newBatch(db, "customers", "id, created_at, first_seen_at, last_seen_at, name, name_lc, email, phone, channels", 9)
	idRows := newBatch(db, "identities", "type, value, customer_id, channel, first_seen_at", 5)
	traitRows := newBatch(db, "customer_traits", "customer_id, key, value, source, channel, updated_at", 6)
	for i := range ids {
		ids[i] = fmt.Sprintf("cus_b%09d", i)
		created[i] = now.UnixMilli() - rng.Int64N(span)
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		name := first + " " + last
		email := strings.ToLower(fmt.Sprintf("%s.%s%d@example.com", first, last, i))
		phone := fmt.Sprintf("+1555%07d", i)
		ch := pick()
		custRows.add(ctx, ids[i], created[i], created[i], now.UnixMilli(), name, strings.ToLower(name), email, phone, ch)
		idRows.add(ctx, "email", email, ids[i], ch, created[i])
		idRows.add(ctx, "anonymous_id", fmt.Sprintf("anon-%d", i), ids[i], "web", created[i])
		traitRows.add(ctx, ids[i], "name", fmt.Sprintf("%q", name), sources[ch], ch, created[i])
		traitRows.add(ctx, ids[i], "email", fmt.Sprintf("%q", email), sources[ch], ch, created[i])
	}
	for _, bt := range []*batch{custRows, idRows, traitRows} {
		if err := bt.flush(ctx); err != nil {
			return err
		}
	}
	events := newBatch(db, "events", "id, customer_id, source_id, channel, type, name, message_id, ts, received_at, payload", 10)
	names := []string{"Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Message Sent", "Page Viewed"}
	for i := range shape.Events {
		c := rng.IntN(len(ids))
		ch := pick()
		ts := now.UnixMilli() - rng.Int64N(span)
		typ, name := "track", names[rng.IntN(len(names))]
		if name == "Message Sent" {
			typ = "message"
		}
		events.add(ctx, fmt.Sprintf("evt_b%010d", i), ids[c], sources[ch], ch, typ, name, fmt.Sprintf("m%d", i), ts,
			ts+rng.Int64N(2000), benchPayload(rng, i, c, ch, name))
	}
	return events.flush(ctx)
}

var benchCampaigns = []string{"autumn", "black_friday", "newsletter", "retargeting"}

// benchPayload is an event's payload in the vocabulary analytics reads:
// orders with totals, messages in one conversation per customer and
// channel, a campaign on one event in five.
func benchPayload(rng *rand.Rand, i, customer int, ch, name string) string {
	var props string
	switch name {
	case "Order Completed":
		props = fmt.Sprintf(`{"order_id":"ord_b%d","total":"%d.99","currency":"USD"}`, i, 5+rng.IntN(200))
	case "Message Sent":
		dir := [2]string{"in", "out"}[rng.IntN(2)]
		return fmt.Sprintf(`{"conversation_id":"conv_b%d_%s","direction":%q,"channel":%q}`, customer, ch, dir, ch)
	default:
		props = fmt.Sprintf(`{"sku":"SKU-%d","price":%d.99}`, rng.IntN(5000), rng.IntN(200))
	}
	campaign := ""
	if rng.IntN(5) == 0 {
		campaign = fmt.Sprintf(`,"context":{"campaign":{"name":%q,"source":%q,"medium":"paid"}}`, benchCampaigns[rng.IntN(len(benchCampaigns))], ch)
	}
	return fmt.Sprintf(`{"type":"track","event":%q,"properties":%s%s}`, name, props, campaign)
}

// batch inserts rows many at a time, one transaction per few thousand rows.
type batch struct {
	db     *store.DB
	insert string
	width  int
	args   []any
	err    error
}

func newBatch(db *store.DB, table, cols string, width int) *batch {
	return &batch{db: db, insert: "INSERT INTO " + table + " (" + cols + ") VALUES ", width: width}
}

const batchRows = 2000

func (b *batch) add(ctx context.Context, vals ...any) {
	b.args = append(b.args, vals...)
	if len(b.args) >= batchRows*b.width {
		b.err = b.flush(ctx)
	}
}

func (b *batch) flush(ctx context.Context) error {
	if b.err != nil || len(b.args) == 0 {
		return b.err
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", b.width), ",") + ")"
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		for start := 0; start < len(b.args); start += 100 * b.width {
			chunk := b.args[start:min(len(b.args), start+100*b.width)]
			n := len(chunk) / b.width
			q := b.insert + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
			if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
				return err
			}
		}
		return nil
	})
	b.args = b.args[:0]
	return err
}
