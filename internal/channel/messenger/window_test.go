package messenger

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWindowDecide(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	const day = 24 * time.Hour
	tests := []struct {
		name    string
		last    time.Time
		purpose Purpose
		want    Delivery
		err     error
	}{
		{"reply just now", ago(time.Minute), PurposeReply, Delivery{Type: TypeResponse}, nil},
		{"reply at 23h59m", ago(day - time.Minute), PurposeReply, Delivery{Type: TypeResponse}, nil},
		{"reply at 24h", ago(day), PurposeReply, Delivery{}, ErrWindowClosed},
		{"reply after 3 days", ago(3 * day), PurposeReply, Delivery{}, ErrWindowClosed},
		{"agent inside window", ago(2 * time.Hour), PurposeHumanAgent, Delivery{Type: TypeResponse}, nil},
		{"agent after 25h", ago(25 * time.Hour), PurposeHumanAgent, Delivery{Type: TypeMessageTag, Tag: TagHumanAgent}, nil},
		{"agent at 6d23h", ago(7*day - time.Hour), PurposeHumanAgent, Delivery{Type: TypeMessageTag, Tag: TagHumanAgent}, nil},
		{"agent at 7d", ago(7 * day), PurposeHumanAgent, Delivery{}, ErrWindowClosed},
		{"agent after 10d", ago(10 * day), PurposeHumanAgent, Delivery{}, ErrWindowClosed},
		{"order update inside window", ago(time.Hour), PurposePostPurchaseUpdate, Delivery{Type: TypeUpdate}, nil},
		{"order update after 3d", ago(3 * day), PurposePostPurchaseUpdate, Delivery{Type: TypeMessageTag, Tag: TagPostPurchaseUpdate}, nil},
		{"account update after 30d", ago(30 * day), PurposeAccountUpdate, Delivery{Type: TypeMessageTag, Tag: TagAccountUpdate}, nil},
		{"event update after 2d", ago(2 * day), PurposeConfirmedEventUpdate, Delivery{Type: TypeMessageTag, Tag: TagConfirmedEventUpdate}, nil},
		{"clock skew", now.Add(time.Minute), PurposeReply, Delivery{Type: TypeResponse}, nil},
		{"never wrote", time.Time{}, PurposeReply, Delivery{}, ErrNoInbound},
		{"never wrote, update", time.Time{}, PurposeAccountUpdate, Delivery{}, ErrNoInbound},
		{"unknown purpose", ago(time.Minute), Purpose("promotion"), Delivery{}, ErrUnknownPurpose},
	}
	w := NewWindow()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.Decide(tt.last, now, tt.purpose)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("delivery = %+v, want %+v", got, tt.want)
			}
			if err == nil {
				if verr := got.validate(); verr != nil {
					t.Fatalf("Decide produced a delivery the Send API refuses: %v", verr)
				}
			}
		})
	}
}

func TestWindowErrorDetails(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	_, err := NewWindow().Decide(now.Add(-30*time.Hour), now, PurposeReply)
	var we *WindowError
	if !errors.As(err, &we) {
		t.Fatalf("err = %v (%T), want *WindowError", err, err)
	}
	if we.Elapsed != 30*time.Hour || we.Limit != 24*time.Hour || we.Purpose != PurposeReply {
		t.Fatalf("WindowError = %+v", we)
	}
	if msg := err.Error(); !strings.Contains(msg, "30h0m0s ago") || !strings.Contains(msg, "limit is 24h0m0s") {
		t.Fatalf("message %q does not explain the refusal", msg)
	}
}

func TestMeLink(t *testing.T) {
	tests := []struct {
		page, ref, want string
	}{
		{"omnishop", "", "https://m.me/omnishop"},
		{"omnishop", "summer-sale", "https://m.me/omnishop?ref=summer-sale"},
		{"omnishop", "cart=42&promo=FB 10%", "https://m.me/omnishop?ref=cart%3D42%26promo%3DFB+10%25"},
		{"omni shop", "a/b", "https://m.me/omni%20shop?ref=a%2Fb"},
	}
	for _, tt := range tests {
		if got := MeLink(tt.page, tt.ref); got != tt.want {
			t.Errorf("MeLink(%q, %q) = %q, want %q", tt.page, tt.ref, got, tt.want)
		}
	}
}
