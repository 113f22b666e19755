package inbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// BenchmarkReceive stores inbound messages from 500 customers, one
// transaction each, as webhooks do.
func BenchmarkReceive(b *testing.B) {
	db := storetest.SQLite(b)
	f := fixture{db: db, ids: identity.NewService(db, identity.Options{})}
	_ = f
	ids := identity.NewService(db, identity.Options{})
	in := inbox.New(db, ids, customerService(db), nil, inbox.Options{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		psid := fmt.Sprint(7_000_000 + i%500)
		_, err := in.Receive(ctx, inbox.Inbound{Channel: "messenger", Identifiers: []identity.Identifier{{Type: identity.MessengerPSID, Value: psid}},
			Address: psid, ExternalID: fmt.Sprint("mid.", i), Body: "hello"})
		if err != nil {
			b.Fatal(err)
		}
	}
}
