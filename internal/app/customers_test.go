package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

func TestCustomerRoutes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		ctx := context.Background()
		see := func(channel, msg string, ids ...identity.Identifier) string {
			var cid string
			err := s.App.Identity().Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
				r, err := b.Resolve(ctx, identity.Request{Identifiers: ids, Channel: channel})
				if err != nil {
					return err
				}
				cid = r.CustomerID
				_, err = s.App.Customers().AppendTx(ctx, tx, []customer.Event{{ID: customer.EventID("s", msg, time.Time{}), CustomerID: cid,
					SourceID: "s", Channel: channel, Type: "track", Name: msg, MessageID: msg,
					Timestamp: time.Now(), ReceivedAt: time.Now(), Payload: json.RawMessage(`{}`)}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return cid
		}
		chat := identity.Identifier{Type: identity.AnonymousID, Value: "visitor-1"}
		psid := identity.Identifier{Type: identity.MessengerPSID, Value: "1254459154682919"}
		email := identity.Identifier{Type: identity.Email, Value: "ann@example.com"}
		a := see("chat", "hello", chat, email)
		b := see("messenger", "hi again", psid)
		survivor := see("messenger", "it's me", psid, email)
		if survivor != a {
			t.Fatalf("survivor %s, want %s", survivor, a)
		}
		read := s.Token(t, auth.ScopeRead)

		code, body := s.Do(t, "GET", "/api/v1/customers/lookup?type=email&value="+url.QueryEscape("ANN@example.com "), read, nil)
		if code != 200 {
			t.Fatalf("lookup: %d %s", code, body)
		}
		v := apptest.DecodeJSON[httpapi.ProfileView](t, body)
		if v.ID != a || len(v.Identities) != 3 || len(v.MergedFrom) != 1 || v.MergedFrom[0] != b {
			t.Fatalf("profile: %s", body)
		}
		code, body = s.Do(t, "GET", "/api/v1/customers/"+b, read, nil)
		if v := apptest.DecodeJSON[httpapi.ProfileView](t, body); code != 200 || v.ID != a || v.RedirectedFrom != b {
			t.Fatalf("merged id: %d %s", code, body)
		}
		code, body = s.Do(t, "GET", "/api/v1/customers/"+b+"/timeline?limit=10", read, nil)
		page := apptest.DecodeJSON[customer.Page](t, body)
		if code != 200 || len(page.Events) != 3 {
			t.Fatalf("timeline: %d %s", code, body)
		}
		code, body = s.Do(t, "GET", "/api/v1/customers/"+a+"/merges", read, nil)
		if m := apptest.DecodeJSON[[]identity.Merge](t, body); code != 200 || len(m) != 1 || m[0].Channel != "messenger" {
			t.Fatalf("merges: %d %s", code, body)
		}
		for _, bad := range []struct {
			path string
			want int
		}{
			{"/api/v1/customers/lookup?type=email&value=nobody@example.com", 404},
			{"/api/v1/customers/lookup?type=shoe&value=42", 400},
			{"/api/v1/customers/lookup?type=email&value=not-an-email", 400},
			{"/api/v1/customers/cus_nope", 404},
			{"/api/v1/customers/" + a + "/timeline?limit=-1", 400},
		} {
			if code, body := s.Do(t, "GET", bad.path, read, nil); code != bad.want {
				t.Errorf("%s: %d %s, want %d", bad.path, code, body, bad.want)
			}
		}
	})
}
