package segment_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func cond(field, op, value string) segment.Condition {
	return segment.Condition{Field: field, Op: op, Value: segment.Value(value)}
}

func with(c segment.Condition, set func(*segment.Condition)) segment.Condition {
	set(&c)
	return c
}

func days(n int) func(*segment.Condition) { return func(c *segment.Condition) { c.Days = n } }

// TestConditions runs every kind of condition against a world with known
// members, on SQLite and PostgreSQL.
func TestConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := setUp(t, db)
		svc := segment.NewService(db)
		all := []string{p.ann, p.bob, p.cy}
		tests := []struct {
			name  string
			match string
			conds []segment.Condition
			want  []string
		}{
			{"no conditions: every live customer", "", nil, all},
			{"used web", "", []segment.Condition{cond("channel", "is", "web")}, []string{p.ann, p.bob}},
			{"never used web", "", []segment.Condition{cond("channel", "is_not", "WEB")}, []string{p.cy}},
			{"used messenger", "", []segment.Condition{cond("channel", "is", "messenger")}, []string{p.ann}},
			{"three channels or more", "", []segment.Condition{cond("channel_count", "gte", "3")}, []string{p.cy}},
			{"two channels at most", "", []segment.Condition{cond("channel_count", "lte", "2")}, []string{p.ann, p.bob}},
			{"Amazon source", "", []segment.Condition{cond("source", "is", "src_amazon")}, []string{p.bob}},
			{"never the Amazon source", "", []segment.Condition{cond("source", "is_not", "src_amazon")}, []string{p.ann, p.cy}},
			{"plan equals gold, any case", "", []segment.Condition{with(cond("trait", "eq", "GOLD"), key("plan"))}, []string{p.ann}},
			{"age equals a number", "", []segment.Condition{with(cond("trait", "eq", "42"), key("age"))}, []string{p.bob}},
			{"plan contains il", "", []segment.Condition{with(cond("trait", "contains", "il"), key("plan"))}, []string{p.bob}},
			{"plan contains a wildcard", "", []segment.Condition{with(cond("trait", "contains", "%"), key("plan"))}, nil},
			{"city set", "", []segment.Condition{with(cond("trait", "exists", ""), key("city"))}, []string{p.ann}},
			{"city not set", "", []segment.Condition{with(cond("trait", "not_exists", ""), key("city"))}, []string{p.bob, p.cy}},
			{"viewed a product, ever", "", []segment.Condition{cond("event", "done", "Product Viewed")}, []string{p.ann, p.cy}},
			{"viewed a product in 7 days", "", []segment.Condition{with(cond("event", "done", "Product Viewed"), days(7))}, []string{p.ann}},
			{"viewed in the app in 7 days", "", []segment.Condition{with(cond("event", "done", "Product Viewed"), func(c *segment.Condition) {
				c.Days, c.Channel = 7, "app"
			})}, nil},
			{"viewed in the app in 30 days", "", []segment.Condition{with(cond("event", "done", "Product Viewed"), func(c *segment.Condition) {
				c.Days, c.Channel = 30, "app"
			})}, []string{p.cy}},
			{"no product view in 7 days", "", []segment.Condition{with(cond("event", "not_done", "Product Viewed"), days(7))}, []string{p.bob, p.cy}},
			{"two orders", "", []segment.Condition{cond("orders_count", "gte", "2")}, []string{p.ann}},
			{"an order", "", []segment.Condition{cond("orders_count", "gte", "1")}, []string{p.ann, p.bob}},
			{"no order", "", []segment.Condition{cond("orders_count", "lte", "0")}, []string{p.cy}},
			{"one order at most", "", []segment.Condition{cond("orders_count", "lte", "1")}, []string{p.bob, p.cy}},
			{"zero orders or more", "", []segment.Condition{cond("orders_count", "gte", "0")}, all},
			{"spent 500 EUR", "", []segment.Condition{cond("total_spent", "gte", "500 EUR")}, []string{p.ann}},
			{"spent 100 EUR", "", []segment.Condition{cond("total_spent", "gte", "100.00 EUR")}, []string{p.ann, p.bob}},
			{"spent 100 EUR at most", "", []segment.Condition{cond("total_spent", "lte", "100 EUR")}, []string{p.bob, p.cy}},
			{"spent in dollars", "", []segment.Condition{cond("total_spent", "gte", "1 USD")}, nil},
			{"seen in 7 days", "", []segment.Condition{with(cond("last_seen", "within", ""), days(7))}, []string{p.ann}},
			{"seen in 30 days", "", []segment.Condition{with(cond("last_seen", "within", ""), days(30))}, []string{p.ann, p.cy}},
			{"not seen in 7 days", "", []segment.Condition{with(cond("last_seen", "not_within", ""), days(7))}, []string{p.bob, p.cy}},
			{"email consent", "", []segment.Condition{with(cond("consent", "granted", ""), channel("email"))}, []string{p.ann}},
			{"no email consent", "", []segment.Condition{with(cond("consent", "not_granted", ""), channel("email"))}, []string{p.bob, p.cy}},
			{"SMS consent", "", []segment.Condition{with(cond("consent", "granted", ""), channel("sms"))}, []string{p.bob}},
			{"Messenger consent", "", []segment.Condition{with(cond("consent", "granted", "marketing"), channel("messenger"))}, []string{p.cy}},
			{"transactional email consent", "", []segment.Condition{with(cond("consent", "granted", "transactional"), channel("email"))}, nil},
			{"open cart", "", []segment.Condition{cond("open_cart", "exists", "")}, []string{p.ann, p.cy}},
			{"open cart changed in 7 days", "", []segment.Condition{with(cond("open_cart", "exists", ""), days(7))}, []string{p.ann}},
			{"no open cart", "", []segment.Condition{cond("open_cart", "not_exists", "")}, []string{p.bob}},
			{"holds a promotion", "", []segment.Condition{cond("promotion", "holds", "")}, []string{p.ann}},
			{"holds AUTUMN10 by code", "", []segment.Condition{cond("promotion", "holds", "autumn10")}, []string{p.ann}},
			{"holds welcome5, used", "", []segment.Condition{cond("promotion", "holds", "welcome5")}, nil},
			{"holds none", "", []segment.Condition{cond("promotion", "not_holds", "")}, []string{p.bob, p.cy}},
			{"messenger or SMS consent", "any", []segment.Condition{cond("channel", "is", "messenger"),
				with(cond("consent", "granted", ""), channel("sms"))}, []string{p.ann, p.bob}},
			{"web and an order and silver", "all", []segment.Condition{cond("channel", "is", "web"), cond("orders_count", "gte", "1"),
				with(cond("trait", "eq", "silver"), key("plan"))}, []string{p.bob}},
		}
		ctx := context.Background()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				d := segment.Definition{Match: tc.match, Conditions: tc.conds}
				n, err := svc.Count(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				got := memberIDs(t, svc, d, 2)
				if !slices.Equal(got, tc.want) || n != int64(len(tc.want)) {
					t.Errorf("members %v (count %d), want %v", got, n, tc.want)
				}
				p, err := svc.Preview(ctx, d, 10)
				if err != nil {
					t.Fatal(err)
				}
				var sample []string
				for _, c := range p.Sample {
					sample = append(sample, c.ID)
				}
				if !slices.Equal(sample, tc.want) || p.Count != n {
					t.Errorf("preview %v (count %d), want %v", sample, p.Count, tc.want)
				}
			})
		}
	})
}

func key(k string) func(*segment.Condition) { return func(c *segment.Condition) { c.Key = k } }
func channel(ch string) func(*segment.Condition) {
	return func(c *segment.Condition) { c.Channel = ch }
}

// memberIDs reads every member page by page.
func memberIDs(t *testing.T, svc *segment.Service, d segment.Definition, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 10 {
		page, next, err := svc.Members(context.Background(), d, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if next == "" {
			return ids
		}
		cursor = next
	}
	t.Fatal("more pages than members")
	return nil
}

// TestSegmentsStoredAndOfCustomer stores segments, edits and deletes one,
// and lists the segments a customer belongs to.
func TestSegmentsStoredAndOfCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := setUp(t, db)
		svc := segment.NewService(db)
		ctx := context.Background()
		omni, err := svc.Create(ctx, segment.Input{Name: " Omnichannel ", Definition: segment.Definition{
			Conditions: []segment.Condition{cond("channel_count", "gte", "2")}}})
		if err != nil {
			t.Fatal(err)
		}
		if omni.Name != "Omnichannel" || omni.Match != "all" || !strings.HasPrefix(omni.ID, "seg_") {
			t.Fatalf("created %+v", omni)
		}
		vip, err := svc.Create(ctx, segment.Input{Name: "VIP", Definition: segment.Definition{
			Conditions: []segment.Condition{cond("total_spent", "gte", "500 EUR")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, segment.Input{Name: "VIP"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("duplicate name: %v", err)
		}
		ofAnn, err := svc.Of(ctx, p.ann)
		if err != nil {
			t.Fatal(err)
		}
		if names := segmentNames(ofAnn); !slices.Equal(names, []string{"Omnichannel", "VIP"}) {
			t.Errorf("ann is in %v", names)
		}
		vip, err = svc.Update(ctx, vip.ID, segment.Input{Name: "Big spenders", Definition: segment.Definition{Match: "ANY",
			Conditions: []segment.Condition{cond("total_spent", "gte", "100 EUR"), cond("channel", "is", "pos")}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, vip.ID)
		if err != nil || got.Name != "Big spenders" || got.Match != "any" || len(got.Conditions) != 2 {
			t.Fatalf("after update: %+v %v", got, err)
		}
		if ofCy, _ := svc.Of(ctx, p.cy); !slices.Equal(segmentNames(ofCy), []string{"Big spenders", "Omnichannel"}) {
			t.Errorf("cy is in %v", segmentNames(ofCy))
		}
		if ofDee, _ := svc.Of(ctx, p.dee); len(ofDee) != 0 {
			t.Errorf("a merged-away profile is in %v", segmentNames(ofDee))
		}
		if err := svc.Delete(ctx, omni.ID); err != nil {
			t.Fatal(err)
		}
		list, _ := svc.List(ctx)
		if !slices.Equal(segmentNames(list), []string{"Big spenders"}) {
			t.Errorf("after delete: %v", segmentNames(list))
		}
		for _, err := range []error{svc.Delete(ctx, omni.ID), func() error { _, err := svc.Get(ctx, "seg_nope"); return err }(),
			func() error { _, err := svc.Update(ctx, "seg_nope", segment.Input{Name: "x"}); return err }()} {
			if apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("missing segment: %v", err)
			}
		}
	})
}

func segmentNames(list []segment.Segment) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

// TestDefinitionErrors checks that bad definitions are refused naming the
// field at fault.
func TestDefinitionErrors(t *testing.T) {
	tests := []struct {
		json, field, msg string
	}{
		{`{"match":"some"}`, "match", "unknown match"},
		{`{"conditions":[{"field":"shoe_size","op":"gte","value":42}]}`, "conditions[0].field", `unknown field "shoe_size"`},
		{`{"conditions":[{"field":"channel","op":"is","value":"web"},{"field":"channel","op":"like","value":"web"}]}`, "conditions[1].op", `unknown operator "like" for field channel`},
		{`{"conditions":[{"field":"channel","op":"is","value":"telex"}]}`, "conditions[0].value", `unknown channel "telex"`},
		{`{"conditions":[{"field":"channel","op":"is"}]}`, "conditions[0].value", "is required"},
		{`{"conditions":[{"field":"trait","op":"eq","value":"gold"}]}`, "conditions[0].key", "is required"},
		{`{"conditions":[{"field":"trait","op":"exists","key":"plan","value":"x"}]}`, "conditions[0].value", "takes no value"},
		{`{"conditions":[{"field":"last_seen","op":"within"}]}`, "conditions[0].days", "is required"},
		{`{"conditions":[{"field":"last_seen","op":"within","days":99999}]}`, "conditions[0].days", "from 1 to 3650"},
		{`{"conditions":[{"field":"event","op":"done","value":"Home","channel":"fax"}]}`, "conditions[0].channel", `unknown channel "fax"`},
		{`{"conditions":[{"field":"consent","op":"granted"}]}`, "conditions[0].channel", "is required"},
		{`{"conditions":[{"field":"orders_count","op":"gte","value":"many"}]}`, "conditions[0].value", "whole number"},
		{`{"conditions":[{"field":"total_spent","op":"gte","value":"500"}]}`, "conditions[0].value", "such as 500 EUR"},
		{`{"conditions":[{"field":"channel_count","op":"gte","value":2,"days":3}]}`, "conditions[0].days", "takes no days"},
	}
	for _, tc := range tests {
		var d segment.Definition
		if err := json.Unmarshal([]byte(tc.json), &d); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		err := d.Normalize()
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || e.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %v; want invalid %s: …%s…", tc.json, err, tc.field, tc.msg)
		}
	}
}

// TestRecentCount: a count is reused while recent, taken anew for another
// definition, and counted again behind the old one once it is older than
// CountFresh.
func TestRecentCount(t *testing.T) {
	db := storetest.SQLite(t)
	p := setUp(t, db)
	svc := segment.NewService(db)
	clock := time.Now()
	segment.SetClock(svc, func() time.Time { return clock })
	ctx := context.Background()
	web := segment.Definition{Conditions: []segment.Condition{cond("channel", "is", "web")}}
	if c, err := svc.RecentCount(ctx, web); err != nil || c.N != 2 || !c.At.Equal(clock.UTC()) {
		t.Fatalf("first count: %+v, %v; want 2 now", c, err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE customers SET channels = 'web' WHERE id = ?", p.cy); err != nil {
		t.Fatal(err)
	}
	if c, _ := svc.RecentCount(ctx, web); c.N != 2 {
		t.Errorf("count within CountFresh: %d, want the recent 2", c.N)
	}
	if n, _ := svc.Count(ctx, web); n != 3 {
		t.Errorf("Count: %d, want 3 (always exact)", n)
	}
	upper := segment.Definition{Conditions: []segment.Condition{cond("channel", "is", "WEB")}}
	if c, _ := svc.RecentCount(ctx, upper); c.N != 2 {
		t.Errorf("the same definition written otherwise: %d, want the recent 2", c.N)
	}
	if c, _ := svc.RecentCount(ctx, segment.Definition{}); c.N != 3 {
		t.Errorf("another definition: %d, want 3", c.N)
	}
	clock = clock.Add(segment.CountFresh)
	if err := svc.PrimeCount(ctx, web); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := svc.RecentCount(ctx, web)
		if err == nil && c.N == 3 && c.At.Equal(clock.UTC()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("count after priming a stale one: %+v, %v; want 3 now", c, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	bad := segment.Definition{Conditions: []segment.Condition{cond("channel", "is", "telex")}}
	if _, err := svc.RecentCount(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("an invalid definition: %v", err)
	}
}
