package stripepay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/internal/testenv"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

// recordedRequest is what a recordingTransport saw.
type recordedRequest struct {
	Method string
	Path   string
	Query  url.Values
	Form   url.Values
	Header http.Header
}

// recordingTransport records every request before passing it on.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []recordedRequest
	next http.RoundTripper
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := recordedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		rec.Form, _ = url.ParseQuery(string(b))
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, rec)
	rt.mu.Unlock()
	return rt.next.RoundTrip(r)
}

func (rt *recordingTransport) last(t *testing.T) recordedRequest {
	t.Helper()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	require.NotEmpty(t, rt.reqs)
	return rt.reqs[len(rt.reqs)-1]
}

func stripeMock(t *testing.T) (*stripepay.Provider, *recordingTransport) {
	t.Helper()
	base := testenv.StripeMockURL(t)
	rt := &recordingTransport{next: http.DefaultTransport}
	p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(base),
		stripepay.WithHTTPClient(&http.Client{Transport: rt}), stripepay.WithMaxNetworkRetries(0))
	require.NoError(t, err)
	return p, rt
}

func TestStripeMockCreatePayment(t *testing.T) {
	p, rt := stripeMock(t)
	pay, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{
		Amount:         payments.NewMoney(2999, "USD"),
		CustomerEmail:  "ada@example.com",
		Reference:      "order-1042",
		Description:    "Order 1042",
		Metadata:       map[string]string{"order_id": "1042"},
		ReturnURL:      "https://shop.example.com/return",
		IdempotencyKey: "create-order-1042",
	})
	require.NoError(t, err)

	req := rt.last(t)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "/v1/payment_intents", req.Path)
	require.Equal(t, "create-order-1042", req.Header.Get("Idempotency-Key"))
	require.Equal(t, "Bearer sk_test_123", req.Header.Get("Authorization"))
	require.Equal(t, "2023-10-16", req.Header.Get("Stripe-Version"))
	require.Equal(t, "2999", req.Form.Get("amount"))
	require.Equal(t, "usd", req.Form.Get("currency"), "Stripe takes lower-case currencies")
	require.Equal(t, "true", req.Form.Get("automatic_payment_methods[enabled]"))
	require.Equal(t, "ada@example.com", req.Form.Get("receipt_email"))
	require.Equal(t, "Order 1042", req.Form.Get("description"))
	require.Equal(t, "order-1042", req.Form.Get("metadata[reference]"))
	require.Equal(t, "1042", req.Form.Get("metadata[order_id]"))
	require.Empty(t, req.Form.Get("return_url"), "return_url is only valid with confirm=true")
	require.Empty(t, req.Form.Get("confirm"))

	// stripe-mock reflects amount, currency, description and receipt_email
	// into its fixture and answers requires_payment_method.
	require.NotEmpty(t, pay.ID)
	require.Equal(t, "stripe", pay.Provider)
	require.Equal(t, payments.NewMoney(2999, "USD"), pay.Amount)
	require.Equal(t, payments.StatusRequiresAction, pay.Status, "a new PaymentIntent waits for the customer, as in the sandbox")
	require.Equal(t, "requires_payment_method", pay.RawStatus)
	require.Equal(t, "ada@example.com", pay.CustomerEmail)
	require.Equal(t, "order-1042", pay.Reference)
	require.NotNil(t, pay.NextAction)
	require.Equal(t, payments.NextActionConfirmWithClientSecret, pay.NextAction.Type)
	require.Contains(t, pay.NextAction.ClientSecret, "_secret_")
	require.False(t, pay.CreatedAt.IsZero())
}

func TestStripeMockZeroAndThreeDecimal(t *testing.T) {
	p, rt := stripeMock(t)
	for _, tc := range []struct {
		money    payments.Money
		wire     string
		currency string
	}{
		{payments.NewMoney(1500, "JPY"), "1500", "jpy"},
		{payments.NewMoney(1250, "KWD"), "1250", "kwd"},
		{payments.NewMoney(500, "ISK"), "50000", "isk"},
	} {
		pay, err := p.CreatePayment(context.Background(), payments.CreatePaymentParams{Amount: tc.money})
		require.NoError(t, err)
		req := rt.last(t)
		require.Equal(t, tc.wire, req.Form.Get("amount"), tc.money.String())
		require.Equal(t, tc.currency, req.Form.Get("currency"))
		require.NotEmpty(t, req.Header.Get("Idempotency-Key"), "stripe-go sends its own key when none is given")
		require.Equal(t, tc.money, pay.Amount, "converted back from Stripe's units")
	}
}

func TestStripeMockGetCancelRefund(t *testing.T) {
	p, rt := stripeMock(t)
	ctx := context.Background()

	got, err := p.GetPayment(ctx, "pi_123")
	require.NoError(t, err)
	req := rt.last(t)
	require.Equal(t, http.MethodGet, req.Method)
	require.Equal(t, "/v1/payment_intents/pi_123", req.Path)
	require.Equal(t, "latest_charge", req.Query.Get("expand[0]"))
	require.Equal(t, "pi_123", got.ID, "stripe-mock substitutes the requested id")
	require.Equal(t, payments.NewMoney(1099, "USD"), got.Amount, "stripe-mock's fixture amount")
	require.Equal(t, payments.StatusRequiresAction, got.Status)
	require.NotNil(t, got.NextAction)
	require.NotEmpty(t, got.NextAction.ClientSecret)

	c, err := p.CancelPayment(ctx, "pi_123")
	require.NoError(t, err)
	req = rt.last(t)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "/v1/payment_intents/pi_123/cancel", req.Path)
	require.Equal(t, "pi_123", c.ID)

	r, err := p.Refund(ctx, payments.RefundParams{PaymentID: "pi_123", Reason: "requested_by_customer", IdempotencyKey: "refund-1"})
	require.NoError(t, err)
	req = rt.last(t)
	require.Equal(t, "/v1/refunds", req.Path)
	require.Equal(t, "refund-1", req.Header.Get("Idempotency-Key"))
	require.Equal(t, "pi_123", req.Form.Get("payment_intent"))
	require.Equal(t, "requested_by_customer", req.Form.Get("reason"))
	require.Empty(t, req.Form.Get("amount"), "a full refund sends no amount")
	require.NotEmpty(t, r.ID)
	require.Equal(t, payments.RefundSucceeded, r.Status, "stripe-mock's refund fixture is succeeded")
	require.Equal(t, "pi_123", r.PaymentID)

	// A partial refund reads the payment first (its currency), then posts
	// the amount; a free-text reason goes to metadata.
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "pi_123", Amount: 500, Reason: "damaged in transit", IdempotencyKey: "refund-2"})
	require.NoError(t, err)
	req = rt.last(t)
	require.Equal(t, "500", req.Form.Get("amount"))
	require.Empty(t, req.Form.Get("reason"))
	require.Equal(t, "damaged in transit", req.Form.Get("metadata[reason]"))

	gr, err := p.GetRefund(ctx, "re_123")
	require.NoError(t, err)
	require.Equal(t, "/v1/refunds/re_123", rt.last(t).Path)
	require.Equal(t, "re_123", gr.ID)
}

func TestStripeMockAuthentication(t *testing.T) {
	base := testenv.StripeMockURL(t)
	// stripe-mock accepts only three-part keys such as sk_test_123.
	p, err := stripepay.New("sk_test_not_a_valid_key", stripepay.WithBaseURL(base), stripepay.WithMaxNetworkRetries(0))
	require.NoError(t, err)
	_, err = p.GetPayment(context.Background(), "pi_123")
	require.ErrorIs(t, err, payments.ErrAuthentication)
	var perr *payments.Error
	require.True(t, errors.As(err, &perr))
	require.Equal(t, http.StatusUnauthorized, perr.StatusCode)
	require.NotContains(t, err.Error(), "not_a_valid_key", "the key never appears in errors")
	require.NotContains(t, perr.Message, "not_a_valid_key")
}
