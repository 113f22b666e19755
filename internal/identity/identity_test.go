package identity_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func ident(t *testing.T, typ identity.Type, v string) identity.Identifier {
	t.Helper()
	i, err := identity.New(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestNormalisation(t *testing.T) {
	tests := []struct {
		typ     identity.Type
		in, out string
		bad     bool
	}{
		{identity.Email, "  Ann@Example.COM ", "ann@example.com", false},
		{identity.Email, "not an email", "", true},
		{identity.Email, "Ann <ann@example.com>", "", true},
		{identity.Phone, "+44 20 7946 0958", "+442079460958", false},
		{identity.Phone, "(415) 555-2671", "+14155552671", false},
		{identity.Phone, "12", "", true},
		{identity.AnonymousID, " 507f191e ", "507f191e", false},
		{identity.UserID, "   ", "", true},
		{"shoe_size", "42", "", true},
	}
	for _, tc := range tests {
		got, err := identity.New(tc.typ, tc.in)
		if tc.bad {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("New(%s, %q) = %v, %v; want invalid", tc.typ, tc.in, got, err)
			}
			continue
		}
		if err != nil || got.Value != tc.out {
			t.Errorf("New(%s, %q) = %q, %v; want %q", tc.typ, tc.in, got.Value, err, tc.out)
		}
	}
}

func TestResolution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{})
		var hookCalls [][2]string
		s.OnMerge(func(_ context.Context, _ *store.Tx, from, into string) error {
			hookCalls = append(hookCalls, [2]string{from, into})
			return nil
		})
		resolve := func(ids ...identity.Identifier) identity.Result {
			t.Helper()
			r, err := s.Resolve(ctx, identity.Request{Identifiers: ids, Channel: "web"})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		anonPhone := ident(t, identity.AnonymousID, "phone-anon")
		anonLaptop := ident(t, identity.AnonymousID, "laptop-anon")
		email := ident(t, identity.Email, "ann@example.com")

		// An ad click on the phone, anonymous: a new profile.
		phone := resolve(anonPhone)
		if !phone.Created {
			t.Fatal("first sighting did not create a profile")
		}
		if again := resolve(anonPhone); again.CustomerID != phone.CustomerID || again.Created {
			t.Fatalf("same anonymous id resolved to %+v, want %s", again, phone.CustomerID)
		}
		// Browsing on the laptop: another anonymous profile.
		laptop := resolve(anonLaptop)
		if laptop.CustomerID == phone.CustomerID {
			t.Fatal("two devices share a profile before anything links them")
		}
		// Identify on the phone with the email: attaches.
		if r := resolve(anonPhone, email); r.CustomerID != phone.CustomerID || len(r.Merged) != 0 {
			t.Fatalf("identify on phone: %+v", r)
		}
		// Identify on the laptop with the same email: the profiles merge.
		r := resolve(anonLaptop, email)
		if len(r.Merged) != 1 {
			t.Fatalf("identify on laptop merged %d profiles, want 1", len(r.Merged))
		}
		if r.CustomerID != phone.CustomerID {
			t.Fatalf("survivor %s, want the older profile %s", r.CustomerID, phone.CustomerID)
		}
		if len(hookCalls) != 1 || hookCalls[0] != [2]string{laptop.CustomerID, phone.CustomerID} {
			t.Fatalf("merge hooks saw %v", hookCalls)
		}
		for _, i := range []identity.Identifier{anonPhone, anonLaptop, email} {
			if got, err := s.Lookup(ctx, i); err != nil || got != phone.CustomerID {
				t.Fatalf("Lookup(%s) = %s, %v; want %s", i, got, err, phone.CustomerID)
			}
		}
		if got, redirected, err := s.Survivor(ctx, laptop.CustomerID); err != nil || !redirected || got != phone.CustomerID {
			t.Fatalf("Survivor(merged) = %s %v %v", got, redirected, err)
		}
		merges, err := s.Merges(ctx, phone.CustomerID)
		if err != nil || len(merges) != 1 || merges[0].MergedID != laptop.CustomerID || merges[0].Reason == "" {
			t.Fatalf("merge log: %+v %v", merges, err)
		}
	})
}

// A shared family computer: one anonymous id, two people who sign in.
func TestSharedDeviceDoesNotGlueUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{})
		family := ident(t, identity.AnonymousID, "family-pc")
		mum, err := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{family, ident(t, identity.UserID, "mum")}})
		if err != nil {
			t.Fatal(err)
		}
		son, err := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{family, ident(t, identity.UserID, "son")}})
		if err != nil {
			t.Fatal(err)
		}
		if son.CustomerID == mum.CustomerID || len(son.Merged) != 0 {
			t.Fatalf("two user ids on one computer resolved to one profile: %+v %+v", mum, son)
		}
		// Each person's next event lands on their own profile.
		again, _ := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{family, ident(t, identity.UserID, "son")}})
		if again.CustomerID != son.CustomerID {
			t.Fatalf("son's second visit went to %s, want %s", again.CustomerID, son.CustomerID)
		}
		// An email shared by both cannot merge them either.
		shared := ident(t, identity.Email, "family@example.com")
		s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{ident(t, identity.UserID, "mum"), shared}})
		r, _ := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{ident(t, identity.UserID, "son"), shared}})
		if r.CustomerID != son.CustomerID || len(r.Merged) != 0 {
			t.Fatalf("shared email merged the family: %+v", r)
		}
	})
}

func TestConfigurableLimits(t *testing.T) {
	limits, err := identity.ParseLimits("email=1")
	if err != nil || limits[identity.Email] != 1 || limits[identity.UserID] != 1 {
		t.Fatalf("ParseLimits: %v %v", limits, err)
	}
	if _, err := identity.ParseLimits("email=0"); err == nil {
		t.Fatal("limit 0 accepted")
	}
	if _, err := identity.ParseLimits("shoe=2"); err == nil {
		t.Fatal("unknown type accepted")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{Limits: limits})
		u := ident(t, identity.UserID, "u1")
		s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{u, ident(t, identity.Email, "a@example.com")}})
		s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{u, ident(t, identity.Email, "b@example.com")}})
		if _, err := s.Lookup(ctx, ident(t, identity.Email, "b@example.com")); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("second email attached despite email=1: %v", err)
		}
	})
}

func TestRollbackLeavesCacheTrue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{})
		anon := ident(t, identity.AnonymousID, "ghost")
		boom := apperr.New(apperr.Internal, "boom")
		err := s.Run(ctx, func(_ *store.Tx, b *identity.Batch) error {
			if _, err := b.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon}}); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Fatalf("Run = %v", err)
		}
		if _, err := s.Lookup(ctx, anon); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("rolled-back identifier still resolves: %v", err)
		}
	})
}

func TestBatchSeesItsOwnWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{})
		var first, second identity.Result
		err := s.Run(ctx, func(_ *store.Tx, b *identity.Batch) error {
			var err error
			anon := ident(t, identity.AnonymousID, "a1")
			if first, err = b.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon}}); err != nil {
				return err
			}
			second, err = b.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon, ident(t, identity.UserID, "u1")}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.CustomerID != second.CustomerID || second.Created {
			t.Fatalf("one batch made two profiles: %+v %+v", first, second)
		}
	})
}

// Several writers meeting one new visitor at once (several nodes on one
// PostgreSQL) end with one profile and no empty ones.
func TestConcurrentFirstSightings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, visitors = 6, 15
		services := make([]*identity.Service, writers) // one per node: separate caches
		for i := range services {
			services[i] = identity.NewService(db, identity.Options{})
		}
		for v := range visitors {
			ids := []identity.Identifier{{Type: identity.AnonymousID, Value: fmt.Sprintf("visitor-%d", v)}}
			got := make([]string, writers)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					r, err := services[w].Resolve(ctx, identity.Request{Identifiers: ids, Channel: "web"})
					if err != nil {
						t.Error(err)
						return
					}
					got[w] = r.CustomerID
				})
			}
			wg.Wait()
			for _, g := range got {
				if g != got[0] {
					t.Fatalf("visitor %d resolved to %v", v, got)
				}
			}
		}
		noEmptyProfiles(t, db)
	})
}

// TestPrefetch: owners read ahead in one statement resolve as a lookup one
// by one would, and identifiers found unowned are attached.
func TestPrefetch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := identity.NewService(db, identity.Options{CacheSize: -1})
		known := ident(t, identity.Email, "known@example.com")
		first, err := s.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{known}, Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		fresh := ident(t, identity.AnonymousID, "anon-prefetch")
		other := ident(t, identity.UserID, "u-prefetch")
		var got, made identity.Result
		err = s.Run(ctx, func(_ *store.Tx, b *identity.Batch) error {
			if err := b.Prefetch(ctx, []identity.Identifier{known, fresh, other, known}); err != nil {
				return err
			}
			if got, err = b.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{fresh, known}, Channel: "app"}); err != nil {
				return err
			}
			made, err = b.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{other}, Channel: "app"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.CustomerID != first.CustomerID || got.Created || !made.Created || made.CustomerID == first.CustomerID {
			t.Fatalf("known+fresh → %+v (want %s), other → %+v", got, first.CustomerID, made)
		}
		for ident, want := range map[identity.Identifier]string{fresh: first.CustomerID, other: made.CustomerID} {
			if cid, err := s.Lookup(ctx, ident); err != nil || cid != want {
				t.Errorf("lookup %s = %s %v, want %s", ident, cid, err, want)
			}
		}
	})
}

// noEmptyProfiles fails the test when a profile holds no identifier.
func noEmptyProfiles(t *testing.T, db *store.DB) {
	t.Helper()
	var empty int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM customers c WHERE NOT EXISTS
		(SELECT 1 FROM identities i WHERE i.customer_id = c.id)`).Scan(&empty); err != nil {
		t.Fatal(err)
	}
	if empty != 0 {
		t.Errorf("%d profiles hold no identifier", empty)
	}
}
