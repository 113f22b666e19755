package customer_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestTraitSets: many calls' traits in one statement end as the calls one
// after the other would: the latest value of a key wins (the later call on
// a tie), and the searchable name and email follow the contact traits.
func TestTraitSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		ann := f.track(t, "web", "a", t0, nil, id(t, identity.UserID, "ann"))
		bob := f.track(t, "web", "b", t0, map[string]any{"name": "Bob Old", "plan": "gold"}, id(t, identity.UserID, "bob"))
		set := func(cid string, at time.Time, kv ...string) customer.TraitSet {
			traits := map[string]json.RawMessage{}
			for i := 0; i < len(kv); i += 2 {
				traits[kv[i]] = json.RawMessage(kv[i+1])
			}
			return customer.TraitSet{CustomerID: cid, Traits: traits, Source: "src_test", Channel: "app", At: at}
		}
		sets := []customer.TraitSet{
			set(ann, t0.Add(time.Hour), "first_name", `"Ann"`, "plan", `"silver"`),
			set(ann, t0.Add(2*time.Hour), "last_name", `"Archer"`, "plan", `"bronze"`),
			set(ann, t0.Add(time.Minute), "plan", `"older, arrives late"`, "email", `" Ann@Example.com "`),
			set(bob, t0, "plan", `"platinum"`), // the same time as the stored gold: the later call wins
			set(bob, t0.Add(-time.Hour), "name", `"Bob Older"`),
		}
		err := db.InTx(ctx, func(tx *store.Tx) error { return f.cs.SetTraitSetsTx(ctx, tx, sets) })
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			cid, key, want string
		}{
			{ann, "plan", `"bronze"`}, {ann, "first_name", `"Ann"`}, {ann, "email", `" Ann@Example.com "`},
			{bob, "plan", `"platinum"`}, {bob, "name", `"Bob Old"`},
		}
		for _, tc := range tests {
			p, err := f.cs.Get(ctx, tc.cid)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(p.Traits[tc.key].Value); got != tc.want {
				t.Errorf("%s %s = %s, want %s", tc.cid, tc.key, got, tc.want)
			}
		}
		found, _, err := f.cs.Search(ctx, "ann archer", 10, "")
		if err != nil || len(found) != 1 || found[0].ID != ann || found[0].Email != "ann@example.com" {
			t.Errorf("search by the name from two calls: %+v, %v", found, err)
		}
		bad := []customer.TraitSet{set(ann, t0, "", `1`)}
		err = db.InTx(ctx, func(tx *store.Tx) error { return f.cs.SetTraitSetsTx(ctx, tx, bad) })
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("an empty trait name: %v", err)
		}
	})
}
