package sandboxpay_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/webhooks"
)

// testSecret is a Standard Webhooks secret: "whsec_" + base64("sandbox-test-key-0123456789").
var testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("sandbox-test-key-0123456789"))

// received is one delivery as a receiver saw it.
type received struct {
	header http.Header
	body   []byte
}

// recorder is an http.Handler that records deliveries and answers with the
// statuses queued in fail (then 200).
type recorder struct {
	mu   sync.Mutex
	got  []received
	fail []int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{header: req.Header.Clone(), body: body})
	status := http.StatusOK
	if len(r.fail) > 0 {
		status, r.fail = r.fail[0], r.fail[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *recorder) deliveries() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// checkSignature verifies a delivery independently of the package: the
// Standard Webhooks scheme computed here from the specification.
func checkSignature(t *testing.T, secret string, d received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	id := d.header.Get("webhook-id")
	ts := d.header.Get("webhook-timestamp")
	require.NotEmpty(t, id)
	_, err = strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(d.body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	require.Equal(t, want, d.header.Get("webhook-signature"))
	require.Equal(t, "application/json", d.header.Get("Content-Type"))
}

type eventBody struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

func TestWebhookDeliveryToHandler(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{}
	p := newSandboxTo(t, rec, sandboxpay.WithWebhookSecret(testSecret), sandboxpay.WithClock(fixedClock))
	require.Equal(t, testSecret, p.WebhookSecret())

	pay := create(t, p, 2999)
	require.Empty(t, rec.deliveries(), "creating a payment sends no event")
	_, err := p.Succeed(ctx, pay.ID)
	require.NoError(t, err)
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 999})
	require.NoError(t, err)
	_, err = p.OpenDispute(ctx, pay.ID, "fraudulent")
	require.NoError(t, err)

	got := rec.deliveries()
	require.Len(t, got, 3)
	wantTypes := []string{"payment.succeeded", "refund.succeeded", "dispute.opened"}
	for i, d := range got {
		checkSignature(t, testSecret, d)
		require.Equal(t, strconv.FormatInt(fixedNow.Unix(), 10), d.header.Get("webhook-timestamp"))
		var body eventBody
		require.NoError(t, json.Unmarshal(d.body, &body))
		require.Equal(t, wantTypes[i], body.Type)
		require.Equal(t, fixedNow, body.Timestamp)
	}
	var data map[string]any
	require.NoError(t, json.Unmarshal(got[0].body, &body0))
	require.NoError(t, json.Unmarshal(body0.Data, &data))
	require.Equal(t, "payment", data["object"])
	require.Equal(t, pay.ID, data["id"])
	require.Equal(t, "succeeded", data["status"])
	require.EqualValues(t, 2999, data["amount"])
	require.Equal(t, "USD", data["currency"])
	require.Equal(t, "order-1", data["reference"])
	require.Equal(t, map[string]any{"order": "1"}, data["metadata"])

	ds := p.Deliveries()
	require.Len(t, ds, 3)
	require.Equal(t, "handler", ds[0].Target)
	require.Equal(t, 1, ds[0].Attempts)
	require.Equal(t, http.StatusOK, ds[0].StatusCode)
	require.NoError(t, ds[0].Err)
}

var body0 eventBody

func TestGeneratedSecret(t *testing.T) {
	rec := &recorder{}
	p := newSandboxTo(t, rec)
	secret := p.WebhookSecret()
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	require.Len(t, key, 24)
	require.NotEqual(t, secret, newSandbox(t).WebhookSecret())

	pay := create(t, p, 100)
	_, err = p.Decline(context.Background(), pay.ID, "card_declined", "Declined")
	require.NoError(t, err)
	checkSignature(t, secret, rec.deliveries()[0])
}

func TestWebhookDeliveryToURLRetries(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{fail: []int{500, 502}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	p := newSandbox(t, sandboxpay.WithWebhookSecret(testSecret), sandboxpay.WithWebhookURL(srv.URL+"/hooks"),
		sandboxpay.WithHTTPClient(srv.Client()), sandboxpay.WithDeliveryRetries(3, time.Millisecond))

	pay := create(t, p, 100)
	_, err := p.Succeed(ctx, pay.ID)
	require.NoError(t, err)

	got := rec.deliveries()
	require.Len(t, got, 3, "two failures, then success")
	for _, d := range got {
		checkSignature(t, testSecret, d)
		require.Equal(t, got[0].header.Get("webhook-id"), d.header.Get("webhook-id"), "retries keep the message id")
		require.Equal(t, got[0].body, d.body)
	}
	ds := p.Deliveries()
	require.Len(t, ds, 1)
	require.Equal(t, srv.URL+"/hooks", ds[0].Target)
	require.Equal(t, 3, ds[0].Attempts)
	require.Equal(t, http.StatusOK, ds[0].StatusCode)
}

func TestWebhookDeliveryGivesUp(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{fail: []int{500, 500, 500, 500, 500}}
	p := newSandboxTo(t, rec, sandboxpay.WithDeliveryRetries(2, time.Millisecond))
	pay := create(t, p, 100)

	got, err := p.Succeed(ctx, pay.ID)
	require.ErrorIs(t, err, sandboxpay.ErrDeliveryFailed)
	require.Equal(t, payments.StatusSucceeded, got.Status, "the transition stands")
	require.Len(t, rec.deliveries(), 3)
	ds := p.Deliveries()
	require.Equal(t, 3, ds[0].Attempts)
	require.Equal(t, http.StatusInternalServerError, ds[0].StatusCode)
	require.ErrorIs(t, ds[0].Err, sandboxpay.ErrDeliveryFailed)

	// Provider methods do not fail because of a webhook endpoint.
	_, err = p.Refund(ctx, payments.RefundParams{PaymentID: pay.ID})
	require.NoError(t, err)
}

func TestWebhookDeliveryStopsWithContext(t *testing.T) {
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			cancel()
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	p := newSandboxTo(t, h, sandboxpay.WithDeliveryRetries(5, sandboxpay.MaxDeliveryBackoff))
	pay := create(t, p, 100)
	_, err := p.Succeed(ctx, pay.ID)
	require.ErrorIs(t, err, sandboxpay.ErrDeliveryFailed)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, int32(1), calls.Load(), "no retry after the context ended")
}

// TestWebhooksThroughHandler drives one sandbox whose deliveries go to a
// handler built from that same sandbox's verifier: the secret exists
// before the handler, and the handler is attached after both exist.
func TestWebhooksThroughHandler(t *testing.T) {
	ctx := context.Background()
	src := newSandbox(t, sandboxpay.WithWebhookSecret(testSecret), sandboxpay.WithClock(fixedClock),
		sandboxpay.WithPendingRefunds(), sandboxpay.WithDeliveryRetries(0, 0))
	p := src
	v, err := p.Verifier()
	require.NoError(t, err)
	var logs syncBuffer
	h, err := webhooks.NewHandler(v, webhooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	var mu sync.Mutex
	var events []*payments.Event
	for _, typ := range p.WebhookEventTypes() {
		h.On(typ, func(_ context.Context, e *webhooks.Event) error {
			ev, err := p.ParseEvent(e)
			if err != nil {
				return err
			}
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
			return nil
		})
	}
	src.SetWebhookHandler(h)

	pay, err := src.CreatePayment(ctx, payments.CreatePaymentParams{Amount: usd(5000), CustomerEmail: "ada@example.com",
		Reference: "order-9", Metadata: map[string]string{"cart": "9"}})
	require.NoError(t, err)
	_, err = src.Succeed(ctx, pay.ID)
	require.NoError(t, err)
	r, err := src.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 1000})
	require.NoError(t, err)
	_, err = src.FailRefund(ctx, r.ID, "refund_failed", "Bank rejected the refund")
	require.NoError(t, err)
	r2, err := src.Refund(ctx, payments.RefundParams{PaymentID: pay.ID, Amount: 2000})
	require.NoError(t, err)
	_, err = src.SucceedRefund(ctx, r2.ID)
	require.NoError(t, err)
	_, err = src.OpenDispute(ctx, pay.ID, "fraudulent")
	require.NoError(t, err)
	for _, d := range src.Deliveries() {
		require.NoError(t, d.Err, d.Type)
		require.Equal(t, http.StatusOK, d.StatusCode, d.Type)
	}

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, events, 4, "refund.pending is acknowledged without a normalized event")
	want := []struct {
		typ    payments.EventType
		amount int64
	}{
		{payments.EventPaymentSucceeded, 5000},
		{payments.EventRefundFailed, 1000},
		{payments.EventRefundSucceeded, 2000},
		{payments.EventDisputeOpened, 5000},
	}
	for i, w := range want {
		ev := events[i]
		require.Equal(t, w.typ, ev.Type)
		require.Equal(t, "sandbox", ev.Provider)
		require.Equal(t, pay.ID, ev.PaymentID)
		require.Equal(t, "order-9", ev.Reference)
		require.Equal(t, usd(w.amount), ev.Amount)
		require.Equal(t, "ada@example.com", ev.CustomerEmail)
		require.Equal(t, map[string]string{"cart": "9"}, ev.Metadata)
		require.True(t, strings.HasPrefix(ev.ID, "msg_"))
		require.NotNil(t, ev.Raw)
		require.Equal(t, sandboxpay.Name, ev.Raw.Provider, "the verified event is the sandbox's")
		require.Equal(t, "sandbox:"+ev.ID, h.NewJob(ev.Raw).Key, "and so is its idempotency key")
	}
	require.Contains(t, logs.String(), "provider=sandbox")
	require.NotContains(t, logs.String(), "standardwebhooks", "the handler's log lines name the sandbox, not its scheme")
	require.Equal(t, r.ID, events[1].RefundID)
	require.Equal(t, "refund_failed", events[1].FailureCode)
	require.Equal(t, "Bank rejected the refund", events[1].FailureMessage)
	require.Equal(t, r2.ID, events[2].RefundID)
	require.Equal(t, "fraudulent", events[3].Reason)
}

func TestParseEventUnhandled(t *testing.T) {
	p := newSandbox(t)
	for _, typ := range []string{"payment.requires_action", "payment.canceled", "refund.pending", "other"} {
		body := `{"type":"` + typ + `","timestamp":"2026-01-02T03:04:05Z","data":{"object":"payment","id":"pay_1"}}`
		_, err := p.ParseEvent(&webhooks.Event{ID: "msg_1", Type: typ, Data: json.RawMessage(body)})
		require.ErrorIs(t, err, payments.ErrUnhandledEvent, typ)
	}
	_, err := p.ParseEvent(&webhooks.Event{Data: json.RawMessage(`not json`)})
	require.Error(t, err)
	_, err = p.ParseEvent(&webhooks.Event{Data: json.RawMessage(`{"type":"payment.succeeded","data":{}}`)})
	require.Error(t, err)
	require.NotErrorIs(t, err, payments.ErrUnhandledEvent)
	_, err = p.ParseEvent(nil)
	require.Error(t, err)
}

func TestSignedHeaders(t *testing.T) {
	p := newSandbox(t, sandboxpay.WithWebhookSecret(testSecret))
	body := []byte(`{"type":"payment.succeeded"}`)
	h := p.SignedHeaders("msg_x", fixedNow, body)
	checkSignature(t, testSecret, received{header: h, body: body})
}

func TestDeliveryLogIsBounded(t *testing.T) {
	p := newSandboxTo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	ctx := context.Background()
	var last string
	for i := range sandboxpay.MaxDeliveryLog + 5 {
		pay, err := p.CreatePayment(ctx, payments.CreatePaymentParams{
			Amount: payments.NewMoney(int64(100+i), "usd"), CustomerEmail: "a@b.co",
		})
		require.NoError(t, err)
		_, err = p.Succeed(ctx, pay.ID)
		require.NoError(t, err)
		last = pay.ID
	}
	log := p.Deliveries()
	require.Len(t, log, sandboxpay.MaxDeliveryLog)
	require.Contains(t, string(log[len(log)-1].Body), last, "the newest delivery is kept")
}

// TestNewRejectsInvalidConfig: every invalid option value is an error from
// New wrapping payments.ErrInvalidConfig that names the provider and the
// option, never the secret, and New never panics.
func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		opt  sandboxpay.Option
		what string
	}{
		{"secret not base64", sandboxpay.WithWebhookSecret("whsec_not base64!"), "WithWebhookSecret: holds whitespace or control characters"},
		{"secret not base64 without spaces", sandboxpay.WithWebhookSecret("whsec_%%%secretvalue%%%"), "WithWebhookSecret: must be \"whsec_\" followed by the base64 of a key"},
		{"empty secret", sandboxpay.WithWebhookSecret(""), "WithWebhookSecret: is required"},
		{"prefix only", sandboxpay.WithWebhookSecret("whsec_"), "WithWebhookSecret: must be \"whsec_\""},
		{"secret with trailing newline", sandboxpay.WithWebhookSecret(testSecret + "\n"), "WithWebhookSecret: is padded with whitespace"},
		{"relative webhook URL", sandboxpay.WithWebhookURL("/webhooks/sandbox"), "WithWebhookURL: must be an absolute http or https URL"},
		{"empty webhook URL", sandboxpay.WithWebhookURL(""), "WithWebhookURL: URL is empty"},
		{"webhook URL with credentials", sandboxpay.WithWebhookURL("https://user:secretvalue@shop.example.com/hooks"), "WithWebhookURL: URL must not hold credentials"},
		{"nil HTTP client", sandboxpay.WithHTTPClient(nil), "WithHTTPClient: client is nil"},
		{"nil clock", sandboxpay.WithClock(nil), "WithClock: clock is nil"},
		{"nil logger", sandboxpay.WithLogger(nil), "WithLogger: logger is nil"},
		{"negative retries", sandboxpay.WithDeliveryRetries(-1, 0), "WithDeliveryRetries: retry count is negative"},
		{"negative backoff", sandboxpay.WithDeliveryRetries(1, -time.Millisecond), "WithDeliveryRetries: backoff must be between 0 and 2s"},
		{"backoff above the cap", sandboxpay.WithDeliveryRetries(1, time.Hour), "WithDeliveryRetries: backoff must be between 0 and 2s"},
		{"no currencies", sandboxpay.WithCurrencies(), "WithCurrencies: no currency given"},
		{"zero maximum", sandboxpay.WithMaxAmount(0), "WithMaxAmount: maximum must be positive"},
		{"unknown currency", sandboxpay.WithCurrencies("USD", "XYZ"), `WithCurrencies: unknown ISO 4217 currency "XYZ"`},
		{"nil option", nil, "option 2: is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *sandboxpay.Provider
			var err error
			require.NotPanics(t, func() { p, err = sandboxpay.New(sandboxpay.WithPendingRefunds(), tt.opt) })
			require.Nil(t, p)
			require.ErrorIs(t, err, payments.ErrInvalidConfig)
			var perr *payments.Error
			require.ErrorAs(t, err, &perr)
			require.Equal(t, sandboxpay.Name, perr.Provider)
			require.Contains(t, err.Error(), "sandbox: payments: invalid configuration: "+tt.what)
			require.NotContains(t, err.Error(), "secretvalue", "the secret never appears in the error")
			require.NotContains(t, err.Error(), strings.TrimPrefix(testSecret, "whsec_"))
		})
	}
}

// TestSilentByDefault: a delivery that fails inside a payments.Provider
// call is logged only to a logger given with WithLogger, never through
// slog.Default.
func TestSilentByDefault(t *testing.T) {
	var defaultLog bytes.Buffer
	prev, prevWriter, prevFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(slog.NewTextHandler(&defaultLog, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		slog.SetDefault(prev)
		log.SetOutput(prevWriter) // SetDefault sent package log's output to the handler
		log.SetFlags(prevFlags)
	})
	down := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })

	p := newSandboxTo(t, down, sandboxpay.WithDeliveryRetries(1, 0))
	pay := create(t, p, 100)
	_, err := p.CancelPayment(context.Background(), pay.ID)
	require.NoError(t, err, "a provider call does not fail because the webhook endpoint is down")
	require.Empty(t, defaultLog.String(), "nothing reaches slog.Default")

	var own bytes.Buffer
	p = newSandboxTo(t, down, sandboxpay.WithDeliveryRetries(1, 0),
		sandboxpay.WithLogger(slog.New(slog.NewTextHandler(&own, nil))))
	pay = create(t, p, 100)
	_, err = p.CancelPayment(context.Background(), pay.ID)
	require.NoError(t, err)
	require.Contains(t, own.String(), "webhook delivery failed", "the configured logger hears of it")
	require.Empty(t, defaultLog.String())
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The sandbox's verifier names the sandbox, not the Standard Webhooks
// scheme it signs with: a handler's keys, log lines and observations say
// "sandbox".
func TestVerifierReportsTheSandboxName(t *testing.T) {
	p := newSandbox(t, sandboxpay.WithWebhookSecret(testSecret), sandboxpay.WithClock(fixedClock))
	v, err := p.Verifier()
	require.NoError(t, err)
	require.Equal(t, sandboxpay.Name, v.Provider())
	body := []byte(`{"type":"payment.succeeded","timestamp":"2026-01-02T03:04:05Z","data":{"object":"payment","id":"pay_1"}}`)
	events, err := v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: p.SignedHeaders("msg_1", fixedClock(), body), Body: body})
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, sandboxpay.Name, events[0].Provider)
	require.Equal(t, "msg_1", events[0].DedupKey)

	h, err := webhooks.NewHandler(v)
	require.NoError(t, err)
	require.Equal(t, "sandbox:msg_1", h.NewJob(&events[0]).Key)

	// A forged body still fails, under the sandbox's name.
	_, err = v.Verify(&webhooks.Delivery{Method: http.MethodPost, Header: p.SignedHeaders("msg_1", fixedClock(), body), Body: []byte(`{}`)})
	require.ErrorIs(t, err, webhooks.ErrInvalidSignature)
	require.Contains(t, err.Error(), "sandbox")

	// Options given to Verifier come after the name and may replace it,
	// for two sandboxes on one store.
	other, err := p.Verifier(webhooks.WithProviderName("sandbox_eu"))
	require.NoError(t, err)
	require.Equal(t, "sandbox_eu", other.Provider())
}
