package paystackpay_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// sign computes x-paystack-signature: the hex HMAC-SHA512 of the raw body
// keyed with the secret key, as Paystack documents it.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha512.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func TestWebhooksThroughHandler(t *testing.T) {
	p, err := paystackpay.New(testKey)
	require.NoError(t, err)
	v, err := webhooks.NewPaystack(testKey)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	var mu sync.Mutex
	got := map[string]*payments.Event{}
	var unhandled []string
	for _, typ := range append(p.WebhookEventTypes(), paystackpay.EventRefundPending) {
		h.On(typ, func(_ context.Context, e *webhooks.Event) error {
			ev, err := p.ParseEvent(e)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if !errors.Is(err, payments.ErrUnhandledEvent) {
					return err
				}
				unhandled = append(unhandled, e.Type)
				return nil
			}
			got[e.Type] = ev
			return nil
		})
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, name := range []string{"charge.success", "refund.processed", "refund.failed", "refund.pending", "charge.dispute.create"} {
		body := readTestdata(t, name+".json")
		req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-paystack-signature", sign(testKey, body))
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
	}
	// A forged delivery is refused before any parsing.
	body := readTestdata(t, "charge.success.json")
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	req.Header.Set("x-paystack-signature", sign("sk_test_other", body))
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"refund.pending"}, unhandled)
	require.Len(t, got, 4)

	ch := got["charge.success"]
	require.Equal(t, payments.EventPaymentSucceeded, ch.Type)
	require.Equal(t, "paystack", ch.Provider)
	require.Equal(t, "charge.success:59565", ch.ID)
	require.Equal(t, "48rx32f1womvcr4", ch.PaymentID)
	require.Equal(t, "48rx32f1womvcr4", ch.Reference)
	require.Equal(t, ngn(10000), ch.Amount)
	require.Equal(t, "customer@email.com", ch.CustomerEmail)
	require.Nil(t, ch.Metadata, `"metadata": "" means none`)
	require.NotNil(t, ch.Raw)

	rp := got["refund.processed"]
	require.Equal(t, payments.EventRefundSucceeded, rp.Type)
	require.Equal(t, "T2154954_412829_3be32076_6lcg3", rp.PaymentID)
	require.Equal(t, "132013318360", rp.RefundID)
	require.Equal(t, ngn(5000), rp.Amount, `amount "5000" arrives as a string`)
	require.Equal(t, "damilola@email.com", rp.CustomerEmail)

	rf := got["refund.failed"]
	require.Equal(t, payments.EventRefundFailed, rf.Type)
	require.Equal(t, "T9171231_412325_3be2736c_n6tml", rf.PaymentID)
	require.Equal(t, "TRF_9vgfawjnoz58uxy", rf.RefundID)
	require.Equal(t, ngn(20000), rf.Amount, "amount 20000 arrives as a number")
	require.Equal(t, "failed", rf.FailureCode)

	d := got["charge.dispute.create"]
	require.Equal(t, payments.EventDisputeOpened, d.Type)
	require.Equal(t, "charge.dispute.create:358950", d.ID)
	require.Equal(t, "v3mjfgbnc19v97x", d.PaymentID)
	require.Equal(t, ngn(5800), d.Amount)
	require.Equal(t, "example@test.com", d.CustomerEmail)
	require.Equal(t, "chargeback", d.Reason)
}

func event(typ, body string) *webhooks.Event {
	return &webhooks.Event{Provider: "paystack", ID: typ + ":1", Type: typ, Data: json.RawMessage(body)}
}

func TestParseEventShapes(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		amount   int64
		metadata map[string]string
	}{
		{"amount number, metadata object",
			`{"event":"charge.success","data":{"reference":"r1","amount":2500,"currency":"ghs","metadata":{"order_id":"7","cart":{"items":2},"n":3}}}`,
			2500, map[string]string{"order_id": "7", "cart": `{"items":2}`, "n": "3"}},
		{"amount string, metadata JSON string",
			`{"event":"charge.success","data":{"reference":"r1","amount":"2500","currency":"GHS","metadata":"{\"order_id\":\"7\"}"}}`,
			2500, map[string]string{"order_id": "7"}},
		{"metadata plain string",
			`{"event":"charge.success","data":{"reference":"r1","amount":2500,"currency":"GHS","metadata":"note"}}`,
			2500, map[string]string{"metadata": "note"}},
		{"metadata null, amount with zero fraction",
			`{"event":"charge.success","data":{"reference":"r1","amount":2500.0,"currency":"GHS","metadata":null}}`,
			2500, nil},
		{"request hash is hidden",
			`{"event":"charge.success","data":{"reference":"r1","amount":"2500","currency":"GHS","metadata":{"switchboard_request_hash":"ab"}}}`,
			2500, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := paystackpay.ParseEvent(event("charge.success", tt.body))
			require.NoError(t, err)
			require.Equal(t, payments.Money{Amount: tt.amount, Currency: "GHS"}, ev.Amount)
			require.Equal(t, tt.metadata, ev.Metadata)
		})
	}
	bad := map[string]string{
		"fractional amount":      `{"event":"charge.success","data":{"reference":"r1","amount":25.5,"currency":"GHS"}}`,
		"amount word":            `{"event":"charge.success","data":{"reference":"r1","amount":"lots","currency":"GHS"}}`,
		"no reference":           `{"event":"charge.success","data":{"amount":1,"currency":"GHS"}}`,
		"refund without tx ref":  `{"event":"refund.processed","data":{"amount":1,"currency":"GHS"}}`,
		"dispute without tx":     `{"event":"charge.dispute.create","data":{"refund_amount":1}}`,
		"not json":               `nope`,
		"data of the wrong type": `{"event":"charge.success","data":[1,2]}`,
	}
	for name, body := range bad {
		_, err := paystackpay.ParseEvent(event("", body))
		require.ErrorIs(t, err, paystackpay.ErrMalformedEvent, name)
	}
	for _, typ := range []string{"refund.pending", "refund.processing", "refund.needs-attention", "transfer.success", "charge.dispute.resolve"} {
		_, err := paystackpay.ParseEvent(event(typ, `{"event":"`+typ+`","data":{"amount":"1"}}`))
		require.ErrorIs(t, err, payments.ErrUnhandledEvent, typ)
	}
	_, err := paystackpay.ParseEvent(nil)
	require.ErrorIs(t, err, paystackpay.ErrMalformedEvent)

	// A refund event carrying the nested transaction object and a numeric id.
	ev, err := paystackpay.ParseEvent(event("refund.processed",
		`{"event":"refund.processed","data":{"id":3018284,"status":"processed","amount":10000,"currency":"NGN","transaction":{"id":1,"reference":"T685312322670591"},"merchant_note":"Damaged"}}`))
	require.NoError(t, err)
	require.Equal(t, "3018284", ev.RefundID)
	require.Equal(t, "T685312322670591", ev.PaymentID)
	require.Equal(t, "Damaged", ev.Reason)
}

func TestWebhookEventTypes(t *testing.T) {
	p, err := paystackpay.New(testKey)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"charge.success", "refund.processed", "refund.failed", "charge.dispute.create"}, p.WebhookEventTypes())
}

func TestHandleWithEventParser(t *testing.T) {
	v, err := webhooks.NewPaystack(testKey)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	var mu sync.Mutex
	var got []payments.EventType
	payments.Handle(h, paystackpay.EventParser{}, func(_ context.Context, e *payments.Event) error {
		mu.Lock()
		got = append(got, e.Type)
		mu.Unlock()
		return nil
	})
	for _, name := range []string{"charge.success", "refund.pending", "refund.processed"} {
		body := readTestdata(t, name+".json")
		req := httptest.NewRequest(http.MethodPost, "/webhooks/paystack", bytes.NewReader(body))
		req.Header.Set("X-Paystack-Signature", sign(testKey, body))
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		require.Equal(t, http.StatusOK, rr.Code, name)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []payments.EventType{payments.EventPaymentSucceeded, payments.EventRefundSucceeded}, got)
}
