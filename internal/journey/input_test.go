package journey_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestBadJourneysAreRefused: each bad setting is refused with its field
// named, and nothing is stored.
func TestBadJourneysAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ok := journey.Input{Name: "Cart", Kind: journey.AbandonedCart}
		tests := []struct {
			name  string
			edit  func(*journey.Input)
			field string
		}{
			{"no name", func(in *journey.Input) { in.Name = "  " }, "name"},
			{"unknown kind", func(in *journey.Input) { in.Kind = "birthday" }, "kind"},
			{"wait under a minute", func(in *journey.Input) { in.WaitSeconds = 30 }, "wait_seconds"},
			{"wait over 30 days", func(in *journey.Input) { in.WaitSeconds = 31 * 24 * 3600 }, "wait_seconds"},
			{"unknown channel", func(in *journey.Input) { in.Channels = []string{"fax"} }, "channels"},
			{"cap of no messages", func(in *journey.Input) { in.Cap = marketing.FrequencyCap{Messages: 0, Days: 3} }, "frequency_cap"},
			{"template that does not parse", func(in *journey.Input) { in.Template = "Hi {{.Customer.Name" }, "template"},
			{"template naming nothing", func(in *journey.Input) { in.Template = "Hi {{.Customer.Nickname}}" }, "template"},
			{"subject naming nothing", func(in *journey.Input) { in.Subject = "{{.Coupon}}" }, "subject"},
			{"quiet hours without an end", func(in *journey.Input) { in.Quiet = marketing.QuietHours{Start: "21:00"} }, "quiet_hours"},
			{"quiet hours in no time zone", func(in *journey.Input) {
				in.Quiet = marketing.QuietHours{Start: "21:00", End: "08:00", TimeZone: "Mars/Olympus"}
			}, "quiet_hours.time_zone"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := ok
				tc.edit(&in)
				_, err := w.journeys.Create(context.Background(), in)
				if e, isApp := apperr.As(err); !isApp || e.Code != apperr.Invalid || e.Field != tc.field {
					t.Fatalf("err = %v, want invalid %s", err, tc.field)
				}
			})
		}
		if list, err := w.journeys.List(context.Background()); err != nil || len(list) != 0 {
			t.Fatalf("stored: %d journeys, %v", len(list), err)
		}
	})
}
