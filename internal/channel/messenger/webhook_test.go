package messenger

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseWebhookFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    []Event
	}{
		{"messages_text.json", []Event{
			{Kind: KindMessage, PageID: "PAGE_ID", SenderID: "PSID", RecipientID: "PAGE_ID", Timestamp: 1458692752478,
				Message: &Message{MID: "mid.1457764197618:41d102a3e1ae206a38", Text: "hello, world!",
					QuickReplyPayload: "DEVELOPER_DEFINED_PAYLOAD"}},
			{Kind: KindMessage, PageID: "PAGE_ID", SenderID: "PSID", RecipientID: "PAGE_ID", Timestamp: 1458692752478,
				Message: &Message{MID: "m_1457764197618:41d102a3e1ae206a38", Text: "hello, world!",
					ReplyToMID: "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"}},
		}},
		{"messages_attachments.json", []Event{
			{Kind: KindMessage, PageID: "682498302938465", SenderID: "PSID", RecipientID: "682498302938465",
				Timestamp: 1518479195308,
				Message: &Message{MID: "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", Attachments: []Attachment{
					{Type: "image", URL: "https://scontent.xx.fbcdn.net/v/image.jpg"},
					{Type: "fallback", URL: "https://example.com/shared-link", Title: "Shared link"},
				}}},
		}},
		{"message_echoes.json", []Event{
			{Kind: KindMessage, PageID: "PAGE_ID", SenderID: "PAGE_ID", RecipientID: "PSID", Timestamp: 1457764197627,
				Message: &Message{MID: "mid.1457764197618:41d102a3e1ae206a38", Text: "hello, world!", IsEcho: true,
					Metadata: "DEVELOPER_DEFINED_METADATA_STRING"}},
		}},
		{"messaging_postbacks.json", []Event{
			{Kind: KindPostback, PageID: "PAGE-ID", SenderID: "PSID", RecipientID: "PAGE-ID", Timestamp: 1527459824,
				Postback: &Postback{MID: "m_MESSAGE-ID", Title: "TITLE-FOR-THE-CTA", Payload: "USER-DEFINED-PAYLOAD",
					Referral: &Referral{Ref: "USER-DEFINED-REFERRAL-PARAM", Source: "SHORTLINK", Type: "OPEN_THREAD"}}},
			{Kind: KindPostback, PageID: "PAGE-ID", SenderUserRef: "USER-REF-ID", RecipientID: "PAGE-ID", Timestamp: 1527459824,
				Postback: &Postback{MID: "m_MESSAGE-ID-2", Title: "TITLE-FOR-THE-CTA", Payload: "USER-DEFINED-PAYLOAD"}},
		}},
		{"messaging_referrals.json", []Event{
			{Kind: KindReferral, PageID: "PAGE_ID", SenderID: "PSID", RecipientID: "PAGE_ID", Timestamp: 1458692752478,
				Referral: &Referral{Ref: "REF_DATA_PASSED_IN_M.ME_PARAM", Source: "SHORTLINK", Type: "OPEN_THREAD"}},
			{Kind: KindReferral, PageID: "PAGE_ID", SenderID: "PSID", RecipientID: "PAGE_ID", Timestamp: 1458692752478,
				Referral: &Referral{Ref: "REF_DATA_IF_SPECIFIED_IN_THE_AD", Source: "ADS", Type: "OPEN_THREAD", AdID: "ID_OF_THE_AD"}},
		}},
		{"mixed_unknown_kinds.json", []Event{
			{Kind: KindMessage, PageID: "111111", SenderID: "USER_ID", RecipientID: "PAGE_ID", Timestamp: 1457764197627,
				Message: &Message{MID: "mid.1457764197618:41d102a3e1ae206a38", Text: "hello, world!"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, err := ParseWebhook(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events differ\n got: %s\nwant: %s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump(events []Event) string {
	var s string
	for _, e := range events {
		s += "\n  " + formatEvent(e)
	}
	return s
}

func formatEvent(e Event) string {
	s := string(e.Kind) + " page=" + e.PageID + " sender=" + e.SenderID + "/" + e.SenderUserRef + " recipient=" + e.RecipientID
	if e.Message != nil {
		s += " message=" + sprint(*e.Message)
	}
	if e.Postback != nil {
		s += " postback=" + sprint(*e.Postback)
		if e.Postback.Referral != nil {
			s += " referral=" + sprint(*e.Postback.Referral)
		}
	}
	if e.Referral != nil {
		s += " referral=" + sprint(*e.Referral)
	}
	return s
}

func TestEventCustomerIDAndTime(t *testing.T) {
	echo, err := ParseWebhook(readFixture(t, "message_echoes.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := echo[0].CustomerID(); got != "PSID" {
		t.Errorf("echo CustomerID = %q, want the recipient PSID", got)
	}
	pb, err := ParseWebhook(readFixture(t, "messaging_postbacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := pb[0].CustomerID(); got != "PSID" {
		t.Errorf("postback CustomerID = %q, want PSID", got)
	}
	if got := pb[1].CustomerID(); got != "USER-REF-ID" {
		t.Errorf("user_ref CustomerID = %q, want USER-REF-ID", got)
	}
	text, err := ParseWebhook(readFixture(t, "messages_text.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2016, 3, 23, 0, 25, 52, 478e6, time.UTC)
	if got := text[0].Time(); !got.Equal(want) {
		t.Errorf("Time() = %v, want %v", got.UTC(), want)
	}
}

func TestParseWebhookErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		is   error
	}{
		{"not JSON", `{"object":"page","entry":[`, nil},
		{"trailing garbage", `{"object":"page","entry":[]} x`, nil},
		{"wrong type", `{"object":"page","entry":{}}`, nil},
		{"instagram object", `{"object":"instagram","entry":[]}`, ErrNotPage},
		{"no object", `{"entry":[]}`, ErrNotPage},
		{"message without mid", `{"object":"page","entry":[{"id":"1","messaging":[
			{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":1,"message":{"text":"hi"}}]}]}`, nil},
		{"message without sender", `{"object":"page","entry":[{"id":"1","messaging":[
			{"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"m","text":"hi"}}]}]}`, nil},
		{"postback without recipient", `{"object":"page","entry":[{"id":"1","messaging":[
			{"sender":{"id":"2"},"timestamp":1,"postback":{"payload":"P"}}]}]}`, nil},
		{"bad timestamp", `{"object":"page","entry":[{"id":"1","messaging":[
			{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":"soon","message":{"mid":"m"}}]}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := ParseWebhook([]byte(tt.body))
			if err == nil {
				t.Fatalf("no error; events = %v", events)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
		})
	}
}

func TestParseWebhookEmpty(t *testing.T) {
	events, err := ParseWebhook([]byte(`{"object":"page","entry":[{"id":"1","time":2,"messaging":[]}]}`))
	if err != nil || len(events) != 0 {
		t.Fatalf("events = %v, err = %v; want none, nil", events, err)
	}
}

func sprint(v any) string { return fmt.Sprintf("%+v", v) }
