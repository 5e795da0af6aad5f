package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const plantedSandboxSecret = "whsec_UExBTlRFRHNhbmRib3hTRUNSRVQxMjM0NTY3OA=="

// pay creates a payment with an Idempotency-Key, replays it, and makes the
// sandbox succeed it, which delivers a signed webhook to the app.
func pay(t *testing.T, ta *testApp) {
	t.Helper()
	intent := ta.createIntent(t, "PLANTED-order-key")
	ta.createIntent(t, "PLANTED-order-key")
	resp, body := ta.do(t, "POST", "/sandbox/payments/"+intent.PaymentID+"/succeed", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Len(t, ta.listOrders(t), 1)
}

func TestMetricsEndpoint(t *testing.T) {
	ta := startApp(t, map[string]string{"METRICS": "1", "SANDBOX_WEBHOOK_SECRET": plantedSandboxSecret}, nil)
	pay(t, ta)
	resp, body := ta.do(t, "GET", "/metrics", "", map[string]string{"Authorization": ""})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	text := string(body)
	for _, want := range []string{
		// What a dashboard plots: webhook outcomes per provider...
		`switchboard_webhook_deliveries_total{http_response_status_code="200",otel_scope_name="github.com/switchboard-go/switchboard/otelobserve"`,
		`switchboard_webhook_events_total{`,
		`switchboard_outcome="processed",switchboard_provider="sandbox",switchboard_webhook_event_type="payment.succeeded"`,
		`switchboard_webhook_delivery_duration_seconds_bucket{`,
		// ... provider call latency ...
		`switchboard_payments_operation_duration_seconds_bucket{`,
		`switchboard_operation="create_payment"`,
		// ... and the Idempotency-Key middleware's decisions.
		`switchboard_idempotency_requests_total{`,
		`switchboard_outcome="replayed"`,
		`switchboard_idempotency_store_operations_total{`,
	} {
		require.Contains(t, text, want)
	}
	for _, secret := range []string{testToken, plantedSandboxSecret, "PLANTED"} {
		require.NotContains(t, text, secret)
	}
}

func TestMetricsOffByDefault(t *testing.T) {
	ta := startApp(t, nil, nil)
	require.Nil(t, ta.tel)
	resp, _ := ta.do(t, "GET", "/metrics", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// collector is an OTLP/HTTP receiver that keeps the bodies it is sent.
type collector struct {
	mu     sync.Mutex
	bodies [][]byte
	paths  []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.paths = append(c.paths, r.URL.Path)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func TestTracesGoWhereTheStandardVariableSays(t *testing.T) {
	var col collector
	srv := httptest.NewServer(&col)
	defer srv.Close()
	// The exporter reads the variable from the process environment.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	ta := startApp(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "SANDBOX_WEBHOOK_SECRET": plantedSandboxSecret}, nil)
	require.NotNil(t, ta.tel.tp)
	pay(t, ta)
	require.NoError(t, ta.tel.tp.ForceFlush(context.Background()))

	col.mu.Lock()
	defer col.mu.Unlock()
	require.NotEmpty(t, col.bodies, "spans were exported")
	all := bytes.Join(col.bodies, nil)
	for _, p := range col.paths {
		require.Equal(t, "/v1/traces", p)
	}
	for _, name := range []string{"webhook sandbox", "webhook sandbox payment.succeeded", "payments.create_payment sandbox",
		"idempotency POST", "claim sqlitestore", serviceName} {
		require.True(t, bytes.Contains(all, []byte(name)), "span %q exported", name)
	}
	for _, secret := range []string{testToken, plantedSandboxSecret, "PLANTED", strings.TrimPrefix(plantedSandboxSecret, "whsec_")} {
		require.False(t, bytes.Contains(all, []byte(secret)), "a secret was exported")
	}
}
