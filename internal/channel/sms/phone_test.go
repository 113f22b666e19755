package sms

import (
	"errors"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region, want string
	}{
		{"+14158675310", "", "+14158675310"},
		{"+1 (415) 867-5310", "", "+14158675310"},
		{"(415) 867-5310", "US", "+14158675310"},
		{"415.867.5310", "us", "+14158675310"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"+44 20 7946 0958", "US", "+442079460958"},
		{"00 33 1 42 68 53 00", "DE", "+33142685300"},
		{"01 42 68 53 00", "FR", "+33142685300"},
		{"030 123456", "DE", "+4930123456"},
		{"  +49 30 123456 ", "", "+4930123456"},
		{"+15005550006", "", "+15005550006"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.in, tt.region, got, err, tt.want)
		}
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	tests := []struct {
		in, region string
	}{
		{"", "US"},
		{"   ", "US"},
		{"4158675310", ""},
		{"hello", "US"},
		{"+1 415", ""},
		{"+1 415 867 5310 1234567", ""},
		{"+999 1234567", ""},
		{"415 867 5310", "XX"},
		{"415 867 5310", "USA"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.region)
		if !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want ErrInvalidPhone", tt.in, tt.region, got, err)
		}
	}
}

func TestNormalizedNumbersPassE164Check(t *testing.T) {
	for _, in := range []string{"(415) 867-5310", "020 7946 0958", "01 42 68 53 00"} {
		got, err := NormalizePhone(in, map[string]string{"(415) 867-5310": "US", "020 7946 0958": "GB", "01 42 68 53 00": "FR"}[in])
		if err != nil {
			t.Fatal(err)
		}
		if err := checkE164(got); err != nil {
			t.Errorf("%s -> %s fails the E.164 check: %v", in, got, err)
		}
	}
}
