package storefront_test

import (
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/storefront"
)

func TestCustomerTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good := storefront.SignToken("s3cret", storefront.Claims{Email: "ann@example.com", Expires: now.Add(time.Hour).Unix()})
	c, err := storefront.VerifyToken("s3cret", good, now)
	if err != nil || c.Email != "ann@example.com" {
		t.Fatalf("valid token: %+v %v", c, err)
	}
	payload, sig, _ := strings.Cut(good, ".")
	forged := storefront.SignToken("s3cret", storefront.Claims{Email: "eve@example.com", Expires: now.Add(time.Hour).Unix()})
	forgedPayload, _, _ := strings.Cut(forged, ".")
	tests := []struct {
		name, secret, token string
		at                  time.Time
		want                string
	}{
		{"expired", "s3cret", good, now.Add(2 * time.Hour), "has expired"},
		{"wrong secret", "other", good, now, "wrong signature"},
		{"payload swapped", "s3cret", forgedPayload + "." + sig, now, "wrong signature"},
		{"no signature", "s3cret", payload, now, "malformed"},
		{"garbage signature", "s3cret", payload + ".!!", now, "wrong signature"},
	}
	for _, tc := range tests {
		_, err := storefront.VerifyToken(tc.secret, tc.token, tc.at)
		if e, ok := apperr.As(err); !ok || e.Code != apperr.Unauthorized || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: err %v, want unauthorized %q", tc.name, err, tc.want)
		}
	}
}
