package marketing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/marketing"
)

func TestQuietHoursAfter(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	night := marketing.QuietHours{Start: "21:00", End: "08:00", TimeZone: "UTC"}
	lunch := marketing.QuietHours{Start: "12:00", End: "14:00", TimeZone: "UTC"}
	tests := []struct {
		name string
		q    marketing.QuietHours
		t    string
		want string
	}{
		{"none", marketing.QuietHours{}, "2026-03-02T23:00:00Z", "2026-03-02T23:00:00Z"},
		{"before the night", night, "2026-03-02T20:59:00Z", "2026-03-02T20:59:00Z"},
		{"late evening", night, "2026-03-02T22:30:00Z", "2026-03-03T08:00:00Z"},
		{"small hours", night, "2026-03-03T03:10:00Z", "2026-03-03T08:00:00Z"},
		{"the night's end", night, "2026-03-03T08:00:00Z", "2026-03-03T08:00:00Z"},
		{"lunch", lunch, "2026-03-02T12:30:00Z", "2026-03-02T14:00:00Z"},
		{"after lunch", lunch, "2026-03-02T14:30:00Z", "2026-03-02T14:30:00Z"},
		{"in Paris", marketing.QuietHours{Start: "21:00", End: "08:00", TimeZone: "Europe/Paris"}, "2026-03-02T21:30:00Z", "2026-03-03T07:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.q.After(at(tc.t)); !got.Equal(at(tc.want)) {
				t.Errorf("After(%s) = %s, want %s", tc.t, got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestFrequencyCapNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   marketing.FrequencyCap
		want marketing.FrequencyCap
		bad  bool
	}{
		{"zero takes the default", marketing.FrequencyCap{}, marketing.FrequencyCap{Messages: 2, Days: 7}, false},
		{"kept", marketing.FrequencyCap{Messages: 5, Days: 30}, marketing.FrequencyCap{Messages: 5, Days: 30}, false},
		{"no messages", marketing.FrequencyCap{Days: 3}, marketing.FrequencyCap{}, true},
		{"over a year", marketing.FrequencyCap{Messages: 1, Days: 366}, marketing.FrequencyCap{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Normalize()
			if tc.bad {
				if e, ok := apperr.As(err); !ok || e.Field != "frequency_cap" {
					t.Fatalf("err = %v, want invalid frequency_cap", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Normalize() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	if l := (marketing.FrequencyCap{Messages: 3, Days: 2}).Limit(now); l.Messages != 3 || !l.Since.Equal(now.Add(-48*time.Hour)) {
		t.Errorf("Limit = %+v", l)
	}
}

func TestRefused(t *testing.T) {
	unprocessable := func(cause error) error {
		return &apperr.Error{Code: apperr.Unprocessable, Message: "cannot notify", Err: cause}
	}
	tests := []struct {
		name   string
		err    error
		reason string
		ok     bool
	}{
		{"no consent", unprocessable(inbox.ErrNoConsent), marketing.ReasonNoConsent, true},
		{"no address", unprocessable(inbox.ErrNoAddress), marketing.ReasonNoAddress, true},
		{"capped", unprocessable(inbox.ErrCapped), marketing.ReasonCapped, true},
		{"Messenger's window", unprocessable(nil), marketing.ReasonChannelRules, true},
		{"empty text", apperr.InvalidField("body", "is required"), marketing.ReasonBadMessage, true},
		{"the database", errors.New("disk I/O error"), "", false},
		{"not found", apperr.NotFoundf("no customer"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := marketing.Refused(tc.err)
			if ok != tc.ok || r.Reason != tc.reason {
				t.Fatalf("Refused = %+v, %v; want %q, %v", r, ok, tc.reason, tc.ok)
			}
		})
	}
}
