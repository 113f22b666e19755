// Package inboxtest builds an inbox for the tests of the services that send
// through it (journeys, campaigns): email and Messenger connected, a job
// queue that only inserts — messages stay queued, and tests read them from
// the inbox — and a Notifier into which a crash can be injected.
package inboxtest

import (
	"context"
	"sync"
	"testing"

	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/channel/messenger"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/store"
)

// New returns an inbox on db with email and Messenger switched on; nothing
// is delivered, so nothing reaches the addresses.
func New(t testing.TB, db *store.DB, ids inbox.Resolver, customers inbox.Timeline) *inbox.Service {
	t.Helper()
	in := inbox.New(db, ids, customers, inbox.NewBroker(0), inbox.Options{})
	q, err := jobs.New(db, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	in.UseQueue(q)
	in.Register(inbox.ChannelEmail, email.NewChannel(in, email.ChannelConfig{Settings: connected{}, Domain: "shop.example"}))
	in.Register(inbox.ChannelMessenger, messenger.NewChannel(in, messenger.ChannelConfig{Settings: connected{}}))
	return in
}

// connected are the settings of email and Messenger channels that are on.
type connected struct{}

func (connected) EmailSettings(context.Context) (email.Settings, error) {
	return email.Settings{Enabled: true, Relay: "127.0.0.1:2525", From: "Shop <shop@shop.example>"}, nil
}

func (connected) MessengerSettings(context.Context) (messenger.Settings, error) {
	return messenger.Settings{Enabled: true, PageToken: "page-token", APIBase: "http://127.0.0.1:1"}, nil
}

// FaultyNotifier is the inbox with a fault injected: after Fail(err),
// NotifyTx queues the message and then returns err, as a process killed
// before its commit would.
type FaultyNotifier struct {
	*inbox.Service
	mu        sync.Mutex
	failAfter error
}

// NotifyTx queues the message, then fails if told to.
func (f *FaultyNotifier) NotifyTx(ctx context.Context, tx *store.Tx, req inbox.NotifyRequest) (inbox.Message, error) {
	m, err := f.Service.NotifyTx(ctx, tx, req)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.failAfter != nil {
		return inbox.Message{}, f.failAfter
	}
	return m, err
}

// Fail makes every later NotifyTx fail with err after queueing; nil ends it.
func (f *FaultyNotifier) Fail(err error) {
	f.mu.Lock()
	f.failAfter = err
	f.mu.Unlock()
}
