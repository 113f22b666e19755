package campaign_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/inbox/inboxtest"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
)

// world is every service a campaign touches, on one database; the inbox is
// inboxtest's. The job queue only inserts: tests work the send job
// themselves.
type world struct {
	db        *store.DB
	ids       *identity.Service
	customers *customer.Service
	in        *inbox.Service
	segments  *segment.Service
	notifier  *inboxtest.FaultyNotifier
	campaigns *campaign.Service
	worker    *campaign.Worker
	clock     *clock
}

type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.at = t
	c.mu.Unlock()
}

func newWorld(t testing.TB, db *store.DB, opts campaign.Options) *world {
	t.Helper()
	w := &world{db: db, ids: identity.NewService(db, identity.Options{}), customers: customer.NewService(db),
		segments: segment.NewService(db), clock: &clock{at: time.Now().UTC().Truncate(time.Millisecond)}}
	w.in = inboxtest.New(t, db, w.ids, w.customers)
	w.notifier = &inboxtest.FaultyNotifier{Service: w.in}
	opts.Now = w.clock.Now
	w.campaigns = campaign.NewService(db, campaign.Deps{Segments: w.segments, Profiles: w.customers, Notifier: w.notifier,
		Promotions: promotion.NewService(db, promotion.Options{})}, opts)
	q, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	w.campaigns.UseQueue(q)
	w.worker = campaign.NewWorker(w.campaigns)
	w.customers.OnAppend(w.campaigns.EventHook)
	for _, h := range []identity.MergeHook{w.customers.MergeTx, w.in.MergeTx, w.campaigns.MergeTx} {
		w.ids.OnMerge(h)
	}
	return w
}

// customer makes a profile holding ids, with a first name, in the segment
// of members (trait member = yes), that consented to marketing on the
// given channels.
func (w *world) customer(t *testing.T, firstName string, consent []string, ids ...identity.Identifier) string {
	t.Helper()
	ctx := context.Background()
	res, err := w.ids.Resolve(ctx, identity.Request{Identifiers: ids, Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	traits := map[string]json.RawMessage{"member": json.RawMessage(`"yes"`)}
	if firstName != "" {
		traits["first_name"], _ = json.Marshal(firstName)
	}
	err = w.db.InTx(ctx, func(tx *store.Tx) error {
		return w.customers.SetTraitsTx(ctx, tx, res.CustomerID, traits, "test", "web", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range consent {
		c := customer.Consent{Channel: ch, Purpose: inbox.PurposeMarketing, Granted: true, Source: "test", UpdatedAt: time.Now()}
		if err := w.customers.SetConsent(ctx, res.CustomerID, c); err != nil {
			t.Fatal(err)
		}
	}
	return res.CustomerID
}

func mail(t *testing.T, addr string) identity.Identifier {
	t.Helper()
	i, err := identity.New(identity.Email, addr)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// members is the segment of every customer created by world.customer.
func (w *world) members(t *testing.T) string {
	t.Helper()
	seg, err := w.segments.Create(context.Background(), segment.Input{Name: "Members", Definition: segment.Definition{
		Conditions: []segment.Condition{{Field: "trait", Key: "member", Op: "eq", Value: "yes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return seg.ID
}

func (w *world) create(t *testing.T, in campaign.Input) campaign.Campaign {
	t.Helper()
	c, err := w.campaigns.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// work runs the campaign's send job once, as River would, and returns its
// result.
func (w *world) work(t testing.TB, c campaign.Campaign) error {
	t.Helper()
	cur, err := w.campaigns.Get(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	job := &river.Job[campaign.SendArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 10},
		Args: campaign.SendArgs{CampaignID: c.ID, SendAt: cur.SendAt.UnixMilli()}}
	return w.worker.Work(context.Background(), job)
}

// snoozed reports whether err asks River to work the job again.
func snoozed(err error) bool {
	var s *river.JobSnoozeError
	return errors.As(err, &s)
}

func (w *world) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

const outbound = "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND campaign <> ''"
