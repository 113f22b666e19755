// Package stripetest runs a local HTTP server speaking the subset of
// Stripe's API that Omni uses — create-and-confirm PaymentIntents, cancel,
// refunds — with Stripe's documented test payment methods, error objects and
// idempotency rules (a repeated Idempotency-Key replays the saved answer; the
// same key with other parameters is an idempotency_error). Response bodies
// start from the documented examples in testdata/.
package stripetest

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

//go:embed testdata/*.json
var fixtures embed.FS

// Test payment methods, as in Stripe's testing documentation.
const (
	CardVisa         = "pm_card_visa"
	CardDeclined     = "pm_card_chargeDeclined"
	CardAuthRequired = "pm_card_authenticationRequired"
)

// SecretKey is the API key the server accepts.
const SecretKey = "sk_test_omni"

// Server is a running fake of Stripe's API.
type Server struct {
	URL string

	mu       sync.Mutex
	intents  map[string]map[string]any
	refunded map[string]int64
	saved    map[string]saved
	created  int
	refunds  int
	dropNext bool
	seq      int
}

type saved struct {
	hash   string
	status int
	body   []byte
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{intents: map[string]map[string]any{}, refunded: map[string]int64{}, saved: map[string]saved{}}
	ts := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// DropNextResponse makes the server do the next request's work and save its
// answer, then close the connection without answering: a lost response.
func (s *Server) DropNextResponse() {
	s.mu.Lock()
	s.dropNext = true
	s.mu.Unlock()
}

// Created counts the PaymentIntents created (replays not included).
func (s *Server) Created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// Refunds counts the refunds made (replays not included).
func (s *Server) Refunds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refunds
}

// Intent returns a copy of a PaymentIntent's status and amount received.
func (s *Server) Intent(id string) (status string, received int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi := s.intents[id]
	if pi == nil {
		return "", 0
	}
	return pi["status"].(string), pi["amount_received"].(int64)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+SecretKey {
		writeJSON(w, http.StatusUnauthorized, apiError("invalid_request_error", "", "Invalid API Key provided."))
		return
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeJSON(w, http.StatusBadRequest, apiError("invalid_request_error", "", "Unrecognized request"))
		return
	}
	key := r.Header.Get("Idempotency-Key")
	sum := sha256.Sum256([]byte(r.URL.Path + "?" + r.PostForm.Encode()))
	hash := hex.EncodeToString(sum[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.saved[key]; ok && key != "" {
		if prev.hash != hash {
			writeJSON(w, http.StatusBadRequest, apiError("idempotency_error", "",
				"Keys for idempotent requests can only be used with the same parameters they were first used with."))
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, prev.status, prev.body)
		return
	}
	status, body := s.route(r)
	raw, _ := json.Marshal(body)
	if key != "" {
		s.saved[key] = saved{hash: hash, status: status, body: raw}
	}
	if s.dropNext {
		s.dropNext = false
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	writeRaw(w, status, raw)
}

func (s *Server) route(r *http.Request) (int, any) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[1] == "payment_intents":
		return s.createIntent(r.PostForm)
	case len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		return s.cancelIntent(parts[2])
	case len(parts) == 2 && parts[1] == "refunds":
		return s.refund(r.PostForm)
	}
	return http.StatusNotFound, apiError("invalid_request_error", "", "Unrecognized request URL (POST: "+r.URL.Path+")")
}

func (s *Server) createIntent(f url.Values) (int, any) {
	amount, err := strconv.ParseInt(f.Get("amount"), 10, 64)
	if err != nil || amount < 1 {
		return http.StatusBadRequest, paramError("amount", "This value must be greater than or equal to 1.")
	}
	cur := f.Get("currency")
	if len(cur) != 3 || cur != strings.ToLower(cur) {
		return http.StatusBadRequest, paramError("currency", "Invalid currency: "+cur)
	}
	pm := f.Get("payment_method")
	if pm != CardVisa && pm != CardDeclined && pm != CardAuthRequired {
		return http.StatusBadRequest, paramError("payment_method", "No such PaymentMethod: '"+pm+"'")
	}
	s.seq++
	s.created++
	pi := fixture("payment_intent.json")
	id := fmt.Sprintf("pi_omni%06d", s.seq)
	pi["id"], pi["amount"], pi["currency"], pi["payment_method"] = id, amount, cur, pm
	pi["client_secret"] = id + "_secret_test"
	pi["created"] = time.Now().Unix()
	pi["amount_received"] = int64(0)
	pi["capture_method"] = orDefault(f.Get("capture_method"), "automatic")
	meta := map[string]any{}
	for k, v := range f {
		if strings.HasPrefix(k, "metadata[") {
			meta[strings.TrimSuffix(strings.TrimPrefix(k, "metadata["), "]")] = v[0]
		}
	}
	pi["metadata"] = meta
	if d := f.Get("description"); d != "" {
		pi["description"] = d
	}
	s.intents[id] = pi
	if f.Get("confirm") != "true" {
		return http.StatusOK, pi
	}
	switch pm {
	case CardVisa:
		pi["status"], pi["amount_received"], pi["latest_charge"] = "succeeded", amount, "ch_"+id[3:]
	case CardAuthRequired:
		pi["status"] = "requires_action"
		pi["next_action"] = map[string]any{"type": "use_stripe_sdk"}
	case CardDeclined:
		last := apiError("card_error", "card_declined", "Your card was declined.")["error"].(map[string]any)
		last["decline_code"] = "generic_decline"
		pi["last_payment_error"] = last
		e := apiError("card_error", "card_declined", "Your card was declined.")
		e["error"].(map[string]any)["decline_code"] = "generic_decline"
		e["error"].(map[string]any)["payment_intent"] = pi
		return http.StatusPaymentRequired, e
	}
	return http.StatusOK, pi
}

func (s *Server) cancelIntent(id string) (int, any) {
	pi := s.intents[id]
	if pi == nil {
		return http.StatusNotFound, apiError("invalid_request_error", "resource_missing", "No such payment_intent: '"+id+"'")
	}
	if st := pi["status"].(string); st == "succeeded" || st == "canceled" {
		return http.StatusBadRequest, apiError("invalid_request_error", "payment_intent_unexpected_state",
			"You cannot cancel this PaymentIntent because it has a status of "+st+".")
	}
	pi["status"], pi["canceled_at"] = "canceled", time.Now().Unix()
	return http.StatusOK, pi
}

func (s *Server) refund(f url.Values) (int, any) {
	id := f.Get("payment_intent")
	pi := s.intents[id]
	if pi == nil {
		return http.StatusBadRequest, paramError("payment_intent", "No such payment_intent: '"+id+"'")
	}
	received := pi["amount_received"].(int64)
	amount := received - s.refunded[id]
	if a := f.Get("amount"); a != "" {
		amount, _ = strconv.ParseInt(a, 10, 64)
	}
	if pi["status"] != "succeeded" || amount < 1 || amount > received-s.refunded[id] {
		return http.StatusBadRequest, apiError("invalid_request_error", "amount_too_large",
			fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, received-s.refunded[id]))
	}
	s.refunded[id] += amount
	s.refunds++
	s.seq++
	re := fixture("refund.json")
	re["id"], re["amount"], re["payment_intent"], re["currency"] = fmt.Sprintf("re_omni%06d", s.seq), amount, id, pi["currency"]
	re["charge"], re["created"] = pi["latest_charge"], time.Now().Unix()
	return http.StatusOK, re
}

func fixture(name string) map[string]any {
	raw, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

func apiError(typ, code, msg string) map[string]any {
	e := fixture("card_declined.json")["error"].(map[string]any)
	for _, k := range []string{"charge", "decline_code", "payment_method", "payment_intent", "request_log_url"} {
		delete(e, k)
	}
	e["type"], e["message"] = typ, msg
	if code == "" {
		delete(e, "code")
		delete(e, "doc_url")
	} else {
		e["code"], e["doc_url"] = code, "https://stripe.com/docs/error-codes/"+strings.ReplaceAll(code, "_", "-")
	}
	return map[string]any{"error": e}
}

func paramError(param, msg string) map[string]any {
	e := apiError("invalid_request_error", "parameter_invalid", msg)
	e["error"].(map[string]any)["param"] = param
	return e
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, _ := json.Marshal(v)
	writeRaw(w, status, raw)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_omni")
	w.WriteHeader(status)
	w.Write(body)
}
