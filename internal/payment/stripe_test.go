package payment_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/payment"
	"github.com/omni-hq/omni/internal/payment/stripetest"
)

func TestStripeCharges(t *testing.T) {
	srv := stripetest.Start(t)
	st := &payment.Stripe{BaseURL: srv.URL, SecretKey: stripetest.SecretKey}
	ctx := context.Background()
	tests := []struct {
		name   string
		method string
		want   payment.Status
	}{
		{"succeeds", stripetest.CardVisa, payment.Succeeded},
		{"declined", stripetest.CardDeclined, payment.Declined},
		{"3-D Secure", stripetest.CardAuthRequired, payment.RequiresAction},
		{"no method", "", payment.Declined},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := st.Charge(ctx, payment.Charge{OrderID: "ord_1", Amount: 4999, Currency: "EUR", Method: tc.method,
				IdempotencyKey: "charge-" + string(rune('a'+i))})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.want {
				t.Fatalf("status %s, want %s (%+v)", res.Status, tc.want, res)
			}
			switch tc.want {
			case payment.Succeeded:
				if res.Amount != 4999 || res.Ref == "" {
					t.Errorf("result %+v", res)
				}
			case payment.Declined:
				if res.Message == "" {
					t.Errorf("decline without message: %+v", res)
				}
			case payment.RequiresAction:
				if res.ClientSecret == "" {
					t.Errorf("no client secret: %+v", res)
				}
			}
		})
	}
	if res, _ := st.Charge(ctx, payment.Charge{OrderID: "o", Amount: 1, Currency: "EUR", Method: stripetest.CardDeclined, IdempotencyKey: "d"}); res.DeclineCode != "generic_decline" {
		t.Errorf("decline code %q, want generic_decline", res.DeclineCode)
	}
}

func TestStripeRetryAfterLostResponseChargesOnce(t *testing.T) {
	srv := stripetest.Start(t)
	st := &payment.Stripe{BaseURL: srv.URL, SecretKey: stripetest.SecretKey}
	ctx := context.Background()
	srv.DropNextResponse()
	c := payment.Charge{OrderID: "ord_1", Amount: 2500, Currency: "USD", Method: stripetest.CardVisa, IdempotencyKey: "order-ord_1-1"}
	res, err := st.Charge(ctx, c)
	if err != nil || res.Status != payment.Succeeded {
		t.Fatalf("charge after a lost response: %+v %v", res, err)
	}
	// The caller retries the whole call later with the same key.
	again, err := st.Charge(ctx, c)
	if err != nil || again.Ref != res.Ref {
		t.Fatalf("retry: %+v %v, want the same intent %s", again, err, res.Ref)
	}
	if srv.Created() != 1 {
		t.Fatalf("%d PaymentIntents created, want 1", srv.Created())
	}
	c.Amount = 9999
	if _, err := st.Charge(ctx, c); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("same key, other amount: err %v, want an idempotency error", err)
	}
}

func TestStripeRefundAndCancel(t *testing.T) {
	srv := stripetest.Start(t)
	st := &payment.Stripe{BaseURL: srv.URL, SecretKey: stripetest.SecretKey}
	ctx := context.Background()
	paid, _ := st.Charge(ctx, payment.Charge{OrderID: "o1", Amount: 3000, Currency: "EUR", Method: stripetest.CardVisa, IdempotencyKey: "p1"})
	r, err := st.Refund(ctx, paid.Ref, 1000, "r1")
	if err != nil || r.Status != payment.Succeeded || r.Amount != 1000 {
		t.Fatalf("refund: %+v %v", r, err)
	}
	if _, err := st.Refund(ctx, paid.Ref, 2500, "r2"); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("refunding more than left: %v", err)
	}
	if err := st.Cancel(ctx, paid.Ref, "c1"); err == nil {
		t.Errorf("cancelling a succeeded intent worked")
	}
	pending, _ := st.Charge(ctx, payment.Charge{OrderID: "o2", Amount: 3000, Currency: "EUR", Method: stripetest.CardAuthRequired, IdempotencyKey: "p2"})
	if err := st.Cancel(ctx, pending.Ref, "c2"); err != nil {
		t.Fatal(err)
	}
	if status, _ := srv.Intent(pending.Ref); status != "canceled" {
		t.Errorf("intent status %q, want canceled", status)
	}
	bad := &payment.Stripe{BaseURL: srv.URL, SecretKey: "sk_wrong"}
	if _, err := bad.Charge(ctx, payment.Charge{Amount: 1, Currency: "EUR", Method: stripetest.CardVisa}); apperr.CodeOf(err) != apperr.Unavailable {
		t.Errorf("wrong key: %v", err)
	}
}

func TestManual(t *testing.T) {
	m := payment.Manual{}
	ctx := context.Background()
	for method, want := range map[string]payment.Status{"": payment.Pending, "pay_later": payment.Pending, "cash": payment.Succeeded,
		"card_terminal": payment.Succeeded, "cheque": payment.Declined} {
		r, err := m.Charge(ctx, payment.Charge{OrderID: "o", Amount: 100, Currency: "EUR", Method: method})
		if err != nil || r.Status != want {
			t.Errorf("manual %q: %+v %v, want %s", method, r, err, want)
		}
	}
}
