package paystackpay_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/paystackpay"
)

var createdNow = time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)

func newProvider(t *testing.T, f *fakePaystack, key string) *paystackpay.Provider {
	t.Helper()
	p, err := paystackpay.New(key,
		paystackpay.WithBaseURL(f.srv.URL),
		paystackpay.WithHTTPClient(f.srv.Client()),
		paystackpay.WithClock(func() time.Time { return createdNow }),
		paystackpay.WithHTTPOptions(httpclient.WithBackoff(time.Millisecond, 2*time.Millisecond)),
	)
	require.NoError(t, err)
	return p
}

func ngn(amount int64) payments.Money { return payments.Money{Amount: amount, Currency: "NGN"} }

func baseParams() payments.CreatePaymentParams {
	return payments.CreatePaymentParams{
		Amount:         ngn(500000),
		CustomerEmail:  "ada@example.com",
		ReturnURL:      "https://shop.example.com/paid",
		Metadata:       map[string]string{"order_id": "42"},
		IdempotencyKey: "order-42",
	}
}

func requireKind(t *testing.T, err error, kind error) *payments.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var pe *payments.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, paystackpay.Name, pe.Provider)
	require.NotContains(t, err.Error(), testKey, "the secret key never appears in errors")
	return pe
}

func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

func TestNew(t *testing.T) {
	p, err := paystackpay.New(testKey, paystackpay.WithBaseURL("http://127.0.0.1:8080/"),
		paystackpay.WithHTTPClient(&http.Client{}), paystackpay.WithLogger(slog.New(slog.DiscardHandler)),
		paystackpay.WithClock(time.Now), paystackpay.WithHTTPOptions(httpclient.WithRetries(1)))
	require.NoError(t, err)
	require.Equal(t, "paystack", p.Name())
}

// TestNewRejectsInvalidConfig: every invalid argument or option value is
// an error from New wrapping payments.ErrInvalidConfig that names the
// provider and what is at fault, never the key, and New never panics.
func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		key  string
		opts []paystackpay.Option
		what string
	}{
		{"empty key", "", nil, "secret key: is required"},
		{"blank key", " \t", nil, "secret key: is required"},
		{"key with trailing newline", testKey + "\n", nil, "secret key: is padded with whitespace"},
		{"key with header injection", "sk_test_0123456789abcdef\r\nX-Injected: 1", nil, "secret key: holds whitespace or control characters"},
		{"public key", "pk_test_0123456789abcdef", nil, "secret key: must start with sk_"},
		{"base URL without scheme", testKey, []paystackpay.Option{paystackpay.WithBaseURL("api.paystack.co")}, "WithBaseURL: must be an absolute http or https URL"},
		{"base URL with credentials", testKey, []paystackpay.Option{paystackpay.WithBaseURL("https://u:p@api.paystack.co")}, "WithBaseURL: URL must not hold credentials"},
		{"nil HTTP client", testKey, []paystackpay.Option{paystackpay.WithHTTPClient(nil)}, "WithHTTPClient: client is nil"},
		{"nil HTTP option", testKey, []paystackpay.Option{paystackpay.WithHTTPOptions(httpclient.WithRetries(1), nil)}, "WithHTTPOptions: option 2 is nil"},
		{"nil logger", testKey, []paystackpay.Option{paystackpay.WithLogger(nil)}, "WithLogger: logger is nil"},
		{"nil clock", testKey, []paystackpay.Option{paystackpay.WithClock(nil)}, "WithClock: clock is nil"},
		{"nil option", testKey, []paystackpay.Option{nil}, "option 1: is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := paystackpay.New(tt.key, tt.opts...)
			require.Nil(t, p)
			require.ErrorIs(t, err, payments.ErrInvalidConfig)
			var perr *payments.Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, paystackpay.Name, perr.Provider)
			require.Contains(t, err.Error(), "paystack: payments: invalid configuration: "+tt.what)
			require.NotContains(t, err.Error(), "0123456789abcdef", "the key never appears in the error")
		})
	}
}

func TestCreatePayment(t *testing.T) {
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	pay, err := p.CreatePayment(context.Background(), baseParams())
	require.NoError(t, err)

	reqs := f.recorded()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "/transaction/initialize", r.Path)
	require.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	require.Contains(t, r.Header.Get("Content-Type"), "application/json")
	body := decodeBody(t, r.Body)
	require.Equal(t, "ada@example.com", body["email"])
	require.Equal(t, json.Number("500000"), body["amount"], "amount is an integer in kobo")
	require.Equal(t, "NGN", body["currency"])
	require.Equal(t, "order-42", body["reference"], "the idempotency key is the reference")
	require.Equal(t, "https://shop.example.com/paid", body["callback_url"])
	meta, ok := body["metadata"].(map[string]any)
	require.True(t, ok)
	require.Equal(t, "42", meta["order_id"])
	require.NotEmpty(t, meta[paystackpay.RequestHashMetadataKey])

	require.Equal(t, "order-42", pay.ID)
	require.Equal(t, "order-42", pay.Reference)
	require.Equal(t, "paystack", pay.Provider)
	require.Equal(t, payments.StatusRequiresAction, pay.Status)
	require.Equal(t, "abandoned", pay.RawStatus, "what verify reports for it")
	require.Equal(t, ngn(500000), pay.Amount)
	require.Equal(t, map[string]string{"order_id": "42"}, pay.Metadata)
	require.Equal(t, createdNow, pay.CreatedAt)
	require.NotNil(t, pay.NextAction)
	require.Equal(t, payments.NextActionRedirect, pay.NextAction.Type)
	require.True(t, strings.HasPrefix(pay.NextAction.RedirectURL, "https://checkout.paystack.com/"))
	require.NotEmpty(t, pay.NextAction.AccessCode)
	require.True(t, strings.HasSuffix(pay.NextAction.RedirectURL, pay.NextAction.AccessCode))

	// Verifying right away: Paystack reports the unpaid transaction as abandoned.
	got, err := p.GetPayment(context.Background(), pay.ID)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRequiresAction, got.Status)
	require.Equal(t, "abandoned", got.RawStatus)
	require.Equal(t, map[string]string{"order_id": "42"}, got.Metadata, "the request hash is hidden")
	require.Equal(t, "ada@example.com", got.CustomerEmail)
	require.Equal(t, fakeCreated, got.CreatedAt)
}

// TestLowerCaseCurrencyIsTheSameRequest: a Money literal with a lower-case
// code is sent in Paystack's upper-case form, and a retry that spells the
// code differently is the same request, not an idempotency conflict.
func TestLowerCaseCurrencyIsTheSameRequest(t *testing.T) {
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	in := baseParams()
	in.Amount = payments.Money{Amount: 500000, Currency: "ngn"}
	first, err := p.CreatePayment(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, ngn(500000), first.Amount)
	body := decodeBody(t, f.recorded()[0].Body)
	require.Equal(t, "NGN", body["currency"])

	in.Amount.Currency = "NGN"
	again, err := p.CreatePayment(context.Background(), in)
	require.NoError(t, err, "the retry differs only in the case of the code")
	require.Equal(t, first.ID, again.ID)
}

func TestCreatePaymentReferences(t *testing.T) {
	ctx := context.Background()
	t.Run("explicit reference wins", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		params := baseParams()
		params.Reference = "INV-2026.001"
		pay, err := p.CreatePayment(ctx, params)
		require.NoError(t, err)
		require.Equal(t, "INV-2026.001", pay.ID)
		require.Equal(t, "INV-2026.001", decodeBody(t, f.recorded()[0].Body)["reference"])
	})
	t.Run("key with other characters is hashed", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		params := baseParams()
		params.IdempotencyKey = "order_42/attempt#1"
		pay, err := p.CreatePayment(ctx, params)
		require.NoError(t, err)
		require.Equal(t, paystackpay.ReferenceForKey("order_42/attempt#1"), pay.ID)
	})
	t.Run("no key: Paystack picks the reference and nothing is hashed", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		params := baseParams()
		params.IdempotencyKey = ""
		params.Metadata = nil
		pay, err := p.CreatePayment(ctx, params)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(pay.ID, "re4lyvq"))
		body := decodeBody(t, f.recorded()[0].Body)
		require.NotContains(t, body, "reference")
		require.NotContains(t, body, "metadata")
	})
	t.Run("invalid explicit reference is rejected before any call", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		params := baseParams()
		params.Reference = "order 42"
		_, err := p.CreatePayment(ctx, params)
		pe := requireKind(t, err, payments.ErrInvalidRequest)
		require.Equal(t, "reference_invalid", pe.Code)
		require.Empty(t, f.recorded())
	})
}

func TestCreatePaymentIdempotent(t *testing.T) {
	ctx := context.Background()
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	first, err := p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)

	// The retry reaches Paystack, which refuses the duplicate reference;
	// the provider verifies the existing transaction and returns it.
	again, err := p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, first.Amount, again.Amount)
	require.Equal(t, payments.StatusRequiresAction, again.Status)
	require.Nil(t, again.NextAction, "the duplicate is answered from verify, which holds no authorization URL")
	require.False(t, p.Capabilities().NextActionOnGet)
	require.Equal(t, 1, f.txCount(), "one transaction, never two")
	require.Equal(t, 2, f.count(http.MethodPost, "/transaction/initialize"))
	require.Equal(t, 1, f.count(http.MethodGet, "/transaction/verify/order-42"))

	// Once paid, a retry returns the paid transaction.
	f.setStatus("order-42", "success", "Approved")
	again, err = p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)
	require.Equal(t, payments.StatusSucceeded, again.Status)

	// The same key with different parameters is a conflict.
	changed := baseParams()
	changed.Amount = ngn(600000)
	_, err = p.CreatePayment(ctx, changed)
	requireKind(t, err, payments.ErrIdempotencyConflict)
	changed = baseParams()
	changed.Metadata = map[string]string{"order_id": "43"}
	_, err = p.CreatePayment(ctx, changed)
	requireKind(t, err, payments.ErrIdempotencyConflict)
	require.Equal(t, 1, f.txCount())
}

func TestDuplicateOfForeignTransaction(t *testing.T) {
	ctx := context.Background()
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	f.addTx("order-42", 999, "NGN", "success")
	_, err := p.CreatePayment(ctx, baseParams())
	requireKind(t, err, payments.ErrIdempotencyConflict)
	f.addTx("order-43", 500000, "NGN", "success")
	params := baseParams()
	params.IdempotencyKey = "order-43"
	pay, err := p.CreatePayment(ctx, params)
	require.NoError(t, err, "same amount and currency without a request hash is taken as the same payment")
	require.Equal(t, payments.StatusSucceeded, pay.Status)
}

func TestValidationBeforeAnyCall(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		mutate func(*payments.CreatePaymentParams)
		kind   error
	}{
		{"EUR not accepted", func(p *payments.CreatePaymentParams) { p.Amount.Currency = "EUR" }, payments.ErrUnsupportedCurrency},
		{"JPY not accepted", func(p *payments.CreatePaymentParams) { p.Amount = payments.Money{Amount: 100, Currency: "JPY"} }, payments.ErrUnsupportedCurrency},
		{"unknown currency", func(p *payments.CreatePaymentParams) { p.Amount.Currency = "ABC" }, payments.ErrUnsupportedCurrency},
		{"zero amount", func(p *payments.CreatePaymentParams) { p.Amount.Amount = 0 }, payments.ErrInvalidAmount},
		{"negative amount", func(p *payments.CreatePaymentParams) { p.Amount.Amount = -1 }, payments.ErrInvalidAmount},
		{"email required", func(p *payments.CreatePaymentParams) { p.CustomerEmail = "" }, payments.ErrInvalidRequest},
		{"email invalid", func(p *payments.CreatePaymentParams) { p.CustomerEmail = "ada" }, payments.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePaystack(t)
			p := newProvider(t, f, testKey)
			params := baseParams()
			tt.mutate(&params)
			_, err := p.CreatePayment(ctx, params)
			requireKind(t, err, tt.kind)
			require.Empty(t, f.recorded())
		})
	}
	for _, cur := range []payments.Currency{"NGN", "GHS", "ZAR", "KES", "USD"} {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		params := baseParams()
		params.Amount.Currency = cur
		_, err := p.CreatePayment(ctx, params)
		require.NoError(t, err, cur)
	}
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	_, err := p.GetPayment(ctx, "")
	requireKind(t, err, payments.ErrInvalidRequest)
	_, err = p.GetPayment(ctx, "../refund/1")
	requireKind(t, err, payments.ErrInvalidRequest)
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "ref", Amount: -5})
	requireKind(t, err, payments.ErrInvalidAmount)
	_, err = p.GetRefund(ctx, "")
	requireKind(t, err, payments.ErrInvalidRequest)
	_, err = p.CancelPayment(ctx, "order-42")
	requireKind(t, err, payments.ErrNotSupported)
	require.Empty(t, f.recorded())
}

func TestGetPaymentStatuses(t *testing.T) {
	tests := []struct {
		raw      string
		gateway  string
		want     payments.Status
		refunded int64
	}{
		{"success", "Approved", payments.StatusSucceeded, 0},
		{"failed", "Declined", payments.StatusFailed, 0},
		{"abandoned", "", payments.StatusRequiresAction, 0},
		{"ongoing", "", payments.StatusProcessing, 0},
		{"processing", "", payments.StatusProcessing, 0},
		{"pending", "", payments.StatusPending, 0},
		{"queued", "", payments.StatusPending, 0},
		{"reversed", "Approved", payments.StatusRefunded, 500000},
		{"something-new", "", payments.StatusPending, 0},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			ctx := context.Background()
			f := newFakePaystack(t)
			p := newProvider(t, f, testKey)
			_, err := p.CreatePayment(ctx, baseParams())
			require.NoError(t, err)
			f.setStatus("order-42", tt.raw, tt.gateway)

			got, err := p.GetPayment(ctx, "order-42")
			require.NoError(t, err, "verify answers 200 whatever the outcome")
			require.Equal(t, tt.want, got.Status)
			require.Equal(t, tt.raw, got.RawStatus)
			require.Equal(t, tt.refunded, got.AmountRefunded)
			require.Nil(t, got.NextAction)
			if tt.raw == "failed" {
				require.Equal(t, "Declined", got.FailureMessage)
			}
			var last fakeRequest
			for _, r := range f.recorded() {
				if r.Path == "/transaction/verify/order-42" {
					last = r
				}
			}
			require.Equal(t, http.MethodGet, last.Method)
			require.Equal(t, "Bearer "+testKey, last.Header.Get("Authorization"))
			require.Empty(t, last.Body)
		})
	}
}

func TestErrorEnvelopes(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		status    int
		body      string
		call      func(p *paystackpay.Provider) error
		kind      error
		code      string
		message   string
		attempts  int
		requestID string
	}{
		{
			name: "invalid key", method: http.MethodGet, path: "/transaction/verify/x", status: 401,
			body: `{"status":false,"message":"Invalid key"}`,
			call: getPayment("x"), kind: payments.ErrAuthentication, message: "Invalid key", attempts: 1,
		},
		{
			name: "validation error", method: http.MethodPost, path: "/transaction/initialize", status: 400,
			body: `{"status":false,"message":"Invalid Email Address Passed","meta":{"nextStep":"Provide a valid email"},"type":"validation_error","code":"invalid_params"}`,
			call: createPayment(), kind: payments.ErrInvalidRequest, code: "invalid_params", message: "Invalid Email Address Passed", attempts: 1,
		},
		{
			name: "validation error without code", method: http.MethodPost, path: "/refund", status: 400,
			body: `{"status":false,"message":"Transaction has been fully reversed","type":"validation_error"}`,
			call: refund("order-42"), kind: payments.ErrInvalidRequest, code: "validation_error", attempts: 1,
		},
		{
			name: "not found", method: http.MethodGet, path: "/transaction/verify/x", status: 404,
			body: `{"status":false,"message":"Transaction reference not found"}`,
			call: getPayment("x"), kind: payments.ErrNotFound, message: "Transaction reference not found", attempts: 1,
		},
		{
			name: "not found as 400", method: http.MethodGet, path: "/transaction/verify/x", status: 400,
			body: `{"status":false,"message":"Transaction reference not found."}`,
			call: getPayment("x"), kind: payments.ErrNotFound, attempts: 1,
		},
		{
			name: "refund not found", method: http.MethodGet, path: "/refund/77", status: 404,
			body: `{"status":false,"message":"Refund not found"}`,
			call: getRefund("77"), kind: payments.ErrNotFound, attempts: 1,
		},
		{
			name: "rate limited", method: http.MethodPost, path: "/refund", status: 429,
			body: `{"status":false,"message":"Too many requests"}`,
			call: refund("order-42"), kind: payments.ErrRateLimited, attempts: 1,
		},
		{
			name: "server error on refund is not retried", method: http.MethodPost, path: "/refund", status: 500,
			body: `{"status":false,"message":"An error occurred"}`, requestID: "req_9",
			call: refund("order-42"), kind: payments.ErrProviderUnavailable, message: "An error occurred", attempts: 1,
		},
		{
			name: "2xx with status false", method: http.MethodGet, path: "/transaction/verify/x", status: 200,
			body: `{"status":false,"message":"Something odd"}`,
			call: getPayment("x"), kind: payments.ErrInvalidRequest, message: "Something odd", attempts: 1,
		},
		{
			name: "unreadable 2xx", method: http.MethodGet, path: "/transaction/verify/x", status: 200,
			body: `<html>gateway</html>`,
			call: getPayment("x"), kind: payments.ErrProviderUnavailable, attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakePaystack(t)
			p := newProvider(t, f, testKey)
			var hdr map[string]string
			if tt.requestID != "" {
				hdr = map[string]string{"X-Request-Id": tt.requestID}
			}
			f.queue(tt.method, tt.path, tt.status, tt.body, hdr)
			err := tt.call(p)
			pe := requireKind(t, err, tt.kind)
			if tt.code != "" {
				require.Equal(t, tt.code, pe.Code)
			}
			if tt.message != "" {
				require.Equal(t, tt.message, pe.Message)
			}
			if tt.status != 200 {
				require.Equal(t, tt.status, pe.StatusCode)
			}
			require.Equal(t, tt.requestID, pe.RequestID)
			require.Equal(t, tt.attempts, f.count(tt.method, tt.path))
		})
	}
}

func getPayment(id string) func(p *paystackpay.Provider) error {
	return func(p *paystackpay.Provider) error { _, err := p.GetPayment(context.Background(), id); return err }
}

func getRefund(id string) func(p *paystackpay.Provider) error {
	return func(p *paystackpay.Provider) error { _, err := p.GetRefund(context.Background(), id); return err }
}

func createPayment() func(p *paystackpay.Provider) error {
	return func(p *paystackpay.Provider) error {
		params := baseParams()
		params.IdempotencyKey = ""
		_, err := p.CreatePayment(context.Background(), params)
		return err
	}
}

func refund(id string) func(p *paystackpay.Provider) error {
	return func(p *paystackpay.Provider) error {
		_, err := p.Refund(context.Background(), payments.RefundParams{PaymentID: id})
		return err
	}
}

func TestWrongKey(t *testing.T) {
	f := newFakePaystack(t)
	p := newProvider(t, f, "sk_test_wrong")
	_, err := p.CreatePayment(context.Background(), baseParams())
	pe := requireKind(t, err, payments.ErrAuthentication)
	require.Equal(t, http.StatusUnauthorized, pe.StatusCode)
	require.Equal(t, "Invalid key", pe.Message)
	require.NotContains(t, err.Error(), "sk_test_wrong")
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("GET is retried on 5xx", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		_, err := p.CreatePayment(ctx, baseParams())
		require.NoError(t, err)
		f.queue(http.MethodGet, "/transaction/verify/order-42", 502, `{"status":false,"message":"Bad gateway"}`, nil)
		got, err := p.GetPayment(ctx, "order-42")
		require.NoError(t, err)
		require.Equal(t, "order-42", got.ID)
		require.Equal(t, 2, f.count(http.MethodGet, "/transaction/verify/order-42"))
	})
	t.Run("GET gives up after the retries", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		for range 3 {
			f.queue(http.MethodGet, "/transaction/verify/x", 503, `{"status":false,"message":"Unavailable"}`, nil)
		}
		_, err := p.GetPayment(ctx, "x")
		requireKind(t, err, payments.ErrProviderUnavailable)
		require.True(t, payments.IsRetryable(err))
		require.Equal(t, 3, f.count(http.MethodGet, "/transaction/verify/x"))
	})
	t.Run("initialize with a reference is retried", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		f.queue(http.MethodPost, "/transaction/initialize", 502, `{"status":false,"message":"Bad gateway"}`, nil)
		pay, err := p.CreatePayment(ctx, baseParams())
		require.NoError(t, err)
		require.Equal(t, "order-42", pay.ID)
		require.NotNil(t, pay.NextAction)
		require.Equal(t, 2, f.count(http.MethodPost, "/transaction/initialize"))
		require.Equal(t, 1, f.txCount())
	})
	t.Run("initialize without a reference is sent once", func(t *testing.T) {
		f := newFakePaystack(t)
		p := newProvider(t, f, testKey)
		f.queue(http.MethodPost, "/transaction/initialize", 502, `{"status":false,"message":"Bad gateway"}`, nil)
		err := createPayment()(p)
		requireKind(t, err, payments.ErrProviderUnavailable)
		require.Equal(t, 1, f.count(http.MethodPost, "/transaction/initialize"))
	})
}

func TestTransportErrors(t *testing.T) {
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	f.srv.Close()
	_, err := p.GetPayment(context.Background(), "order-42")
	pe := requireKind(t, err, payments.ErrProviderUnavailable)
	require.NotNil(t, pe.Err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.GetPayment(ctx, "order-42")
	require.ErrorIs(t, err, context.Canceled)
}

func TestRefunds(t *testing.T) {
	ctx := context.Background()
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	_, err := p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)

	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "order-42"})
	pe := requireKind(t, err, payments.ErrInvalidRequest)
	require.Equal(t, http.StatusBadRequest, pe.StatusCode, "an unpaid transaction cannot be refunded")

	f.setStatus("order-42", "success", "Approved")
	partial, err := p.Refund(ctx, payments.RefundParams{PaymentID: "order-42", Amount: 100000, Reason: "Damaged item"})
	require.NoError(t, err)
	last := f.recorded()[len(f.recorded())-1]
	require.Equal(t, http.MethodPost, last.Method)
	require.Equal(t, "/refund", last.Path)
	require.Equal(t, "Bearer "+testKey, last.Header.Get("Authorization"))
	require.Empty(t, last.Header.Get("Idempotency-Key"), "POST /refund carries no retry key")
	body := decodeBody(t, last.Body)
	require.Equal(t, map[string]any{"transaction": "order-42", "amount": json.Number("100000"), "merchant_note": "Damaged item"}, body)

	require.NotEmpty(t, partial.ID)
	require.Equal(t, "paystack", partial.Provider)
	require.Equal(t, "order-42", partial.PaymentID)
	require.Equal(t, ngn(100000), partial.Amount)
	require.Equal(t, payments.RefundPending, partial.Status)
	require.Equal(t, "pending", partial.RawStatus)
	require.Equal(t, "Damaged item", partial.Reason)
	require.Equal(t, fakeCreated, partial.CreatedAt)

	for _, tt := range []struct {
		raw  string
		want payments.RefundStatus
	}{
		{"pending", payments.RefundPending},
		{"processing", payments.RefundPending},
		{"needs-attention", payments.RefundPending},
		{"failed", payments.RefundFailed},
		{"processed", payments.RefundSucceeded},
	} {
		f.settleRefund(partial.ID, tt.raw)
		got, err := p.GetRefund(ctx, partial.ID)
		require.NoError(t, err)
		require.Equal(t, tt.want, got.Status, tt.raw)
		require.Equal(t, tt.raw, got.RawStatus)
		require.Equal(t, "order-42", got.PaymentID)
		require.Equal(t, ngn(100000), got.Amount)
		require.Equal(t, "/refund/"+partial.ID, f.recorded()[len(f.recorded())-1].Path)
	}

	// A zero amount refunds the rest; once processed the transaction is reversed.
	rest, err := p.Refund(ctx, payments.RefundParams{PaymentID: "order-42"})
	require.NoError(t, err)
	require.NotContains(t, decodeBody(t, f.recorded()[len(f.recorded())-1].Body), "amount")
	require.Equal(t, int64(400000), rest.Amount.Amount)
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "order-42", Amount: 1})
	requireKind(t, err, payments.ErrInvalidRequest)
	f.settleRefund(rest.ID, "processed")
	pay, err := p.GetPayment(ctx, "order-42")
	require.NoError(t, err)
	require.Equal(t, payments.StatusRefunded, pay.Status)
	require.Equal(t, "reversed", pay.RawStatus)
}

func TestGetPaymentFoldsRefunds(t *testing.T) {
	ctx := context.Background()
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	_, err := p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)
	f.setStatus("order-42", "success", "Approved")
	r, err := p.Refund(ctx, payments.RefundParams{PaymentID: "order-42", Amount: 200000})
	require.NoError(t, err)

	got, err := p.GetPayment(ctx, "order-42")
	require.NoError(t, err)
	require.Equal(t, payments.StatusSucceeded, got.Status, "a pending refund has not refunded anything yet")
	require.Zero(t, got.AmountRefunded)
	var list fakeRequest
	for _, rq := range f.recorded() {
		if rq.Method == http.MethodGet && rq.Path == "/refund" {
			list = rq
		}
	}
	require.Equal(t, "Bearer "+testKey, list.Header.Get("Authorization"))

	f.settleRefund(r.ID, "processed")
	got, err = p.GetPayment(ctx, "order-42")
	require.NoError(t, err)
	require.Equal(t, payments.StatusPartiallyRefunded, got.Status)
	require.Equal(t, "success", got.RawStatus)
	require.Equal(t, int64(200000), got.AmountRefunded)

	// When refunds cannot be listed, verify's answer is still returned.
	f.queue(http.MethodGet, "/refund", 400, `{"status":false,"message":"Invalid filter"}`, nil)
	got, err = p.GetPayment(ctx, "order-42")
	require.NoError(t, err)
	require.Equal(t, payments.StatusSucceeded, got.Status)
}

func TestRefundIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	f := newFakePaystack(t)
	p := newProvider(t, f, testKey)
	_, err := p.CreatePayment(ctx, baseParams())
	require.NoError(t, err)
	f.setStatus("order-42", "success", "Approved")

	in := payments.RefundParams{PaymentID: "order-42", Amount: 100000, Reason: "Damaged", IdempotencyKey: "refund-1"}
	r1, err := p.Refund(ctx, in)
	require.NoError(t, err)
	require.Equal(t, "Damaged", r1.Reason, "the marker is not shown")
	var post fakeRequest
	for _, rq := range f.recorded() {
		if rq.Method == http.MethodPost && rq.Path == "/refund" {
			post = rq
		}
	}
	note, _ := decodeBody(t, post.Body)["merchant_note"].(string)
	require.True(t, strings.HasPrefix(note, "Damaged [idempotency:"), note)
	require.NotContains(t, note, "refund-1", "the key itself is not sent")

	r2, err := p.Refund(ctx, in)
	require.NoError(t, err)
	require.Equal(t, r1.ID, r2.ID)
	require.Equal(t, r1.Amount, r2.Amount)
	require.Equal(t, "Damaged", r2.Reason)
	require.Equal(t, 1, f.count(http.MethodPost, "/refund"), "refunded once")

	in.Amount = 5
	_, err = p.Refund(ctx, in)
	requireKind(t, err, payments.ErrIdempotencyConflict)
	require.Equal(t, 1, f.count(http.MethodPost, "/refund"))

	// The same key on another transaction is another refund.
	f.addTx("other-1", 1000, "NGN", "success")
	r3, err := p.Refund(ctx, payments.RefundParams{PaymentID: "other-1", IdempotencyKey: "refund-1"})
	require.NoError(t, err)
	require.NotEqual(t, r1.ID, r3.ID)

	// A failed lookup stops the refund rather than risking a second one.
	f.queue(http.MethodGet, "/refund", 500, `{"status":false,"message":"down"}`, nil)
	f.queue(http.MethodGet, "/refund", 500, `{"status":false,"message":"down"}`, nil)
	f.queue(http.MethodGet, "/refund", 500, `{"status":false,"message":"down"}`, nil)
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: "order-42", Amount: 1, IdempotencyKey: "refund-2"})
	requireKind(t, err, payments.ErrProviderUnavailable)
	require.Equal(t, 2, f.count(http.MethodPost, "/refund"))
}
