package analytics

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestKindSQLMatchesClassify checks that the SQL a replay classifies with
// gives Classify's answer for every type and name, on both backends.
func TestKindSQLMatchesClassify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		types := []string{"track", "order", "cart", "page", "screen", "message", "identify", "alias"}
		names := append(sortedKeys(commerceKinds), "", "Order Picked Up", "Message received", "product viewed")
		n := 0
		for _, typ := range types {
			for _, name := range names {
				n++
				_, err := db.ExecContext(ctx, `INSERT INTO events (id, customer_id, source_id, channel, type, name, message_id, ts, received_at, payload)
					VALUES (?, 'c', 's', 'web', ?, ?, ?, 0, 0, '{}')`, typ+"/"+name, typ, name, typ+"/"+name)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		rows, err := db.QueryContext(ctx, "SELECT type, name, "+kindSQL()+", CASE WHEN "+payloadSQL()+" THEN 1 ELSE 0 END FROM events")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		seen := 0
		for rows.Next() {
			var typ, name string
			var kind, payload int
			if err := rows.Scan(&typ, &name, &kind, &payload); err != nil {
				t.Fatal(err)
			}
			seen++
			want := Classify(typ, name)
			if Kind(kind) != want || (payload == 1) != want.NeedsPayload() {
				t.Errorf("%s %q: SQL kind %d payload %d, Classify %d (needs payload %v)", typ, name, kind, payload, want, want.NeedsPayload())
			}
		}
		if seen != n {
			t.Fatalf("checked %d of %d events", seen, n)
		}
	})
}
