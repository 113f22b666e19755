package campaign_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestRetryAfterCrashSendsOnce: a run that dies after queueing a batch but
// before committing leaves the audience pending and nothing queued; the
// retry sends to each consenting member once, and a later run adds nothing.
func TestRetryAfterCrashSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, campaign.Options{})
		ctx := context.Background()
		ann := w.customer(t, "Ann", []string{"email"}, mail(t, "ann@example.com"))
		w.customer(t, "Bo", []string{"email"}, mail(t, "bo@example.com"))
		w.customer(t, "Cy", nil, mail(t, "cy@example.com"))
		c := w.create(t, campaign.Input{Name: "Spring", Channel: "email", SegmentID: w.members(t), Subject: "Spring, {{first_name}}",
			Body: "Hi {{first_name|there}}"})
		if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.campaigns.SendNow(ctx, c.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second click: %v, want a conflict", err)
		}
		w.notifier.Fail(errors.New("connection reset by peer"))
		if err := w.work(t, c); err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Fatalf("run that crashed: %v", err)
		}
		got, _ := w.campaigns.Get(ctx, c.ID)
		if n := w.count(t, outbound); n != 0 || got.Stats.Pending != 3 || got.Status != campaign.Sending {
			t.Fatalf("after the crash: %d messages, %s, stats %+v", n, got.Status, got.Stats)
		}
		w.notifier.Fail(nil)
		for range 2 {
			if err := w.work(t, c); err != nil {
				t.Fatal(err)
			}
		}
		got, _ = w.campaigns.Get(ctx, c.ID)
		if n := w.count(t, outbound); n != 2 || got.Status != campaign.Sent || got.Stats.Sent != 2 || got.Stats.SkippedBy["no consent"] != 1 {
			t.Fatalf("after the retries: %d messages, %s, stats %+v", n, got.Status, got.Stats)
		}
		var body, subject string
		err := db.QueryRowContext(ctx, "SELECT body, subject FROM messages WHERE customer_id = ? AND campaign = ?", ann, c.Slug).Scan(&body, &subject)
		if err != nil || body != "Hi Ann" || subject != "Spring, Ann" {
			t.Fatalf("Ann's message %q %q %v", subject, body, err)
		}
	})
}

// TestCapAndChannelRules: the frequency cap counts the marketing messages
// of every campaign; Messenger takes a promotional message only within 24
// hours of the customer's last one; a member without a Messenger id has
// no address there.
func TestCapAndChannelRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, campaign.Options{})
		ctx := context.Background()
		psid, _ := identity.New(identity.MessengerPSID, "1254459154682919")
		w.customer(t, "Ann", []string{"email", "messenger"}, mail(t, "ann@example.com"), psid)
		w.customer(t, "Bo", []string{"email", "messenger"}, mail(t, "bo@example.com"))
		seg := w.members(t)
		send := func(name, channel string) campaign.Campaign {
			c := w.create(t, campaign.Input{Name: name, Channel: channel, SegmentID: seg, Subject: name, Body: "News",
				Cap: marketing.FrequencyCap{Messages: 1, Days: 7}})
			if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			if err := w.work(t, c); err != nil {
				t.Fatal(err)
			}
			got, _ := w.campaigns.Get(ctx, c.ID)
			return got
		}
		if st := send("First", "email").Stats; st.Sent != 2 {
			t.Fatalf("first campaign %+v", st)
		}
		if st := send("Second", "email").Stats; st.Sent != 0 || st.SkippedBy["capped"] != 2 {
			t.Errorf("second campaign over the cap: %+v", st)
		}
		if _, err := db.ExecContext(ctx, "UPDATE messages SET created_at = created_at - ?", (8 * 24 * time.Hour).Milliseconds()); err != nil {
			t.Fatal(err)
		}
		st := send("On Messenger", "messenger").Stats
		if st.Sent != 0 || st.SkippedBy["channel rules"] != 1 || st.SkippedBy["no address"] != 1 {
			t.Errorf("Messenger campaign: %+v", st)
		}
	})
}

// TestMergedRecipientsGetOneMessage: members of the audience who turn out
// to be one person during the send get one message. Ann's email profile,
// sent to first, merges into her account (a stronger identifier), still
// pending; Bo's tablet profile and his email profile, both pending, merge
// too.
func TestMergedRecipientsGetOneMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, campaign.Options{BatchSize: 1, RunFor: time.Nanosecond})
		ctx := context.Background()
		ident := func(typ identity.Type, v string) identity.Identifier { i, _ := identity.New(typ, v); return i }
		// Profiles are sent to in id order, which is the order they are made.
		annEmail := w.customer(t, "Ann", []string{"email"}, mail(t, "ann@example.com"))
		annAccount := w.customer(t, "", []string{"email"}, ident(identity.UserID, "u-ann"))
		boTablet := w.customer(t, "", []string{"email"}, ident(identity.DeviceID, "bo-tablet"))
		bo := w.customer(t, "Bo", []string{"email"}, mail(t, "bo@example.com"))
		c := w.create(t, campaign.Input{Name: "Spring", Channel: "email", SegmentID: w.members(t), Subject: "Spring", Body: "Hi"})
		if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		// One run takes the audience, sends to Ann's email profile and yields.
		if err := w.work(t, c); !snoozed(err) || w.count(t, outbound) != 1 {
			t.Fatalf("first run: %v, %d messages", err, w.count(t, outbound))
		}
		for _, pair := range [][]identity.Identifier{{ident(identity.UserID, "u-ann"), mail(t, "ann@example.com")},
			{mail(t, "bo@example.com"), ident(identity.DeviceID, "bo-tablet")}} {
			if _, err := w.ids.Resolve(ctx, identity.Request{Identifiers: pair, Channel: "web"}); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; ; i++ {
			err := w.work(t, c)
			if err == nil {
				break
			}
			if !snoozed(err) || i > 5 {
				t.Fatalf("run %d: %v", i, err)
			}
		}
		got, _ := w.campaigns.Get(ctx, c.ID)
		if st := got.Stats; st.Audience != 4 || st.SkippedBy["merged"] != 2 || st.Sent != 2 {
			t.Errorf("stats %+v", st)
		}
		for _, who := range [][2]string{{annEmail, annAccount}, {boTablet, bo}} {
			if n := w.count(t, outbound+" AND customer_id IN (?, ?)", who[0], who[1]); n != 1 {
				t.Errorf("%d messages to one person's two profiles, want 1", n)
			}
		}
	})
}

// TestCancelStopsTheSendAndQuietHoursWait: a campaign cancelled while it
// sends stops before its next batch, keeping the rest pending; sent again,
// it waits out its quiet hours, then finishes.
func TestCancelStopsTheSendAndQuietHoursWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, campaign.Options{BatchSize: 1, RunFor: time.Nanosecond})
		ctx := context.Background()
		for _, who := range []string{"ann", "bo", "cy"} {
			w.customer(t, who, []string{"email"}, mail(t, who+"@example.com"))
		}
		noon := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		w.clock.Set(noon)
		c := w.create(t, campaign.Input{Name: "Spring", Channel: "email", SegmentID: w.members(t), Subject: "Spring", Body: "Hi",
			Quiet: marketing.QuietHours{Start: "13:00", End: "08:00", TimeZone: "UTC"}})
		if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.work(t, c); !snoozed(err) {
			t.Fatalf("first run: %v", err)
		}
		if _, err := w.campaigns.Cancel(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.work(t, c); err != nil || w.count(t, outbound) != 1 {
			t.Fatalf("run after the cancel: %v, %d messages", err, w.count(t, outbound))
		}
		got, _ := w.campaigns.Get(ctx, c.ID)
		if got.Status != campaign.Cancelled || got.Stats.Pending != 2 || got.Editable() {
			t.Fatalf("cancelled: %s %+v editable %v", got.Status, got.Stats, got.Editable())
		}
		w.clock.Set(noon.Add(2 * time.Hour)) // quiet from 13:00 to 08:00
		if _, err := w.campaigns.SendNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.work(t, c); !snoozed(err) || w.count(t, outbound) != 1 {
			t.Fatalf("in quiet hours: %v, %d messages", err, w.count(t, outbound))
		}
		w.clock.Set(noon.Add(20 * time.Hour))
		for range 5 {
			if err := w.work(t, c); err == nil {
				break
			}
		}
		if got, _ := w.campaigns.Get(ctx, c.ID); got.Status != campaign.Sent || got.Stats.Sent != 3 || w.count(t, outbound) != 3 {
			t.Errorf("after the quiet hours: %s %+v", got.Status, got.Stats)
		}
	})
}

// TestSlugsAndBadInput: slugs are made from names and numbered when taken;
// a chosen slug that is taken, and every bad field, are refused by name.
func TestSlugsAndBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, campaign.Options{})
		seg := w.members(t)
		in := func(name, slug string) campaign.Input {
			return campaign.Input{Name: name, Slug: slug, Channel: "email", SegmentID: seg, Subject: "Hi", Body: "Hello"}
		}
		for _, tc := range []struct{ name, slug, want string }{
			{"Autumn Sale!", "", "autumn-sale"},
			{"autumn  sale", "", "autumn-sale-2"},
			{"Été — Soldes 2026", "", "été-soldes-2026"},
			{"¡¡!!", "", "campaign"},
			{"Chosen", "Spring_26", "spring_26"},
		} {
			if c := w.create(t, in(tc.name, tc.slug)); c.Slug != tc.want {
				t.Errorf("%q: slug %q, want %q", tc.name, c.Slug, tc.want)
			}
		}
		bad := []struct {
			name  string
			edit  func(*campaign.Input)
			field string
		}{
			{"taken slug", func(in *campaign.Input) { in.Slug = "autumn-sale" }, "slug"},
			{"slug with a space", func(in *campaign.Input) { in.Slug = "a b" }, "slug"},
			{"no segment", func(in *campaign.Input) { in.SegmentID = "" }, "segment_id"},
			{"channel chat", func(in *campaign.Input) { in.Channel = "chat" }, "channel"},
			{"SMS not connected", func(in *campaign.Input) { in.Channel = "sms" }, "channel"},
			{"unclosed tag", func(in *campaign.Input) { in.Body = "Hi {{first_name" }, "body"},
			{"unknown tag in the subject", func(in *campaign.Input) { in.Subject = "{{city}}" }, "subject"},
			{"cap of no days", func(in *campaign.Input) { in.Cap = marketing.FrequencyCap{Messages: 1} }, "frequency_cap"},
			{"quiet hours without an end", func(in *campaign.Input) { in.Quiet = marketing.QuietHours{Start: "21:00"} }, "quiet_hours"},
			{"ftp link", func(in *campaign.Input) { in.Link = "ftp://shop.example" }, "link"},
		}
		for _, tc := range bad {
			i := in("Bad", "")
			tc.edit(&i)
			_, err := w.campaigns.Create(context.Background(), i)
			if e, ok := apperr.As(err); !ok || e.Field != tc.field {
				t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.field)
			}
		}
		if n := w.count(t, "SELECT COUNT(*) FROM campaigns WHERE name = 'Bad'"); n != 0 {
			t.Errorf("%d refused campaigns stored", n)
		}
	})
}
