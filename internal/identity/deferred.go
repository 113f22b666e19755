package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/omni-hq/omni/internal/store"
)

// ErrTaken reports that a deferred write found an identifier attached by
// another transaction since the batch looked it up. Nothing of the batch's
// transaction may be committed; run the batch again without deferring, and
// the identifier's owner is found and merged as usual.
var ErrTaken = errors.New("an identifier was attached by another transaction meanwhile")

// pendingCustomer is a profile created by a deferring batch and not written yet.
type pendingCustomer struct {
	id                   string
	created, first, last int64
}

// pendingIdentity is an identifier attached to a pending profile.
type pendingIdentity struct {
	ident   Identifier
	cid     string
	channel string
	at      int64
}

// deferred holds what a deferring batch has not written yet.
type deferred struct {
	on         bool
	customers  []pendingCustomer
	identities []pendingIdentity
	pending    map[string]bool // ids of customers not written yet
}

// DeferWrites makes the batch write the profiles it creates, and their
// identifiers, at Flush in a few statements, instead of a few statements
// per new visitor. Run flushes before committing, and the batch flushes
// before any step that reads those rows back (a merge). Until then the
// caller must not write rows that refer to the new profiles; a caller that
// defers must run its batch again without deferring when Run returns
// ErrTaken.
func (b *Batch) DeferWrites() {
	b.deferred.on = true
	if b.deferred.pending == nil {
		b.deferred.pending = map[string]bool{}
	}
}

// isPending reports whether customer cid is created and not written yet.
func (b *Batch) isPending(cid string) bool { return b.deferred.pending[cid] }

// createChunk and attachChunk bound the rows of one deferred insert (4 and
// 5 parameters each).
const (
	createChunk = 500
	attachChunk = 400
)

// Flush writes the pending profiles and identifiers. It fails with ErrTaken
// when another transaction attached one of the identifiers meanwhile.
func (b *Batch) Flush(ctx context.Context) error {
	d := &b.deferred
	for chunk := range slices.Chunk(d.customers, createChunk) {
		args := make([]any, 0, 4*len(chunk))
		for _, c := range chunk {
			args = append(args, c.id, c.created, c.first, c.last)
		}
		_, err := b.tx.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES "+
			store.Rows(len(chunk), "(?, ?, ?, ?)"), args...)
		if err != nil {
			return fmt.Errorf("create %d customers: %w", len(chunk), err)
		}
	}
	for chunk := range slices.Chunk(d.identities, attachChunk) {
		args := make([]any, 0, 5*len(chunk))
		for _, p := range chunk {
			args = append(args, string(p.ident.Type), p.ident.Value, p.cid, p.channel, p.at)
		}
		res, err := b.tx.ExecContext(ctx, "INSERT INTO identities (type, value, customer_id, channel, first_seen_at) VALUES "+
			store.Rows(len(chunk), "(?, ?, ?, ?, ?)")+" ON CONFLICT (type, value) DO NOTHING", args...)
		if err != nil {
			return fmt.Errorf("attach %d identifiers: %w", len(chunk), err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(chunk)) {
			return ErrTaken
		}
	}
	d.customers, d.identities = d.customers[:0], d.identities[:0]
	clear(d.pending)
	return nil
}

// dropPending forgets a pending profile that is to be discarded.
func (b *Batch) dropPending(cid string) {
	d := &b.deferred
	delete(d.pending, cid)
	d.customers = slices.DeleteFunc(d.customers, func(c pendingCustomer) bool { return c.id == cid })
}
