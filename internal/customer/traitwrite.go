package customer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// TraitSet is one call's traits for one customer.
type TraitSet struct {
	CustomerID      string
	Traits          map[string]json.RawMessage
	Source, Channel string
	At              time.Time
}

// SetTraitsTx records traits inside tx. For each key the value with the latest
// time wins, so late-arriving older events do not overwrite newer values. The
// profile's searchable name, email and phone follow the name, first_name /
// firstName + last_name / lastName, email and phone traits.
func (s *Service) SetTraitsTx(ctx context.Context, tx *store.Tx, customerID string,
	traits map[string]json.RawMessage, source, channel string, at time.Time) error {
	return s.SetTraitSetsTx(ctx, tx, []TraitSet{{CustomerID: customerID, Traits: traits, Source: source, Channel: channel, At: at}})
}

// SetTraitSetsTx records many calls' traits inside tx as SetTraitsTx would
// one after the other, in a few statements: a group of tracking calls.
func (s *Service) SetTraitSetsTx(ctx context.Context, tx *store.Tx, sets []TraitSet) error {
	type key struct{ cid, key string }
	latest := map[key]int{} // → index in sets of the value that wins
	contact := map[string]bool{}
	for i, set := range sets {
		if len(set.Traits) > maxTraits {
			return apperr.InvalidField("traits", "more than %d traits in one call", maxTraits)
		}
		for k := range set.Traits {
			if k == "" || len(k) > 128 {
				return apperr.InvalidField("traits", "trait names must have 1 to 128 characters")
			}
			kk := key{set.CustomerID, k}
			if j, ok := latest[kk]; !ok || !set.At.Before(sets[j].At) {
				latest[kk] = i
			}
			if slices.Contains(contactTraits, k) {
				contact[set.CustomerID] = true
			}
		}
	}
	if len(latest) == 0 {
		return nil
	}
	// In key order, so that concurrent transactions on PostgreSQL take row
	// locks in the same order.
	keys := slices.SortedFunc(maps.Keys(latest), func(a, b key) int {
		return cmp.Or(strings.Compare(a.cid, b.cid), strings.Compare(a.key, b.key))
	})
	for chunk := range slices.Chunk(keys, traitChunk) {
		args := make([]any, 0, 6*len(chunk))
		for _, k := range chunk {
			set := sets[latest[k]]
			args = append(args, k.cid, k.key, string(set.Traits[k.key]), set.Source, set.Channel, set.At.UnixMilli())
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO customer_traits (customer_id, key, value, source, channel, updated_at) VALUES "+
			store.Rows(len(chunk), "(?, ?, ?, ?, ?, ?)")+
			` ON CONFLICT (customer_id, key) DO UPDATE SET value = excluded.value, source = excluded.source,
				channel = excluded.channel, updated_at = excluded.updated_at
			WHERE excluded.updated_at >= customer_traits.updated_at`, args...)
		if err != nil {
			return fmt.Errorf("set traits of %d customers: %w", len(sets), err)
		}
	}
	// Without a contact trait the searchable columns cannot have changed.
	return s.refreshContactsTx(ctx, tx, slices.Sorted(maps.Keys(contact)))
}

// traitChunk bounds the traits of one statement (6 parameters each).
const traitChunk = 500

// contactTraits are the traits the searchable name, email and phone follow.
var contactTraits = []string{"name", "first_name", "firstName", "last_name", "lastName", "email", "phone"}

// refreshContactTx copies a customer's contact traits into the searchable
// columns.
func (s *Service) refreshContactTx(ctx context.Context, tx *store.Tx, customerID string) error {
	return s.refreshContactsTx(ctx, tx, []string{customerID})
}

// refreshContactsTx copies the contact traits of customers ids, sorted, into
// their searchable columns.
func (s *Service) refreshContactsTx(ctx context.Context, tx *store.Tx, ids []string) error {
	for chunk := range slices.Chunk(ids, traitChunk) {
		vals, err := contactsOf(ctx, tx, chunk)
		if err != nil {
			return err
		}
		args := make([]any, 0, 5*len(chunk))
		for _, cid := range chunk {
			v := vals[cid]
			name := v["name"]
			if name == "" {
				name = strings.TrimSpace(first(v["first_name"], v["firstName"]) + " " + first(v["last_name"], v["lastName"]))
			}
			args = append(args, cid, name, strings.ToLower(name), strings.ToLower(v["email"]), v["phone"])
		}
		_, err = tx.ExecContext(ctx, `UPDATE customers SET name = v.column2, name_lc = v.column3, email = v.column4, phone = v.column5
			FROM (VALUES `+store.Rows(len(chunk), "(?, ?, ?, ?, ?)")+`) AS v
			WHERE customers.id = v.column1`, args...)
		if err != nil {
			return fmt.Errorf("update contact of %d customers: %w", len(chunk), err)
		}
	}
	return nil
}

// contactsOf reads the contact traits (string values, trimmed) of customers
// ids.
func contactsOf(ctx context.Context, tx *store.Tx, ids []string) (map[string]map[string]string, error) {
	args := make([]any, 0, len(ids)+len(contactTraits))
	for _, cid := range ids {
		args = append(args, cid)
	}
	for _, k := range contactTraits {
		args = append(args, k)
	}
	rows, err := tx.QueryContext(ctx, "SELECT customer_id, key, value FROM customer_traits WHERE customer_id IN ("+
		store.Placeholders(len(ids))+") AND key IN ("+store.Placeholders(len(contactTraits))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("load contact traits: %w", err)
	}
	defer rows.Close()
	out := make(map[string]map[string]string, len(ids))
	for rows.Next() {
		var cid, k, raw string
		if err := rows.Scan(&cid, &k, &raw); err != nil {
			return nil, fmt.Errorf("load contact traits: %w", err)
		}
		var str string
		if json.Unmarshal([]byte(raw), &str) == nil {
			if out[cid] == nil {
				out[cid] = map[string]string{}
			}
			out[cid][k] = strings.TrimSpace(str)
		}
	}
	return out, rows.Err()
}
