package identity_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestDeferredWrites: a deferring batch resolves as an ordinary one — new
// visitors, a visitor seen twice, a second identifier, a merge with a
// stored profile — and its profiles and identifiers are stored at commit.
func TestDeferredWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{CacheSize: -1})
		stored, err := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{ident(t, identity.UserID, "u-stored")}})
		if err != nil {
			t.Fatal(err)
		}
		anon := func(i int) identity.Identifier { return ident(t, identity.AnonymousID, fmt.Sprintf("anon-%d", i)) }
		requests := []struct {
			name   string
			ids    []identity.Identifier
			same   int // index of an earlier request that must resolve to the same profile; -1 for a new one
			stored bool
		}{
			{"new visitor", []identity.Identifier{anon(0)}, -1, false},
			{"another new visitor", []identity.Identifier{anon(1), ident(t, identity.Email, "one@example.com")}, -1, false},
			{"the first again", []identity.Identifier{anon(0)}, 0, false},
			{"the second by email", []identity.Identifier{ident(t, identity.Email, "one@example.com")}, 1, false},
			{"the first logs in as the stored user", []identity.Identifier{ident(t, identity.UserID, "u-stored"), anon(0)}, -1, true},
			{"a third new visitor", []identity.Identifier{anon(2)}, -1, false},
		}
		got := make([]identity.Result, len(requests))
		err = s.Run(ctx, func(_ *store.Tx, b *identity.Batch) error {
			b.DeferWrites()
			for i, r := range requests {
				if got[i], err = b.Resolve(ctx, identity.Request{Identifiers: r.ids, Channel: "web"}); err != nil {
					return fmt.Errorf("%s: %w", r.name, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range requests {
			switch {
			case r.stored && got[i].CustomerID != stored.CustomerID:
				t.Errorf("%s: %s, want the stored %s", r.name, got[i].CustomerID, stored.CustomerID)
			case r.same >= 0 && got[i].CustomerID != got[r.same].CustomerID:
				t.Errorf("%s: %s, want %s", r.name, got[i].CustomerID, got[r.same].CustomerID)
			case r.same < 0 && !r.stored && !got[i].Created:
				t.Errorf("%s: not a new profile: %+v", r.name, got[i])
			}
			for _, id := range r.ids {
				want := got[i].CustomerID
				if id == anon(0) {
					want = stored.CustomerID // merged in by the login
				}
				if cid, err := s.Lookup(ctx, id); err != nil || cid != want {
					t.Errorf("%s: lookup %s = %s, %v; want %s", r.name, id, cid, err, want)
				}
			}
		}
		var customers, identities int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers WHERE merged_into IS NULL").Scan(&customers); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM identities").Scan(&identities); err != nil {
			t.Fatal(err)
		}
		if customers != 3 || identities != 5 {
			t.Errorf("%d live customers and %d identifiers, want 3 (stored, second, third) and 5", customers, identities)
		}
	})
}

// TestDeferredWriteMeetsAnotherNode: on PostgreSQL, another node attaches
// an identifier after a deferring batch found it unowned; the batch fails
// with ErrTaken, writes nothing, and a run without deferring resolves to
// the other node's profile.
func TestDeferredWriteMeetsAnotherNode(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	ours, theirs := identity.NewService(db, identity.Options{}), identity.NewService(db, identity.Options{})
	visitor := []identity.Identifier{ident(t, identity.AnonymousID, "met-twice")}
	other := []identity.Identifier{ident(t, identity.AnonymousID, "met-once")}
	var their identity.Result
	run := func(deferring bool) (identity.Result, error) {
		var res identity.Result
		err := ours.Run(ctx, func(_ *store.Tx, b *identity.Batch) error {
			if deferring {
				b.DeferWrites()
			}
			if err := b.Prefetch(ctx, append(visitor, other...)); err != nil {
				return err
			}
			if _, err := b.Resolve(ctx, identity.Request{Identifiers: other, Channel: "web"}); err != nil {
				return err
			}
			if deferring { // the other node meets the visitor now and commits first
				var err error
				if their, err = theirs.Resolve(ctx, identity.Request{Identifiers: visitor, Channel: "app"}); err != nil {
					return err
				}
			}
			var err error
			res, err = b.Resolve(ctx, identity.Request{Identifiers: visitor, Channel: "web"})
			return err
		})
		return res, err
	}
	if _, err := run(true); !errors.Is(err, identity.ErrTaken) {
		t.Fatalf("deferred run: %v, want ErrTaken", err)
	}
	if _, err := ours.Lookup(ctx, other[0]); err == nil {
		t.Fatal("the failed run stored an identifier")
	}
	res, err := run(false)
	if err != nil {
		t.Fatal(err)
	}
	if res.CustomerID != their.CustomerID || res.Created {
		t.Errorf("rerun resolved to %+v, want the other node's %s", res, their.CustomerID)
	}
	noEmptyProfiles(t, db)
}
