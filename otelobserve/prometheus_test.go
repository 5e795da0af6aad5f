package otelobserve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/payments/sandboxpay"
	"github.com/switchboard-go/switchboard/webhooks"
	"github.com/switchboard-go/switchboard/webhooks/webhookstest"
)

// The metric names and labels the README's dashboard queries use are the
// ones a Prometheus exporter serves.
func TestPrometheusNamesOfTheDashboard(t *testing.T) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	require.NoError(t, err)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	defer mp.Shutdown(context.Background())
	tel, err := otelobserve.New(otelobserve.WithMeterProvider(mp))
	require.NoError(t, err)

	v, err := webhooks.NewStripe(plantedWebhookSecret)
	require.NoError(t, err)
	h, err := webhooks.NewHandler(v, webhooks.WithObserver(tel.Webhooks()))
	require.NoError(t, err)
	h.On("invoice.paid", func(context.Context, *webhooks.Event) error { return nil })
	body := stripeEvent("evt_prom", "invoice.paid")
	deliver(t, h, body, webhookstest.SignStripe(body, plantedWebhookSecret, time.Now()))
	deliver(t, h, body, webhookstest.SignStripe(body, "whsec_wrong", time.Now()))

	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c, err := httpclient.New(httpclient.WithBackoff(time.Millisecond, time.Millisecond), httpclient.WithObserver(tel.HTTPClient()),
		httpclient.WithCircuitBreaker(httpclient.WithBreakerFailures(5)))
	require.NoError(t, err)
	_, err = c.Get(context.Background(), srv.URL)
	require.NoError(t, err)
	p, err := sandboxpay.New(sandboxpay.WithObserver(tel.Calls()))
	require.NoError(t, err)
	_, err = p.CreatePayment(context.Background(), payments.CreatePaymentParams{Amount: payments.NewMoney(100, "USD"), CustomerEmail: "a@b.co"})
	require.NoError(t, err)

	families, err := reg.Gather()
	require.NoError(t, err)
	labels := map[string]map[string]bool{}
	for _, f := range families {
		labels[f.GetName()] = map[string]bool{}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[f.GetName()][l.GetName()] = true
			}
		}
	}
	for name, want := range map[string][]string{
		"switchboard_webhook_events_total":                {"switchboard_provider", "switchboard_outcome", "switchboard_webhook_event_type"},
		"switchboard_webhook_deliveries_total":            {"switchboard_provider", "switchboard_outcome", "switchboard_webhook_reject_reason"},
		"switchboard_payments_operation_duration_seconds": {"switchboard_provider", "switchboard_operation"},
		"http_client_request_duration_seconds":            {"server_address", "http_response_status_code"},
		"switchboard_http_client_retries_total":           {"server_address"},
		"switchboard_webhook_delivery_duration_seconds":   {"switchboard_provider"},
		"switchboard_http_client_call_duration_seconds":   {"server_address"},
	} {
		require.Contains(t, labels, name, "metric family served")
		for _, l := range want {
			require.True(t, labels[name][l], "%s has label %s", name, l)
		}
	}
	for name := range labels {
		require.False(t, strings.Contains(name, "."), name)
	}
}
