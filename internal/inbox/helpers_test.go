package inbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/store"
)

type fixture struct {
	db  *store.DB
	ids *identity.Service
	cs  *customer.Service
	in  *inbox.Service
	q   *jobs.Queue
}

// newFixture builds an inbox on db with an insert-only job queue; tests run
// deliveries themselves with Deliver.
func newFixture(t *testing.T, db *store.DB, opts inbox.Options) fixture {
	t.Helper()
	f := fixture{db: db, ids: identity.NewService(db, identity.Options{}), cs: customer.NewService(db)}
	f.in = inbox.New(db, f.ids, f.cs, inbox.NewBroker(0), opts)
	f.ids.OnMerge(f.cs.MergeTx)
	f.ids.OnMerge(f.in.MergeTx)
	q, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f.q = q
	f.in.UseQueue(q)
	return f
}

func ident(t *testing.T, typ identity.Type, v string) identity.Identifier {
	t.Helper()
	i, err := identity.New(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// receive stores an inbound message or fails the test.
func (f fixture) receive(t *testing.T, in inbox.Inbound) inbox.Received {
	t.Helper()
	r, err := f.in.Receive(context.Background(), in)
	if err != nil {
		t.Fatalf("receive %+v: %v", in, err)
	}
	return r
}

func (f fixture) chat(t *testing.T, anon, extID, body string) inbox.Received {
	t.Helper()
	return f.receive(t, inbox.Inbound{Channel: inbox.ChannelChat, Identifiers: []identity.Identifier{ident(t, identity.AnonymousID, anon)},
		Address: anon, ExternalID: extID, Body: body})
}

func (f fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// recorder is a Sender standing in for a platform: it records what it was
// asked to send and answers with the scripted errors first.
type recorder struct {
	mu         sync.Mutex
	sent       []inbox.Outbound
	errs       []error
	idempotent bool
	refuse     error  // returned by Allow when set
	extID      string // the platform id answered; "ext-<message id>" when empty
}

func (r *recorder) Send(_ context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		return inbox.Receipt{}, err
	}
	r.sent = append(r.sent, o)
	if r.extID != "" {
		return inbox.Receipt{ExternalID: r.extID}, nil
	}
	return inbox.Receipt{ExternalID: "ext-" + o.MessageID}, nil
}

func (r *recorder) Allow(o inbox.Outbound, now time.Time) error { return r.refuse }

func (r *recorder) Sent() []inbox.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]inbox.Outbound(nil), r.sent...)
}

// idemRecorder is a recorder on a channel that recognises resent messages.
type idemRecorder struct{ *recorder }

func (idemRecorder) Idempotent() bool { return true }

var errDown = errors.New("platform unreachable")

func customerService(db *store.DB) *customer.Service { return customer.NewService(db) }
