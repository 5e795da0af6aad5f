package otelobserve_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/idempotency/memstore"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

const (
	plantedWebhookSecret = "whsec_PLANTEDwebhookSECRET0123456789"
	// A remote trace the sender claims to be part of.
	remoteTraceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpanID   = "00f067aa0ba902b7"
	remoteParent   = "00-" + remoteTraceID + "-" + remoteSpanID + "-01"
	plantedEventID = "evt_PLANTEDid0001"
)

// downStore is a store that cannot answer.
type downStore struct{}

func (downStore) Claim(context.Context, string, string, time.Duration) (idempotency.Claim, error) {
	return idempotency.Claim{}, fmt.Errorf("connection refused: %w", idempotency.ErrUnavailable)
}
func (downStore) Complete(context.Context, string, string, idempotency.Record, time.Duration) error {
	return idempotency.ErrUnavailable
}
func (downStore) Release(context.Context, string, string) error { return idempotency.ErrUnavailable }
func (downStore) Close() error                                  { return nil }

func stripeEvent(id, typ string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","type":%q,"created":%d,"data":{"object":{"card":"PLANTED4242424242424242"}}}`,
		id, typ, time.Now().Unix())
}

func deliver(t *testing.T, h http.Handler, body []byte, header http.Header) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
	r.Header = header
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestWebhooksSpansMetricsAndOutcomes(t *testing.T) {
	hs := newHarness(t)
	mem, err := memstore.New()
	require.NoError(t, err)
	store := idempotency.ObserveStore(mem, hs.tel.Store())
	v, err := webhooks.NewStripe(plantedWebhookSecret)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithStore(store), webhooks.WithObserver(hs.tel.Webhooks()))
	require.NoError(t, err)
	var inside trace.SpanContext
	h.On("invoice.paid", func(ctx context.Context, e *webhooks.Event) error {
		_, span := hs.tp.Tracer("app").Start(ctx, "app work")
		inside = span.SpanContext()
		span.End()
		return nil
	})
	h.On("invoice.failed", func(context.Context, *webhooks.Event) error {
		return errors.New("database locked")
	})

	body := stripeEvent(plantedEventID, "invoice.paid")
	header := webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())
	header.Set("Traceparent", remoteParent)
	require.Equal(t, http.StatusOK, deliver(t, h, body, header))

	// The delivery: a root SERVER span that links to the sender's trace
	// and is not its child.
	d := hs.span("webhook stripe")
	require.Equal(t, trace.SpanKindServer, d.SpanKind())
	require.False(t, d.Parent().IsValid(), "the sender's traceparent must not become the parent")
	require.NotEqual(t, remoteTraceID, d.SpanContext().TraceID().String(), "a new trace, not the sender's")
	require.Len(t, d.Links(), 1, "the sender's trace context becomes a link")
	require.Equal(t, remoteTraceID, d.Links()[0].SpanContext.TraceID().String())
	require.Equal(t, remoteSpanID, d.Links()[0].SpanContext.SpanID().String())
	a := attrs(d)
	require.Equal(t, "stripe", a["switchboard.provider"])
	require.Equal(t, "accepted", a["switchboard.outcome"])
	require.Equal(t, "200", a["http.response.status_code"])
	require.Equal(t, "1", a["switchboard.webhook.events"])

	// The event: a child of the delivery, parent of the store's spans and
	// of the application's work.
	ev := hs.span("webhook stripe invoice.paid")
	require.True(t, parentIs(ev, d.SpanContext()), "the event span is a child of the delivery span")
	a = attrs(ev)
	require.Equal(t, "processed", a["switchboard.outcome"])
	require.Equal(t, "invoice.paid", a["switchboard.webhook.event.type"])
	require.Equal(t, plantedEventID, a["switchboard.webhook.event.id"], "the event id is on the span")
	require.Equal(t, ev.SpanContext().SpanID(), hs.span("app work").Parent().SpanID(), "the EventFunc runs under the event span")
	require.Equal(t, inside.SpanID(), hs.span("app work").SpanContext().SpanID())
	claim := hs.span("claim memstore")
	require.True(t, parentIs(claim, ev.SpanContext()), "the store's claim is a child of the event span")
	require.Equal(t, "acquired", attrs(claim)["switchboard.outcome"])
	require.True(t, parentIs(hs.span("complete memstore"), ev.SpanContext()))

	// Again: a duplicate; then a bad signature; then a failing function.
	require.Equal(t, http.StatusOK, deliver(t, h, body, webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())))
	bad := webhookstest.SignStripe(body, "whsec_someoneElsesSecret", time.Now())
	require.Equal(t, http.StatusBadRequest, deliver(t, h, body, bad))
	failing := stripeEvent("evt_fails", "invoice.failed")
	require.Equal(t, http.StatusInternalServerError, deliver(t, h, failing, webhookstest.SignStripe(failing, plantedWebhookSecret, time.Now())))
	unhandled := stripeEvent("evt_other", "customer.created")
	require.Equal(t, http.StatusOK, deliver(t, h, unhandled, webhookstest.SignStripe(unhandled, plantedWebhookSecret, time.Now())))

	failed := hs.span("webhook stripe invoice.failed")
	require.Equal(t, "failed", attrs(failed)["switchboard.outcome"])
	require.Equal(t, "Error", failed.Status().Code.String())
	require.Equal(t, "failed", attrs(failed)["error.type"])
	require.Empty(t, failed.Events(), "no error text without WithErrorMessages")

	rm := hs.collect()
	deliveries := "switchboard.webhook.deliveries"
	require.EqualValues(t, 3, hs.count(rm, deliveries, map[string]string{"switchboard.outcome": "accepted", "switchboard.provider": "stripe"}))
	require.EqualValues(t, 1, hs.count(rm, deliveries, map[string]string{"switchboard.outcome": "rejected",
		"switchboard.webhook.reject_reason": "invalid signature", "http.response.status_code": "400"}))
	require.EqualValues(t, 1, hs.count(rm, deliveries, map[string]string{"switchboard.outcome": "failed", "http.response.status_code": "500"}))
	events := "switchboard.webhook.events"
	require.EqualValues(t, 1, hs.count(rm, events, map[string]string{"switchboard.outcome": "processed", "switchboard.webhook.event.type": "invoice.paid"}))
	require.EqualValues(t, 1, hs.count(rm, events, map[string]string{"switchboard.outcome": "duplicate", "switchboard.webhook.event.type": "invoice.paid"}))
	require.EqualValues(t, 1, hs.count(rm, events, map[string]string{"switchboard.outcome": "failed"}))
	require.EqualValues(t, 1, hs.count(rm, events, map[string]string{"switchboard.outcome": "unhandled"}))
	require.EqualValues(t, 5, hs.count(rm, "switchboard.webhook.delivery.duration", map[string]string{"switchboard.provider": "stripe"}))
	require.EqualValues(t, 4, hs.count(rm, "switchboard.webhook.event.duration", map[string]string{}))
	require.EqualValues(t, 3, hs.count(rm, "switchboard.idempotency.store.operations", map[string]string{"switchboard.operation": "claim"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.idempotency.store.operations", map[string]string{"switchboard.operation": "release"}))
	for _, name := range []string{deliveries, events, "switchboard.webhook.event.duration"} {
		require.NotContains(t, hs.metricKeys(rm, name), "switchboard.webhook.event.id", "ids never go on metrics")
	}

	hs.requireNoSecrets(plantedWebhookSecret, "PLANTEDwebhookSECRET", "PLANTED4242", header.Get("Stripe-Signature"), "v1=")
}

func TestWebhooksInProgressAndStoreDown(t *testing.T) {
	hs := newHarness(t)
	v, err := webhooks.NewStripe(plantedWebhookSecret)
	require.NoError(t, err)

	down, err := webhooks.NewHandler(v, webhooks.WithStore(idempotency.ObserveStore(downStore{}, hs.tel.Store())),
		webhooks.WithObserver(hs.tel.Webhooks()))
	require.NoError(t, err)
	down.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
	body := stripeEvent("evt_down", "invoice.paid")
	require.Equal(t, http.StatusServiceUnavailable, deliver(t, down, body, webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())))
	d := hs.span("webhook stripe")
	require.Equal(t, "store_error", attrs(d)["switchboard.outcome"])
	require.Equal(t, "Error", d.Status().Code.String())
	claim := hs.span("claim otelobserve_test")
	require.Equal(t, "unavailable", attrs(claim)["switchboard.outcome"])

	// A claim held elsewhere: the delivery is answered 409.
	mem, err := memstore.New()
	require.NoError(t, err)
	_, err = mem.Claim(context.Background(), "stripe:evt_busy", "", time.Minute)
	require.NoError(t, err)
	busy, err := webhooks.NewHandler(v, webhooks.WithStore(mem), webhooks.WithObserver(hs.tel.Webhooks()))
	require.NoError(t, err)
	busy.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
	body = stripeEvent("evt_busy", "invoice.paid")
	require.Equal(t, http.StatusConflict, deliver(t, busy, body, webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())))

	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.webhook.deliveries", map[string]string{"switchboard.outcome": "store_error", "http.response.status_code": "503"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.webhook.events", map[string]string{"switchboard.outcome": "store_error"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.webhook.deliveries", map[string]string{"switchboard.outcome": "in_progress", "http.response.status_code": "409"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.webhook.events", map[string]string{"switchboard.outcome": "in_progress"}))
}

func TestWebhooksUnderApplicationSpanAndUntrustedHeaders(t *testing.T) {
	hs := newHarness(t)
	v, err := webhooks.NewStripe(plantedWebhookSecret)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithObserver(hs.tel.Webhooks()))
	require.NoError(t, err)
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })

	// Under the application's own server span the delivery span is an
	// INTERNAL child of it, still only linked to the sender's trace.
	ctx, app := hs.tp.Tracer("app").Start(context.Background(), "POST /webhooks/stripe", trace.WithSpanKind(trace.SpanKindServer))
	body := stripeEvent("evt_nested", "invoice.paid")
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
	r.Header = webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())
	r.Header.Set("Traceparent", remoteParent)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	app.End()
	require.Equal(t, http.StatusOK, w.Code)
	d := hs.span("webhook stripe")
	require.Equal(t, trace.SpanKindInternal, d.SpanKind())
	require.True(t, parentIs(d, app.SpanContext()))
	require.Len(t, d.Links(), 1)

	// A malformed traceparent links to nothing and breaks nothing.
	for _, tp := range []string{"00-zz-yy-01", "00-00000000000000000000000000000000-0000000000000000-01", "garbage"} {
		body := stripeEvent("evt_"+fmt.Sprint(len(tp)), "invoice.paid")
		header := webhookstest.SignStripe(body, plantedWebhookSecret, time.Now())
		header.Set("Traceparent", tp)
		require.Equal(t, http.StatusOK, deliver(t, h, body, header))
	}
	for _, s := range hs.spans("webhook stripe")[1:] {
		require.Empty(t, s.Links(), "an invalid traceparent makes no link")
		require.False(t, s.Parent().IsValid())
	}
}
