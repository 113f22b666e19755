package sms

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTwiMLEmpty(t *testing.T) {
	var doc struct {
		XMLName  xml.Name
		Children []xml.Name `xml:",any"`
		Text     string     `xml:",chardata"`
	}
	if err := xml.Unmarshal(TwiMLEmpty(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.XMLName.Local != "Response" || len(doc.Children) != 0 || strings.TrimSpace(doc.Text) != "" {
		t.Fatalf("TwiML = %s, want an empty <Response>", TwiMLEmpty())
	}
}

// TestInboundWebhookRoundTrip posts a signed inbound message to a real HTTP
// handler that validates it, parses it and answers with empty TwiML.
func TestInboundWebhookRoundTrip(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	var got Inbound
	var publicURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := ValidateSignature(token, publicURL, r.PostForm, r.Header.Get(SignatureHeader)); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		in, err := ParseInbound(r.PostForm)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = in
		WriteTwiMLEmpty(w)
	}))
	defer srv.Close()
	publicURL = srv.URL + "/hooks/sms/inbound?source=main"

	form := readForm(t, "inbound_sms.form")
	post := func(sig string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, publicURL, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := post(Signature(token, publicURL, form))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != TwiMLContentType || string(body) != string(TwiMLEmpty()) {
		t.Fatalf("answer %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if got.From != "+14158675310" || got.Body != "Is my order #42 shipped?" {
		t.Fatalf("parsed %+v", got)
	}

	resp = post(Signature("another-token", publicURL, form))
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged request answered %d, want 403", resp.StatusCode)
	}
}
