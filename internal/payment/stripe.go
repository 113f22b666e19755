package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
)

// StripeBaseURL is Stripe's API.
const StripeBaseURL = "https://api.stripe.com"

// Stripe charges cards through Stripe's PaymentIntents API: a PaymentIntent
// is created and confirmed in one call (confirm=true, automatic capture)
// with the customer's PaymentMethod id. Calls send the Idempotency-Key
// header, and a call that fails on the network or with a 5xx is retried with
// the same key, so Stripe answers the retry with the saved result instead of
// charging again.
type Stripe struct {
	BaseURL   string // default StripeBaseURL; tests point it at a local server
	SecretKey string
	Client    *http.Client
	Retries   int // extra attempts after a network error or 5xx; default 2
}

// Name is "stripe".
func (s *Stripe) Name() string { return "stripe" }

// stripeIntent is the part of Stripe's PaymentIntent object Omni reads.
type stripeIntent struct {
	ID               string          `json:"id"`
	Object           string          `json:"object"`
	Amount           int64           `json:"amount"`
	AmountReceived   int64           `json:"amount_received"`
	Currency         string          `json:"currency"`
	Status           string          `json:"status"`
	ClientSecret     string          `json:"client_secret"`
	LastPaymentError *stripeErrorObj `json:"last_payment_error"`
}

type stripeRefund struct {
	ID            string `json:"id"`
	Object        string `json:"object"`
	Amount        int64  `json:"amount"`
	Status        string `json:"status"`
	PaymentIntent string `json:"payment_intent"`
}

type stripeErrorObj struct {
	Type          string        `json:"type"`
	Code          string        `json:"code"`
	DeclineCode   string        `json:"decline_code"`
	Message       string        `json:"message"`
	Param         string        `json:"param"`
	PaymentIntent *stripeIntent `json:"payment_intent"`
}

// Charge creates and confirms a PaymentIntent.
func (s *Stripe) Charge(ctx context.Context, c Charge) (Result, error) {
	form := url.Values{
		"amount":                 {strconv.FormatInt(c.Amount, 10)},
		"currency":               {strings.ToLower(c.Currency)},
		"payment_method":         {c.Method},
		"payment_method_types[]": {"card"},
		"confirm":                {"true"},
		"capture_method":         {"automatic"},
		"metadata[order_id]":     {c.OrderID},
	}
	if c.CustomerID != "" {
		form.Set("metadata[customer_id]", c.CustomerID)
	}
	if c.Description != "" {
		form.Set("description", c.Description)
	}
	if c.Method == "" {
		return Result{Status: Declined, Message: "a Stripe payment needs a payment_method"}, nil
	}
	var pi stripeIntent
	serr, err := s.post(ctx, "/v1/payment_intents", form, c.IdempotencyKey, &pi)
	if err != nil {
		return Result{}, err
	}
	if serr != nil {
		if serr.Type == "card_error" {
			r := Result{Status: Declined, Message: serr.Message, DeclineCode: serr.DeclineCode}
			if serr.PaymentIntent != nil {
				r.Ref = serr.PaymentIntent.ID
			}
			if r.DeclineCode == "" {
				r.DeclineCode = serr.Code
			}
			return r, nil
		}
		return Result{}, serr.asError()
	}
	return intentResult(pi), nil
}

func intentResult(pi stripeIntent) Result {
	r := Result{Ref: pi.ID}
	switch pi.Status {
	case "succeeded":
		r.Status, r.Amount = Succeeded, pi.AmountReceived
		if r.Amount == 0 {
			r.Amount = pi.Amount
		}
	case "requires_action", "requires_confirmation":
		r.Status, r.ClientSecret = RequiresAction, pi.ClientSecret
	case "processing", "requires_capture":
		r.Status = Pending
	default: // requires_payment_method, canceled
		r.Status, r.Message = Declined, "the payment was not completed ("+pi.Status+")"
		if pi.LastPaymentError != nil {
			r.Message, r.DeclineCode = pi.LastPaymentError.Message, pi.LastPaymentError.DeclineCode
		}
	}
	return r
}

// Cancel cancels a PaymentIntent that has not succeeded.
func (s *Stripe) Cancel(ctx context.Context, ref, idempotencyKey string) error {
	if ref == "" {
		return nil
	}
	var pi stripeIntent
	serr, err := s.post(ctx, "/v1/payment_intents/"+url.PathEscape(ref)+"/cancel", url.Values{}, idempotencyKey, &pi)
	if err != nil {
		return err
	}
	if serr != nil {
		return serr.asError()
	}
	return nil
}

// Refund refunds amount of a succeeded PaymentIntent.
func (s *Stripe) Refund(ctx context.Context, ref string, amount int64, idempotencyKey string) (Result, error) {
	form := url.Values{"payment_intent": {ref}, "amount": {strconv.FormatInt(amount, 10)}}
	var re stripeRefund
	serr, err := s.post(ctx, "/v1/refunds", form, idempotencyKey, &re)
	if err != nil {
		return Result{}, err
	}
	if serr != nil {
		return Result{}, serr.asError()
	}
	if re.Status == "failed" || re.Status == "canceled" {
		return Result{Status: Declined, Ref: re.ID, Message: "the refund " + re.Status}, nil
	}
	return Result{Status: Succeeded, Ref: re.ID, Amount: re.Amount}, nil
}

func (e *stripeErrorObj) asError() error {
	code := apperr.Unavailable
	if e.Type == "invalid_request_error" || e.Type == "idempotency_error" {
		code = apperr.Unprocessable
	}
	return &apperr.Error{Code: code, Message: "payment provider refused the request: " + e.Message,
		Err: fmt.Errorf("stripe %s/%s", e.Type, e.Code)}
}

// post sends a form to Stripe with the idempotency key, retrying network
// errors and 5xx answers with the same key. A 4xx answer comes back as a
// Stripe error object; other failures as an Unavailable error.
func (s *Stripe) post(ctx context.Context, path string, form url.Values, key string, out any) (*stripeErrorObj, error) {
	base := s.BaseURL
	if base == "" {
		base = StripeBaseURL
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	retries := s.Retries
	if retries == 0 {
		retries = 2
	}
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * 100 * time.Millisecond):
			}
		}
		serr, retry, err := s.once(ctx, client, strings.TrimRight(base, "/")+path, form, key, out)
		if !retry {
			return serr, err
		}
		lastErr = err
	}
	return nil, &apperr.Error{Code: apperr.Unavailable, Message: "payment provider unavailable; retry with the same idempotency key",
		Err: lastErr}
}

func (s *Stripe) once(ctx context.Context, client *http.Client, u string, form url.Values, key string, out any) (*stripeErrorObj, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, false, fmt.Errorf("stripe request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.SecretKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, ctx.Err() == nil, fmt.Errorf("stripe %s: %w", req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, true, fmt.Errorf("stripe %s: read answer: %w", req.URL.Path, err)
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return nil, true, fmt.Errorf("stripe %s: status %d", req.URL.Path, resp.StatusCode)
	case resp.StatusCode >= 400:
		var e struct {
			Error stripeErrorObj `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Type == "" {
			return nil, false, &apperr.Error{Code: apperr.Unavailable, Message: "payment provider answered an unreadable error",
				Err: fmt.Errorf("stripe status %d", resp.StatusCode)}
		}
		if resp.StatusCode == http.StatusUnauthorized {
			return nil, false, &apperr.Error{Code: apperr.Unavailable, Message: "payment provider rejected the API key",
				Err: errors.New(e.Error.Message)}
		}
		return &e.Error, false, nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return nil, false, fmt.Errorf("stripe %s: decode answer: %w", req.URL.Path, err)
	}
	return nil, false, nil
}
