package messenger

import (
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestVerifyHandshake(t *testing.T) {
	const token = "omni-verify-token"
	tests := []struct {
		name  string
		query string
		token string
		want  string
		err   error
	}{
		{"good", "hub.mode=subscribe&hub.verify_token=omni-verify-token&hub.challenge=1158201444", token, "1158201444", nil},
		{"wrong token", "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444", token, "", ErrHandshakeToken},
		{"token prefix", "hub.mode=subscribe&hub.verify_token=omni-verify&hub.challenge=1", token, "", ErrHandshakeToken},
		{"missing token", "hub.mode=subscribe&hub.challenge=1158201444", token, "", ErrHandshakeToken},
		{"wrong mode", "hub.mode=unsubscribe&hub.verify_token=omni-verify-token&hub.challenge=1", token, "", ErrHandshakeMode},
		{"missing mode", "hub.verify_token=omni-verify-token&hub.challenge=1", token, "", ErrHandshakeMode},
		{"missing challenge", "hub.mode=subscribe&hub.verify_token=omni-verify-token", token, "", ErrHandshakeChallenge},
		{"no configured token", "hub.mode=subscribe&hub.verify_token=&hub.challenge=1", "", "", ErrNoVerifyToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := VerifyHandshake(q, tt.token)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Fatalf("challenge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte("6a1e4d2c9b7f30e8")
	body, err := os.ReadFile("testdata/messages_text.json")
	if err != nil {
		t.Fatal(err)
	}
	// Digests computed independently with `openssl dgst -sha256 -hmac`.
	const good = "sha256=f41b88b3946318591fe38f37d65c132ef189cd11f9ba01e18df69529081570fd"
	const emptyEntries = "sha256=0104fac164b37cdfab09c906c914d229c2843b58baaa2bf445b74333d81e7c7b"
	changed := []byte(strings.Replace(string(body), "hello, world!", "hello, world?", 1))

	tests := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		err    error
	}{
		{"good", secret, body, good, nil},
		{"good upper-case hex", secret, body, "sha256=" + strings.ToUpper(good[7:]), nil},
		{"small body", secret, []byte(`{"object":"page","entry":[]}`), emptyEntries, nil},
		{"body changed", secret, changed, good, ErrSignatureMismatch},
		{"wrong secret", []byte("another-secret"), body, good, ErrSignatureMismatch},
		{"signature of other body", secret, body, emptyEntries, ErrSignatureMismatch},
		{"missing", secret, body, "", ErrSignatureMissing},
		{"blank", secret, body, "   ", ErrSignatureMissing},
		{"sha1 header", secret, body, "sha1=" + good[7:47], ErrSignatureMalformed},
		{"no prefix", secret, body, good[7:], ErrSignatureMalformed},
		{"not hex", secret, body, "sha256=" + strings.Repeat("zz", 32), ErrSignatureMalformed},
		{"truncated", secret, body, good[:len(good)-2], ErrSignatureMalformed},
		{"no secret", nil, body, good, ErrNoAppSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, tt.body, tt.header)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}
