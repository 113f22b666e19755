package sms

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"testing"
)

type securityExample struct {
	Source    string            `json:"source"`
	AuthToken string            `json:"auth_token"`
	URL       string            `json:"url"`
	Params    map[string]string `json:"params"`
	Signature string            `json:"signature"`
}

func loadSecurityExamples(t *testing.T) []securityExample {
	t.Helper()
	raw, err := os.ReadFile("testdata/security_examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex []securityExample
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Fatal("no examples")
	}
	return ex
}

func (e securityExample) form() url.Values {
	f := url.Values{}
	for k, v := range e.Params {
		f.Set(k, v)
	}
	return f
}

func TestValidateSignatureDocumentedExamples(t *testing.T) {
	for _, ex := range loadSecurityExamples(t) {
		t.Run(ex.Source, func(t *testing.T) {
			if err := ValidateSignature(ex.AuthToken, ex.URL, ex.form(), ex.Signature); err != nil {
				t.Fatalf("documented example rejected: %v", err)
			}
			if got := Signature(ex.AuthToken, ex.URL, ex.form()); got != ex.Signature {
				t.Fatalf("Signature = %s, want %s", got, ex.Signature)
			}
		})
	}
}

func TestValidateSignatureRejects(t *testing.T) {
	ex := loadSecurityExamples(t)[0]
	with := func(change func(url.Values)) url.Values {
		f := ex.form()
		change(f)
		return f
	}
	tests := []struct {
		name   string
		token  string
		url    string
		form   url.Values
		header string
		err    error
	}{
		{"param changed", ex.AuthToken, ex.URL, with(func(f url.Values) { f.Set("Digits", "9999") }), ex.Signature, ErrSignatureMismatch},
		{"param added", ex.AuthToken, ex.URL, with(func(f url.Values) { f.Set("Body", "hi") }), ex.Signature, ErrSignatureMismatch},
		{"param removed", ex.AuthToken, ex.URL, with(func(f url.Values) { f.Del("Caller") }), ex.Signature, ErrSignatureMismatch},
		{"query changed", ex.AuthToken, "https://mycompany.com/myapp.php?foo=1&bar=3", ex.form(), ex.Signature, ErrSignatureMismatch},
		{"scheme changed", ex.AuthToken, "http://mycompany.com/myapp.php?foo=1&bar=2", ex.form(), ex.Signature, ErrSignatureMismatch},
		{"wrong token", "54321", ex.URL, ex.form(), ex.Signature, ErrSignatureMismatch},
		{"other example's signature", ex.AuthToken, ex.URL, ex.form(), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", ErrSignatureMismatch},
		{"missing header", ex.AuthToken, ex.URL, ex.form(), "", ErrSignatureMissing},
		{"not base64", ex.AuthToken, ex.URL, ex.form(), "not base64!", ErrSignatureMalformed},
		{"truncated", ex.AuthToken, ex.URL, ex.form(), "0/KCTR6DLpKmkAf8muzZqo1nDg==", ErrSignatureMalformed},
		{"sha256 length", ex.AuthToken, ex.URL, ex.form(), "0/KCTR6DLpKmkAf8muzZqo1nDgQ0/KCTR6DLpKmkAf8mu=", ErrSignatureMalformed},
		{"no token configured", "", ex.URL, ex.form(), ex.Signature, ErrNoAuthToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateSignature(tt.token, tt.url, tt.form, tt.header); !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestValidateSignatureDefaultPort(t *testing.T) {
	ex := loadSecurityExamples(t)[0]
	// Signed by Twilio without the port, seen behind a proxy with it.
	if err := ValidateSignature(ex.AuthToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", ex.form(), ex.Signature); err != nil {
		t.Errorf("explicit :443: %v", err)
	}
	// Signed with the port, seen without it.
	withPort := Signature(ex.AuthToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", ex.form())
	if err := ValidateSignature(ex.AuthToken, ex.URL, ex.form(), withPort); err != nil {
		t.Errorf("signed with :443: %v", err)
	}
	// A non-default port is part of the URL and must match.
	if err := ValidateSignature(ex.AuthToken, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", ex.form(), ex.Signature); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("port 8443: err = %v, want mismatch", err)
	}
}

func TestSignatureRepeatedParams(t *testing.T) {
	a := url.Values{"MediaUrl": {"https://b.example/2", "https://a.example/1"}, "Body": {"x"}}
	b := url.Values{"Body": {"x"}, "MediaUrl": {"https://a.example/1", "https://b.example/2"}}
	const u = "https://hooks.example.com/hooks/sms"
	if Signature("tok", u, a) != Signature("tok", u, b) {
		t.Fatal("signature depends on the order of parameters")
	}
	c := url.Values{"Body": {"x"}, "MediaUrl": {"https://a.example/1"}}
	if Signature("tok", u, a) == Signature("tok", u, c) {
		t.Fatal("signature ignores a repeated value")
	}
}
