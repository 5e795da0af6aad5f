package stripepay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/stripepay"
)

// stubStripe answers every request with the given status, headers and
// body, recording the requests' Idempotency-Key headers.
type stubStripe struct {
	mu   sync.Mutex
	keys []string
	srv  *httptest.Server
}

func newStub(t *testing.T, status int, header map[string]string, body string) *stubStripe {
	s := &stubStripe{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.keys = append(s.keys, r.Header.Get("Idempotency-Key"))
		s.mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stubStripe) requestKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

func stubProvider(t *testing.T, url string, retries int) *stripepay.Provider {
	t.Helper()
	p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(url), stripepay.WithMaxNetworkRetries(retries))
	require.NoError(t, err)
	return p
}

var createParams = payments.CreatePaymentParams{
	Amount:         payments.NewMoney(2000, "EUR"),
	CustomerEmail:  "ada@example.com",
	Reference:      "order-7",
	IdempotencyKey: "order-7-attempt",
}

// Error bodies as Stripe documents them (https://docs.stripe.com/api/errors).
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		header      map[string]string
		body        string
		kind        error
		code        string
		declineCode string
		message     string
	}{
		{"card declined", 402, map[string]string{"Request-Id": "req_decline1"},
			`{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","charge":"ch_1","doc_url":"https://stripe.com/docs/error-codes/card-declined"}}`,
			payments.ErrCardDeclined, "card_declined", "insufficient_funds", "Your card has insufficient funds."},
		{"expired card", 402, nil,
			`{"error":{"type":"card_error","code":"expired_card","message":"Your card has expired.","param":"exp_month"}}`,
			payments.ErrCardDeclined, "expired_card", "", "Your card has expired."},
		{"invalid request", 400, nil,
			`{"error":{"type":"invalid_request_error","code":"parameter_invalid_integer","param":"amount","message":"Invalid integer: abc"}}`,
			payments.ErrInvalidRequest, "parameter_invalid_integer", "", "Invalid integer: abc"},
		{"amount too small", 400, nil,
			`{"error":{"type":"invalid_request_error","code":"amount_too_small","param":"amount","message":"Amount must be at least €0.50 eur"}}`,
			payments.ErrInvalidRequest, "amount_too_small", "", "Amount must be at least €0.50 eur"},
		{"idempotency conflict", 400, nil,
			`{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'order-7-attempt' if you meant to execute a different request."}}`,
			payments.ErrIdempotencyConflict, "", "", ""},
		{"not found", 404, nil,
			`{"error":{"type":"invalid_request_error","code":"resource_missing","param":"intent","message":"No such payment_intent: 'pi_nope'"}}`,
			payments.ErrNotFound, "resource_missing", "", "No such payment_intent: 'pi_nope'"},
		{"authentication", 401, nil,
			`{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****_123"}}`,
			payments.ErrAuthentication, "", "", "Invalid API Key provided: sk_test_****_123"},
		{"rate limited", 429, map[string]string{"Request-Id": "req_429"},
			`{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}`,
			payments.ErrRateLimited, "rate_limit", "", "Too many requests hit the API too quickly."},
		{"api error 500", 500, nil,
			`{"error":{"type":"api_error","message":"An unknown error occurred"}}`,
			payments.ErrProviderUnavailable, "", "", "An unknown error occurred"},
		{"bad gateway html", 502, map[string]string{"Content-Type": "text/html"},
			`<html><body>502 Bad Gateway</body></html>`,
			payments.ErrProviderUnavailable, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub(t, tt.status, tt.header, tt.body)
			p := stubProvider(t, stub.srv.URL, 0)
			_, err := p.CreatePayment(context.Background(), createParams)
			require.ErrorIs(t, err, tt.kind)
			require.Equal(t, tt.kind, payments.KindOf(err))
			var perr *payments.Error
			require.True(t, errors.As(err, &perr))
			require.Equal(t, "stripe", perr.Provider)
			require.Equal(t, tt.code, perr.Code)
			require.Equal(t, tt.declineCode, perr.DeclineCode)
			if tt.message != "" {
				require.Equal(t, tt.message, perr.Message)
			}
			if id := tt.header["Request-Id"]; id != "" {
				require.Equal(t, id, perr.RequestID)
				require.Contains(t, err.Error(), id)
			}
			if strings.HasPrefix(tt.body, "{") {
				require.Equal(t, tt.status, perr.StatusCode)
				var se *stripe.Error
				require.True(t, errors.As(err, &se), "the stripe-go error stays reachable")
			}
			require.Equal(t, []string{"order-7-attempt"}, stub.requestKeys(), "one request, with the caller's key")
		})
	}
}

func TestRetriesReuseIdempotencyKey(t *testing.T) {
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"type":"api_error","message":"Service unavailable"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"pi_retry","object":"payment_intent","amount":2000,"currency":"eur","status":"requires_payment_method","client_secret":"pi_retry_secret_x","metadata":{"reference":"order-7"}}`))
	}))
	t.Cleanup(srv.Close)
	p := stubProvider(t, srv.URL, 1)
	pay, err := p.CreatePayment(context.Background(), createParams)
	require.NoError(t, err)
	require.Equal(t, "pi_retry", pay.ID)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"order-7-attempt", "order-7-attempt"}, keys, "stripe-go retried a 503 with the same key")
}

func TestPostNotRetriedOn500(t *testing.T) {
	stub := newStub(t, 500, nil, `{"error":{"type":"api_error","message":"boom"}}`)
	p := stubProvider(t, stub.srv.URL, 2)
	_, err := p.Refund(context.Background(), payments.RefundParams{PaymentID: "pi_1", IdempotencyKey: "refund-1"})
	require.ErrorIs(t, err, payments.ErrProviderUnavailable)
	require.Equal(t, []string{"refund-1"}, stub.requestKeys(), "a POST answered 500 is cached by Stripe's idempotency layer: no retry")
}

func TestNetworkErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	p := stubProvider(t, url, 0)
	_, err := p.GetPayment(context.Background(), "pi_1")
	require.ErrorIs(t, err, payments.ErrProviderUnavailable)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(slow.Close)
	p = stubProvider(t, slow.URL, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = p.GetPayment(ctx, "pi_1")
	require.ErrorIs(t, err, payments.ErrProviderUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the context error stays reachable")
}

// TestRequiresAction uses answers stripe-mock cannot give: a PaymentIntent
// waiting for 3-D Secure, with Stripe.js (use_stripe_sdk) or a redirect.
func TestRequiresAction(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		typ      payments.NextActionType
		redirect string
	}{
		{"use_stripe_sdk",
			`{"id":"pi_3ds","object":"payment_intent","amount":2000,"currency":"eur","status":"requires_action","client_secret":"pi_3ds_secret_abc",
			"next_action":{"type":"use_stripe_sdk","use_stripe_sdk":{"type":"three_d_secure_redirect","stripe_js":"https://hooks.stripe.com/redirect/authenticate/src_1"}},"metadata":{}}`,
			payments.NextActionConfirmWithClientSecret, ""},
		{"redirect_to_url",
			`{"id":"pi_3ds","object":"payment_intent","amount":2000,"currency":"eur","status":"requires_action","client_secret":"pi_3ds_secret_abc",
			"next_action":{"type":"redirect_to_url","redirect_to_url":{"return_url":"https://shop.example.com/return","url":"https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1"}},"metadata":{}}`,
			payments.NextActionRedirect, "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub(t, 200, nil, tt.body)
			p := stubProvider(t, stub.srv.URL, 0)
			pay, err := p.GetPayment(context.Background(), "pi_3ds")
			require.NoError(t, err)
			require.Equal(t, payments.StatusRequiresAction, pay.Status)
			require.Equal(t, "requires_action", pay.RawStatus)
			require.NotNil(t, pay.NextAction)
			require.Equal(t, tt.typ, pay.NextAction.Type)
			require.Equal(t, "pi_3ds_secret_abc", pay.NextAction.ClientSecret)
			require.Equal(t, tt.redirect, pay.NextAction.RedirectURL)
		})
	}
}

func TestGetPaymentStatuses(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		status   payments.Status
		refunded int64
		failure  string
		next     bool
	}{
		{"succeeded", `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","latest_charge":{"id":"ch_1","amount_refunded":0}}`, payments.StatusSucceeded, 0, "", false},
		{"partially refunded", `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","latest_charge":{"id":"ch_1","amount_refunded":500}}`, payments.StatusPartiallyRefunded, 500, "", false},
		{"refunded", `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","latest_charge":{"id":"ch_1","amount_refunded":2000}}`, payments.StatusRefunded, 2000, "", false},
		{"latest charge not expanded", `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","latest_charge":"ch_1"}`, payments.StatusSucceeded, 0, "", false},
		{"failed attempt", `{"id":"pi_1","amount":2000,"currency":"eur","status":"requires_payment_method","client_secret":"s","last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"stolen_card","message":"Your card was declined."}}`, payments.StatusFailed, 0, "stolen_card", false},
		{"new, waiting for a payment method", `{"id":"pi_1","amount":2000,"currency":"eur","status":"requires_payment_method","client_secret":"s"}`, payments.StatusRequiresAction, 0, "", true},
		{"requires confirmation", `{"id":"pi_1","amount":2000,"currency":"eur","status":"requires_confirmation","client_secret":"s"}`, payments.StatusRequiresAction, 0, "", true},
		{"processing", `{"id":"pi_1","amount":2000,"currency":"eur","status":"processing"}`, payments.StatusProcessing, 0, "", false},
		{"requires capture", `{"id":"pi_1","amount":2000,"currency":"eur","status":"requires_capture"}`, payments.StatusProcessing, 0, "", false},
		{"succeeded after a declined attempt", `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","client_secret":"s","latest_charge":{"id":"ch_2","amount_refunded":0},"last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}`, payments.StatusSucceeded, 0, "", false},
		{"canceled", `{"id":"pi_1","amount":2000,"currency":"eur","status":"canceled","client_secret":"s"}`, payments.StatusCanceled, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub(t, 200, nil, tt.body)
			pay, err := stubProvider(t, stub.srv.URL, 0).GetPayment(context.Background(), "pi_1")
			require.NoError(t, err)
			require.Equal(t, tt.status, pay.Status)
			require.Equal(t, tt.refunded, pay.AmountRefunded)
			require.Equal(t, tt.failure, pay.FailureCode)
			require.Equal(t, tt.next, pay.NextAction != nil)
		})
	}
}

func TestPartialRefundChecksWhatIsLeft(t *testing.T) {
	stub := newStub(t, 200, nil, `{"id":"pi_1","amount":2000,"currency":"eur","status":"succeeded","latest_charge":{"id":"ch_1","amount_refunded":1500}}`)
	p := stubProvider(t, stub.srv.URL, 0)
	_, err := p.Refund(context.Background(), payments.RefundParams{PaymentID: "pi_1", Amount: 600})
	require.ErrorIs(t, err, payments.ErrInvalidAmount)
	require.Len(t, stub.requestKeys(), 1, "only the read was sent, no refund")

	// With an idempotency key the call may be the retry of a refund that
	// already succeeded, so it goes to Stripe to be replayed; only the
	// payment's own amount bounds it.
	_, _ = p.Refund(context.Background(), payments.RefundParams{PaymentID: "pi_1", Amount: 600, IdempotencyKey: "r"})
	require.Len(t, stub.requestKeys(), 3, "the read and then the refund were sent")
	_, err = p.Refund(context.Background(), payments.RefundParams{PaymentID: "pi_1", Amount: 2001, IdempotencyKey: "r2"})
	require.ErrorIs(t, err, payments.ErrInvalidAmount)
	require.Len(t, stub.requestKeys(), 4, "an amount above the payment is refused after the read")
}

// TestNewRejectsInvalidConfig: every invalid argument or option value is
// an error from New wrapping payments.ErrInvalidConfig that names the
// provider and what is at fault, never the key, and New never panics.
func TestNewRejectsInvalidConfig(t *testing.T) {
	const key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	tests := []struct {
		name string
		key  string
		opts []stripepay.Option
		what string
	}{
		{"empty key", "", nil, "secret key: is required"},
		{"blank key", "   ", nil, "secret key: is required"},
		{"key with trailing newline", key + "\n", nil, "secret key: is padded with whitespace"},
		{"key with leading space", " " + key, nil, "secret key: is padded with whitespace"},
		{"key with inner newline", "sk_test_4eC39\nX-Injected: 1", nil, "secret key: holds whitespace or control characters"},
		{"publishable key", "pk_test_TYooMQauvdEDq54NiTphI7jx", nil, "secret key: must start with sk_ or rk_"},
		{"webhook secret as key", "whsec_4eC39HqLyjWDarjtT1zdp7dc", nil, "secret key: must start with sk_ or rk_"},
		{"base URL without scheme", key, []stripepay.Option{stripepay.WithBaseURL("localhost:12111")}, "WithBaseURL: must be an absolute http or https URL"},
		{"base URL with credentials", key, []stripepay.Option{stripepay.WithBaseURL("https://user:pass@proxy.example.com")}, "WithBaseURL: URL must not hold credentials"},
		{"empty base URL", key, []stripepay.Option{stripepay.WithBaseURL("")}, "WithBaseURL: URL is empty"},
		{"nil HTTP client", key, []stripepay.Option{stripepay.WithHTTPClient(nil)}, "WithHTTPClient: client is nil"},
		{"negative retries", key, []stripepay.Option{stripepay.WithMaxNetworkRetries(-1)}, "WithMaxNetworkRetries: retry count is negative"},
		{"nil logger", key, []stripepay.Option{stripepay.WithLogger(nil)}, "WithLogger: logger is nil"},
		{"nil currency rule", key, []stripepay.Option{stripepay.WithCurrencyRule(nil)}, "WithCurrencyRule: rule is nil"},
		{"nil option", key, []stripepay.Option{stripepay.WithMaxNetworkRetries(0), nil}, "option 2: is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := stripepay.New(tt.key, tt.opts...)
			require.Nil(t, p)
			require.ErrorIs(t, err, payments.ErrInvalidConfig)
			var perr *payments.Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, stripepay.Name, perr.Provider)
			require.Contains(t, err.Error(), "stripe: payments: invalid configuration: "+tt.what)
			require.NotContains(t, err.Error(), "4eC39HqLyjWDarjtT1zdp7dc", "the key never appears in the error")
			require.NotContains(t, err.Error(), "TYooMQauvdEDq54NiTphI7jx")
			require.NotContains(t, err.Error(), "pass")
		})
	}
}

func TestNew(t *testing.T) {
	for _, key := range []string{"sk_test_123", "sk_live_abc", "rk_test_restricted"} {
		p, err := stripepay.New(key, stripepay.WithBaseURL("http://127.0.0.1:12111/v1"), stripepay.WithMaxNetworkRetries(0),
			stripepay.WithHTTPClient(&http.Client{}), stripepay.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err, key)
		require.Equal(t, "stripe", p.Name())
		require.True(t, p.Capabilities().Cancel)
		require.True(t, p.Capabilities().PartialRefund)
	}
}

func TestValidationMakesNoCall(t *testing.T) {
	stub := newStub(t, 200, nil, `{}`)
	p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(stub.srv.URL),
		stripepay.WithCurrencyRule(payments.MinimumAmounts(map[payments.Currency]int64{"EUR": 50})))
	require.NoError(t, err)
	long := strings.Repeat("k", 256)
	manyKeys := map[string]string{}
	for i := 0; i < 51; i++ {
		manyKeys[strings.Repeat("k", i+1)] = "v"
	}
	tests := []struct {
		name string
		in   payments.CreatePaymentParams
		kind error
		code string
	}{
		{"three-decimal not ending in 0", payments.CreatePaymentParams{Amount: payments.NewMoney(1255, "KWD")}, payments.ErrInvalidAmount, "amount_precision"},
		{"MGA below Stripe's whole unit", payments.CreatePaymentParams{Amount: payments.NewMoney(150, "MGA")}, payments.ErrInvalidAmount, "amount_precision"},
		{"undocumented minor unit", payments.CreatePaymentParams{Amount: payments.NewMoney(1000, "IQD")}, payments.ErrUnsupportedCurrency, "currency_not_accepted"},
		{"below configured minimum", payments.CreatePaymentParams{Amount: payments.NewMoney(49, "EUR")}, payments.ErrInvalidAmount, "amount_too_small"},
		{"above Stripe's maximum", payments.CreatePaymentParams{Amount: payments.NewMoney(100_000_000, "USD")}, payments.ErrInvalidAmount, "amount_too_large"},
		{"above Stripe's maximum, lower-case code", payments.CreatePaymentParams{Amount: payments.Money{Amount: 100_000_000, Currency: "eur"}}, payments.ErrInvalidAmount, "amount_too_large"},
		{"above Stripe's maximum in ISK", payments.CreatePaymentParams{Amount: payments.NewMoney(1_000_000, "ISK")}, payments.ErrInvalidAmount, "amount_too_large"},
		{"far above Stripe's maximum in ISK", payments.CreatePaymentParams{Amount: payments.NewMoney(1<<62, "ISK")}, payments.ErrInvalidAmount, "amount_too_large"},
		{"above Stripe's maximum in IDR", payments.CreatePaymentParams{Amount: payments.NewMoney(1_000_000_000_000, "IDR")}, payments.ErrInvalidAmount, "amount_too_large"},
		{"idempotency key too long", payments.CreatePaymentParams{Amount: payments.NewMoney(100, "EUR"), IdempotencyKey: long}, payments.ErrInvalidRequest, "idempotency_key_too_long"},
		{"too many metadata keys", payments.CreatePaymentParams{Amount: payments.NewMoney(100, "EUR"), Metadata: manyKeys}, payments.ErrInvalidRequest, "metadata_invalid"},
		{"metadata key with brackets", payments.CreatePaymentParams{Amount: payments.NewMoney(100, "EUR"), Metadata: map[string]string{"a[b]": "c"}}, payments.ErrInvalidRequest, "metadata_invalid"},
		{"metadata value too long", payments.CreatePaymentParams{Amount: payments.NewMoney(100, "EUR"), Metadata: map[string]string{"a": strings.Repeat("v", 501)}}, payments.ErrInvalidRequest, "metadata_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.CreatePayment(context.Background(), tt.in)
			require.ErrorIs(t, err, tt.kind)
			var perr *payments.Error
			require.True(t, errors.As(err, &perr))
			require.Equal(t, tt.code, perr.Code)
			require.Equal(t, "stripe", perr.Provider)
		})
	}
	require.Empty(t, stub.requestKeys(), "no request reached the server")
}

// TestSilentByDefault: without WithLogger, stripe-go's own logger (which
// writes failed requests to standard error by default) is silenced; with
// it, those lines reach the given logger.
func TestSilentByDefault(t *testing.T) {
	stub := newStub(t, 500, map[string]string{"Request-Id": "req_1"},
		`{"error":{"type":"api_error","message":"An unknown error occurred"}}`)

	r, w, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = w
	_, callErr := stubProvider(t, stub.srv.URL, 0).GetPayment(context.Background(), "pi_1")
	os.Stderr = stderr
	require.NoError(t, w.Close())
	written, err := io.ReadAll(r)
	require.NoError(t, err)
	require.ErrorIs(t, callErr, payments.ErrProviderUnavailable)
	require.Empty(t, string(written), "nothing is written to standard error")

	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := stripepay.New("sk_test_123", stripepay.WithBaseURL(stub.srv.URL), stripepay.WithMaxNetworkRetries(0),
		stripepay.WithLogger(logger))
	require.NoError(t, err)
	_, err = p.GetPayment(context.Background(), "pi_1")
	require.ErrorIs(t, err, payments.ErrProviderUnavailable)
	require.Contains(t, buf.String(), "provider=stripe", "stripe-go's lines reach the configured logger")
	require.NotContains(t, buf.String(), "sk_test_123")
}
