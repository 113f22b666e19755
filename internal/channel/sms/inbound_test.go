package sms

import (
	"errors"
	"net/url"
	"os"
	"reflect"
	"testing"
)

func readForm(t *testing.T, name string) url.Values {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := url.ParseQuery(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseInboundFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    Inbound
	}{
		{"inbound_sms.form", Inbound{
			MessageSID:          "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			AccountSID:          "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			MessagingServiceSID: "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			From:                "+14158675310",
			To:                  "+14155238886",
			Body:                "Is my order #42 shipped?",
			NumSegments:         1,
			FromCountry:         "US",
		}},
		{"inbound_mms.form", Inbound{
			MessageSID:  "MMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
			AccountSID:  "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			From:        "+12125550123",
			To:          "+14155238886",
			NumSegments: 1,
			FromCountry: "US",
			Media: []Media{
				{URL: "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Media/MEcccccccccccccccccccccccccccccccc", ContentType: "image/jpeg"},
				{URL: "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Media/MEdddddddddddddddddddddddddddddddd", ContentType: "application/pdf"},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, err := ParseInbound(readForm(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseInboundErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
	}{
		{"no MessageSid", func(f url.Values) { f.Del("MessageSid") }, "MessageSid"},
		{"no AccountSid", func(f url.Values) { f.Del("AccountSid") }, "AccountSid"},
		{"no From", func(f url.Values) { f.Del("From") }, "From"},
		{"no To", func(f url.Values) { f.Del("To") }, "To"},
		{"From national", func(f url.Values) { f.Set("From", "4158675310") }, "From"},
		{"From with spaces", func(f url.Values) { f.Set("From", "+1 415 867 5310") }, "From"},
		{"From whatsapp", func(f url.Values) { f.Set("From", "whatsapp:+14158675310") }, "From"},
		{"From too long", func(f url.Values) { f.Set("From", "+1234567890123456") }, "From"},
		{"From unknown country", func(f url.Values) { f.Set("From", "+9991234567") }, "From"},
		{"To short code", func(f url.Values) { f.Set("To", "12345") }, "To"},
		{"NumMedia not a number", func(f url.Values) { f.Set("NumMedia", "two") }, "NumMedia"},
		{"NumMedia negative", func(f url.Values) { f.Set("NumMedia", "-1") }, "NumMedia"},
		{"NumMedia too many", func(f url.Values) { f.Set("NumMedia", "11") }, "NumMedia"},
		{"media URL missing", func(f url.Values) { f.Set("NumMedia", "1") }, "MediaUrl0"},
		{"media URL relative", func(f url.Values) { f.Set("NumMedia", "1"); f.Set("MediaUrl0", "/Media/ME1") }, "MediaUrl0"},
		{"NumSegments bad", func(f url.Values) { f.Set("NumSegments", "1.5") }, "NumSegments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := readForm(t, "inbound_sms.form")
			tt.change(f)
			_, err := ParseInbound(f)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Fatalf("field = %s, want %s (err %v)", fe.Field, tt.field, err)
			}
		})
	}
}
