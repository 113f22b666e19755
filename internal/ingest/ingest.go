// Package ingest is Omni's Segment-compatible tracking API: POST /v1/identify,
// /v1/track, /v1/page, /v1/screen, /v1/group, /v1/alias and /v1/batch (with
// /v1/import and the short paths analytics.js uses). It authenticates the
// source by its write key, decodes and validates calls within Segment's size
// limits, corrects client clock skew, resolves every call to one customer
// and appends it to that customer's timeline.
//
// Writes go through a group committer: concurrent requests share one
// transaction, and each request is answered 200 only after the transaction
// holding its events has committed. A request is accepted whole or rejected
// whole; a batch with one invalid call is answered 400 naming the call and
// field ("batch[3].event"), and nothing of it is written.
//
// De-duplication: an event's id is derived from its source, messageId and
// the timestamp the client stamped on it (which a retry resends), and an event
// whose id is stored already is skipped, so a retried request is written once.
// The window is forever: the id is the events table's primary key.
package ingest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// Sources finds the tracking source behind a write key.
type Sources interface {
	SourceByWriteKey(ctx context.Context, key string) (auth.Source, error)
}

// Resolver runs identity resolution inside one write transaction.
type Resolver interface {
	Run(ctx context.Context, fn func(tx *store.Tx, b *identity.Batch) error) error
}

// Timeline stores events and traits inside a transaction.
type Timeline interface {
	ExistingTx(ctx context.Context, tx *store.Tx, ids []string) (map[string]bool, error)
	AppendNewTx(ctx context.Context, tx *store.Tx, events []customer.Event) (int, error)
	SetTraitSetsTx(ctx context.Context, tx *store.Tx, sets []customer.TraitSet) error
}

// Config tunes the group committer; zero values take the defaults.
type Config struct {
	MaxGroupEvents int           // events per transaction; default 5,000
	Linger         time.Duration // wait for more requests when the queue is empty; default 1 ms, <0 none
	Queue          int           // requests waiting for the writer; default 512
	CommitTimeout  time.Duration // default 30 s
}

// Service serves the tracking API.
type Service struct {
	log      *slog.Logger
	sources  Sources
	ids      Resolver
	timeline Timeline
	writer   *writer
	metrics  *metrics
	now      func() time.Time
}

// New returns a Service and starts its writer; Close stops it.
func New(log *slog.Logger, sources Sources, ids Resolver, timeline Timeline, cfg Config) *Service {
	if cfg.MaxGroupEvents <= 0 {
		cfg.MaxGroupEvents = 5000
	}
	if cfg.Linger == 0 {
		cfg.Linger = time.Millisecond
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 512
	}
	if cfg.CommitTimeout <= 0 {
		cfg.CommitTimeout = 30 * time.Second
	}
	s := &Service{log: log, sources: sources, ids: ids, timeline: timeline, metrics: newMetrics(), now: time.Now}
	s.writer = newWriter(s.commit, cfg.MaxGroupEvents, cfg.Queue, cfg.Linger, cfg.CommitTimeout)
	s.writer.onCommit = s.metrics.observeCommit
	return s
}

// Close stops taking requests and waits until every accepted one is
// committed or ctx ends.
func (s *Service) Close(ctx context.Context) error { return s.writer.close(ctx) }

// commit resolves and appends a group of requests in one transaction. Events
// stored already, or repeated within the group, are skipped before
// resolution, so a retried request changes nothing. New profiles and their
// identifiers are written together after resolution (identity's deferred
// writes); when another node attached one of them meanwhile, the group runs
// again writing as it goes, and so meets that node's profile.
func (s *Service) commit(ctx context.Context, jobs []*job) error {
	err := s.commitGroup(ctx, jobs, true)
	if errors.Is(err, identity.ErrTaken) {
		err = s.commitGroup(ctx, jobs, false)
	}
	return err
}

func (s *Service) commitGroup(ctx context.Context, jobs []*job, deferring bool) error {
	n := 0
	for _, j := range jobs {
		n += len(j.events)
	}
	all := make([]string, 0, n)
	for _, j := range jobs {
		all = append(all, j.ids...)
	}
	var written, dups int
	err := s.ids.Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
		if deferring {
			b.DeferWrites()
		}
		stored, err := s.timeline.ExistingTx(ctx, tx, all)
		if err != nil {
			return err
		}
		if err := b.Prefetch(ctx, identifiersOf(jobs, stored)); err != nil {
			return err
		}
		out := make([]customer.Event, 0, n)
		var traits []customer.TraitSet // identify calls' traits, written once the new profiles are
		redirect := map[string]string{}
		for _, j := range jobs {
			for i := range j.events {
				id := j.ids[i]
				if stored[id] {
					continue
				}
				stored[id] = true
				ev, err := s.resolve(ctx, b, j, &j.events[i], redirect)
				if err != nil {
					return err
				}
				ev.ID = id
				out = append(out, ev)
				if e := &j.events[i]; e.Type == Identify && len(e.Traits) > 0 {
					traits = append(traits, customer.TraitSet{CustomerID: ev.CustomerID, Traits: e.Traits,
						Source: j.sourceID, Channel: ev.Channel, At: e.Timestamp})
				}
			}
		}
		// An alias late in the group may have merged away a profile that
		// earlier events resolved to: follow merges to the survivor.
		for i := range out {
			out[i].CustomerID = survivor(redirect, out[i].CustomerID)
		}
		if err := b.Flush(ctx); err != nil {
			return err
		}
		for i := range traits {
			traits[i].CustomerID = survivor(redirect, traits[i].CustomerID)
		}
		if err := s.timeline.SetTraitSetsTx(ctx, tx, traits); err != nil {
			return err
		}
		written, dups = len(out), n-len(out)
		_, err = s.timeline.AppendNewTx(ctx, tx, out)
		return err
	})
	if err == nil {
		s.metrics.observeEvents(written, dups)
	}
	return err
}

// survivor follows the group's merges from customer cid.
func survivor(redirect map[string]string, cid string) string {
	for hops := 0; hops <= len(redirect); hops++ {
		to, ok := redirect[cid]
		if !ok {
			break
		}
		cid = to
	}
	return cid
}

// identifiersOf lists the identifiers of the group's events not stored yet.
func identifiersOf(jobs []*job, stored map[string]bool) []identity.Identifier {
	var out []identity.Identifier
	for _, j := range jobs {
		for i := range j.events {
			if !stored[j.ids[i]] {
				out = append(out, j.events[i].Identifiers...)
			}
		}
	}
	return out
}

func (s *Service) resolve(ctx context.Context, b *identity.Batch, j *job, ev *Event,
	redirect map[string]string) (customer.Event, error) {
	channel := ev.Channel
	if channel == "" {
		channel = j.sourceChannel
	}
	res, err := b.Resolve(ctx, identity.Request{Identifiers: ev.Identifiers, Channel: channel, At: ev.Timestamp})
	if err != nil {
		return customer.Event{}, err
	}
	for _, m := range res.Merged {
		redirect[m.MergedID] = m.SurvivorID
	}
	return customer.Event{
		CustomerID: res.CustomerID, SourceID: j.sourceID, Channel: channel,
		Type: string(ev.Type), Name: ev.Name, MessageID: ev.MessageID,
		Timestamp: ev.Timestamp, ReceivedAt: ev.ReceivedAt, Payload: ev.Payload,
	}, nil
}
