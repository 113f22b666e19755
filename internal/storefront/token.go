package storefront

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
)

// Claims are what a customer token says about the visitor. The merchant's
// server fills them after its own login and signs them with the storefront
// key's signing secret.
type Claims struct {
	UserID  string `json:"user_id,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Expires int64  `json:"exp"` // Unix seconds
}

// SignToken makes a customer token: base64url(JSON claims) "." base64url(
// HMAC-SHA256(secret, first part)). Merchants' servers do the same in their
// own language.
func SignToken(secret string, c Claims) string {
	payload, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(mac(secret, p))
}

func mac(secret, payload string) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(payload))
	return h.Sum(nil)
}

// VerifyToken checks a customer token's signature (in constant time) and
// expiry and returns its claims.
func VerifyToken(secret, token string, now time.Time) (Claims, error) {
	bad := func(why string) (Claims, error) {
		return Claims{}, apperr.New(apperr.Unauthorized, "customer token %s", why)
	}
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return bad("is malformed: want payload.signature")
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(secret, p)) {
		return bad("has a wrong signature")
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return bad("payload is not base64url")
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return bad("payload is not JSON")
	}
	if c.Expires == 0 || now.Unix() >= c.Expires {
		return bad("has expired")
	}
	return c, nil
}

func (c Claims) identifiers() ([]identity.Identifier, error) {
	var out []identity.Identifier
	for _, f := range []struct {
		t identity.Type
		v string
	}{{identity.UserID, c.UserID}, {identity.Email, c.Email}, {identity.Phone, c.Phone}} {
		if f.v == "" {
			continue
		}
		i, err := identity.New(f.t, f.v)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.Unauthorized, "customer token names no user_id, email or phone")
	}
	return out, nil
}
