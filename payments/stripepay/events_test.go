package stripepay_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/stripepay"
	"github.com/switchboard-go/switchboard/webhooks"
)

const whsec = "whsec_test_5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f"

func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// signStripe computes Stripe's signature header for body at ts:
// t=ts,v1=hex(HMAC-SHA256(secret, ts + "." + body)).
func signStripe(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(t + "."))
	m.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

type eventCase struct {
	file string
	want *payments.Event // nil: acknowledged, not normalized
}

func eventCases() []eventCase {
	return []eventCase{
		{"payment_intent.succeeded.json", &payments.Event{
			Type: payments.EventPaymentSucceeded, Provider: "stripe", ID: "evt_3OPpYzJN5vQBdWEx0nWzS1aB",
			PaymentID: "pi_3OPpYzJN5vQBdWEx0pDk9Kq2", Reference: "order-1042",
			Amount: payments.NewMoney(2999, "USD"), CustomerEmail: "ada@example.com",
			Metadata: map[string]string{"order_id": "1042", "reference": "order-1042"},
		}},
		{"payment_intent.payment_failed.json", &payments.Event{
			Type: payments.EventPaymentFailed, Provider: "stripe", ID: "evt_3OPq1bJN5vQBdWEx1mQ2ZxCd",
			PaymentID: "pi_3OPq1bJN5vQBdWEx1Tz8Hc4e", Reference: "order-2001",
			Amount: payments.NewMoney(150000, "JPY"), Metadata: map[string]string{"reference": "order-2001"},
			FailureCode: "insufficient_funds", FailureMessage: "Your card has insufficient funds.",
		}},
		{"charge.refunded.json", &payments.Event{
			Type: payments.EventRefundSucceeded, Provider: "stripe", ID: "evt_3OPpYzJN5vQBdWEx0kR7TyUv",
			PaymentID: "pi_3OPpYzJN5vQBdWEx0pDk9Kq2", Amount: payments.NewMoney(1000, "USD"),
			CustomerEmail: "ada@example.com", Metadata: map[string]string{},
		}},
		{"refund.updated.failed.json", &payments.Event{
			Type: payments.EventRefundFailed, Provider: "stripe", ID: "evt_3OPs4eJN5vQBdWEx0aF9LmNo",
			PaymentID: "pi_3OPpYzJN5vQBdWEx0pDk9Kq2", RefundID: "re_3OPpYzJN5vQBdWEx0Qw3Er5t",
			Amount: payments.NewMoney(1000, "USD"), Metadata: map[string]string{},
			FailureCode: "expired_or_canceled_card", Reason: "requested_by_customer",
		}},
		{"charge.dispute.created.json", &payments.Event{
			Type: payments.EventDisputeOpened, Provider: "stripe", ID: "evt_1OPtA1JN5vQBdWExQz7Rs2Tu",
			PaymentID: "pi_3OPpYzJN5vQBdWEx0pDk9Kq2", Amount: payments.NewMoney(2999, "USD"),
			Metadata: map[string]string{}, Reason: "fraudulent",
		}},
		{"charge.refund.updated.succeeded.json", nil},
		{"customer.created.json", nil},
	}
}

func TestParseEvent(t *testing.T) {
	v, err := webhooks.NewStripe(whsec)
	require.NoError(t, err)
	for _, tc := range eventCases() {
		t.Run(tc.file, func(t *testing.T) {
			body := readEvent(t, tc.file)
			evs, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Body: body,
				Header: http.Header{"Stripe-Signature": {signStripe(whsec, time.Now(), body)}}})
			require.NoError(t, err)
			require.Len(t, evs, 1)
			got, err := stripepay.EventParser{}.ParseEvent(&evs[0])
			if tc.want == nil {
				require.ErrorIs(t, err, payments.ErrUnhandledEvent)
				return
			}
			require.NoError(t, err)
			require.Same(t, &evs[0], got.Raw)
			got.Raw = nil
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseEventMalformed(t *testing.T) {
	p := stripepay.EventParser{}
	for name, ev := range map[string]*webhooks.Event{
		"nil":            nil,
		"not json":       {Provider: "stripe", ID: "evt_1", Type: "payment_intent.succeeded", Data: []byte("{")},
		"no object":      {Provider: "stripe", ID: "evt_1", Type: "payment_intent.succeeded", Data: []byte(`{"data":{}}`)},
		"object no id":   {Provider: "stripe", ID: "evt_1", Type: "charge.refunded", Data: []byte(`{"data":{"object":{"amount_refunded":5}}}`)},
		"wrong shape":    {Provider: "stripe", ID: "evt_1", Type: "charge.dispute.created", Data: []byte(`{"data":{"object":{"id":5}}}`)},
		"bad expandable": {Provider: "stripe", ID: "evt_1", Type: "refund.updated", Data: []byte(`{"data":{"object":{"id":"re_1","payment_intent":7}}}`)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.ParseEvent(ev)
			require.ErrorIs(t, err, webhooks.ErrMalformedBody)
		})
	}
	_, err := p.ParseEvent(&webhooks.Event{Type: "invoice.paid", Data: []byte(`{"data":{"object":{"id":"in_1"}}}`)})
	require.ErrorIs(t, err, payments.ErrUnhandledEvent)

	// An expanded payment_intent object is read by its id.
	ev, err := p.ParseEvent(&webhooks.Event{Type: "charge.dispute.created",
		Data: []byte(`{"id":"evt_9","data":{"object":{"id":"dp_1","amount":500,"currency":"isk","payment_intent":{"id":"pi_9"}}}}`)})
	require.NoError(t, err)
	require.Equal(t, "pi_9", ev.PaymentID)
	require.Equal(t, "evt_9", ev.ID)
	require.Equal(t, payments.NewMoney(5, "ISK"), ev.Amount, "ISK is two-decimal at Stripe")
}

// TestEventsThroughHandler sends signed deliveries of every test event
// through a webhooks.Handler with payments.Handle registered.
func TestEventsThroughHandler(t *testing.T) {
	v, err := webhooks.NewStripe(whsec)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	var (
		mu  sync.Mutex
		got []*payments.Event
	)
	payments.Handle(h, stripepay.EventParser{}, func(ctx context.Context, e *payments.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e)
		return nil
	})
	deliver := func(body []byte, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	want := 0
	for _, tc := range eventCases() {
		body := readEvent(t, tc.file)
		require.Equal(t, http.StatusOK, deliver(body, signStripe(whsec, time.Now(), body)), tc.file)
		if tc.want != nil {
			want++
		}
		mu.Lock()
		require.Len(t, got, want, tc.file)
		if tc.want != nil {
			last := got[len(got)-1]
			require.Equal(t, tc.want.Type, last.Type)
			require.Equal(t, tc.want.PaymentID, last.PaymentID)
			require.Equal(t, tc.want.Amount, last.Amount)
			require.NotNil(t, last.Raw)
			require.Equal(t, "stripe", last.Raw.Provider)
		}
		mu.Unlock()
	}

	body := readEvent(t, "payment_intent.succeeded.json")
	require.Equal(t, http.StatusOK, deliver(body, signStripe(whsec, time.Now(), body)), "a redelivery is acknowledged")
	require.Equal(t, http.StatusBadRequest, deliver(body, signStripe("whsec_wrong", time.Now(), body)))
	require.Equal(t, http.StatusBadRequest, deliver(body, signStripe(whsec, time.Now().Add(-time.Hour), body)))
	mu.Lock()
	require.Len(t, got, want, "a redelivered or forged event runs nothing")
	mu.Unlock()
}

func TestHandleErrorsAreRetried(t *testing.T) {
	v, err := webhooks.NewStripe(whsec)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	calls := 0
	payments.Handle(h, stripepay.EventParser{}, func(ctx context.Context, e *payments.Event) error {
		calls++
		if calls == 1 {
			return errors.New("database down")
		}
		return nil
	})
	body := readEvent(t, "charge.dispute.created.json")
	for i, want := range []int{http.StatusInternalServerError, http.StatusOK, http.StatusOK} {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Stripe-Signature", signStripe(whsec, time.Now(), body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, want, rec.Code, "delivery %d", i)
	}
	require.Equal(t, 2, calls, "the failed delivery ran again; the completed one did not")
}

// FuzzParseEvent checks that ParseEvent never panics on verified bodies and
// only ever fails with its documented errors.
func FuzzParseEvent(f *testing.F) {
	for _, tc := range eventCases() {
		f.Add(tc.file[:len(tc.file)-len(".json")], readEvent(f, tc.file))
	}
	f.Add("charge.refunded", []byte(`{"data":{"object":null}}`))
	f.Add("refund.failed", []byte(`{"data":{"object":{"id":"re_1","status":"failed","amount":-5,"currency":"kwd"}}}`))
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		ev, err := stripepay.EventParser{}.ParseEvent(&webhooks.Event{Provider: "stripe", ID: "evt_f", Type: typ, Data: body})
		if err != nil {
			if !errors.Is(err, webhooks.ErrMalformedBody) && !errors.Is(err, payments.ErrUnhandledEvent) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if !ev.Type.Valid() || ev.Provider != "stripe" {
			t.Fatalf("bad event %+v", ev)
		}
	})
}
