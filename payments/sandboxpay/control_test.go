package sandboxpay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
)

func TestControlHandler(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{fail: []int{500}}
	p := newSandboxTo(t, rec, sandboxpay.WithPendingRefunds(),
		sandboxpay.WithDeliveryRetries(0, 0))
	h := http.StripPrefix("/sandbox", p.ControlHandler())
	post := func(path string, form url.Values) (int, map[string]any) {
		req := httptest.NewRequest(http.MethodPost, "/sandbox"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rr.Body.Bytes(), &body))
		return rr.Code, body
	}

	a := create(t, p, 1000)
	code, body := post("/payments/"+a.ID+"/succeed", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "succeeded", body["data"].(map[string]any)["status"])
	require.Contains(t, body["webhook_error"], "delivery failed", "the first delivery was answered 500")

	code, body = post("/payments/"+a.ID+"/decline", nil)
	require.Equal(t, http.StatusConflict, code)
	require.Contains(t, body["error"], "invalid_state")

	b := create(t, p, 1000)
	code, body = post("/payments/"+b.ID+"/decline", url.Values{"code": {"insufficient_funds"}, "message": {"No money"}})
	require.Equal(t, http.StatusOK, code)
	data := body["data"].(map[string]any)
	require.Equal(t, "failed", data["status"])
	require.Equal(t, "insufficient_funds", data["failure_code"])
	require.Equal(t, "No money", data["failure_message"])

	c := create(t, p, 1000)
	_, err := p.Succeed(ctx, c.ID)
	require.NoError(t, err)
	code, _ = post("/payments/"+c.ID+"/require_action", nil)
	require.Equal(t, http.StatusConflict, code)

	r, err := p.Refund(ctx, payments.RefundParams{PaymentID: c.ID, Amount: 400})
	require.NoError(t, err)
	code, body = post("/refunds/"+r.ID+"/succeed", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "succeeded", body["data"].(map[string]any)["status"])
	got, err := p.GetPayment(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusPartiallyRefunded, got.Status)

	r2, err := p.Refund(ctx, payments.RefundParams{PaymentID: c.ID})
	require.NoError(t, err)
	code, body = post("/refunds/"+r2.ID+"/fail", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "refund_failed", body["data"].(map[string]any)["failure_code"])

	code, _ = post("/payments/pay_missing/succeed", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = post("/refunds/re_missing/succeed", nil)
	require.Equal(t, http.StatusNotFound, code)
}
