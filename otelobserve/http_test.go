package otelobserve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/otelobserve"
)

const (
	plantedBearer  = "PLANTEDbearerTOKEN42"
	plantedAPIKey  = "PLANTEDqueryAPIKEY42"
	plantedIdemKey = "PLANTED-idempotency-key-42"
)

func TestHTTPClientCallAndAttemptSpans(t *testing.T) {
	hs := newHarness(t)
	var calls atomic.Int32
	var mu sync.Mutex
	var traceparents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		traceparents = append(traceparents, r.Header.Get("Traceparent"))
		mu.Unlock()
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	c, err := httpclient.New(httpclient.WithBaseURL(srv.URL), httpclient.WithBearerToken(plantedBearer),
		httpclient.WithBackoff(time.Millisecond, time.Millisecond), httpclient.WithObserver(hs.tel.HTTPClient()))
	require.NoError(t, err)

	resp, err := c.Get(context.Background(), "/v1/things",
		httpclient.WithQuery(url.Values{"api_key": {plantedAPIKey}, "page": {"2"}}),
		httpclient.WithIdempotencyKey(plantedIdemKey))
	require.NoError(t, err)
	require.Equal(t, 3, resp.Attempts)
	for _, tp := range traceparents {
		require.Empty(t, tp, "no trace context goes to a third-party API by default")
	}

	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	call := hs.span("GET " + u.Host)
	require.Equal(t, trace.SpanKindInternal, call.SpanKind())
	a := attrs(call)
	require.Equal(t, "GET", a["http.request.method"])
	require.Equal(t, "127.0.0.1", a["server.address"])
	require.Equal(t, strconv.Itoa(port), a["server.port"])
	require.Equal(t, srv.URL+"/v1/things?api_key=REDACTED&page=2", a["url.full"], "url.full is redacted")
	require.Equal(t, "3", a["switchboard.http.attempts"])
	require.Equal(t, "200", a["http.response.status_code"])
	require.Equal(t, "Unset", call.Status().Code.String())

	attempts := hs.spans("GET")
	require.Len(t, attempts, 3, "one CLIENT span per attempt")
	for i, s := range attempts {
		require.Equal(t, trace.SpanKindClient, s.SpanKind())
		require.True(t, parentIs(s, call.SpanContext()), "each attempt is a child of the call")
		a := attrs(s)
		if i == 0 {
			require.NotContains(t, a, "http.request.resend_count", "set only on resends")
		} else {
			require.Equal(t, strconv.Itoa(i), a["http.request.resend_count"])
		}
		if i < 2 {
			require.Equal(t, "503", a["http.response.status_code"])
			require.Equal(t, "503", a["error.type"])
			require.Equal(t, "Error", s.Status().Code.String())
		} else {
			require.Equal(t, "200", a["http.response.status_code"])
		}
	}

	rm := hs.collect()
	require.EqualValues(t, 2, hs.count(rm, "http.client.request.duration", map[string]string{"http.response.status_code": "503", "error.type": "503", "server.address": "127.0.0.1"}))
	require.EqualValues(t, 1, hs.count(rm, "http.client.request.duration", map[string]string{"http.response.status_code": "200"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.http.client.call.duration", map[string]string{"http.response.status_code": "200", "http.request.method": "GET"}))
	require.EqualValues(t, 2, hs.count(rm, "switchboard.http.client.retries", map[string]string{"server.address": "127.0.0.1"}))
	require.NotContains(t, hs.metricKeys(rm, "http.client.request.duration"), "url.full", "no URL on metrics")

	hs.requireNoSecrets(plantedBearer, plantedAPIKey, plantedIdemKey)
}

func TestHTTPClientPropagatesOnlyWhenAsked(t *testing.T) {
	hs := newHarness(t, otelobserve.WithPropagator(propagation.TraceContext{}))
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
	}))
	defer srv.Close()
	c, err := httpclient.New(httpclient.WithBaseURL(srv.URL), httpclient.WithObserver(hs.tel.HTTPClient(otelobserve.PropagateTraceContext())))
	require.NoError(t, err)
	_, err = c.Get(context.Background(), "/internal")
	require.NoError(t, err)
	attempt := hs.span("GET")
	require.Equal(t, "00-"+attempt.SpanContext().TraceID().String()+"-"+attempt.SpanContext().SpanID().String()+"-01", <-got,
		"the attempt's span is the parent the service sees")
}

func TestHTTPClientFailuresAndBreaker(t *testing.T) {
	hs := newHarness(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c, err := httpclient.New(httpclient.WithBaseURL(srv.URL), httpclient.WithRetries(0),
		httpclient.WithCircuitBreaker(httpclient.WithBreakerFailures(2), httpclient.WithBreakerOpenTimeout(time.Hour)),
		httpclient.WithObserver(hs.tel.HTTPClient()))
	require.NoError(t, err)
	for range 3 {
		_, err = c.Get(context.Background(), "/flaky")
		require.Error(t, err)
	}
	require.ErrorIs(t, err, httpclient.ErrCircuitOpen)
	u, _ := url.Parse(srv.URL)
	calls := hs.spans("GET " + u.Host)
	require.Len(t, calls, 3)
	require.Equal(t, "502", attrs(calls[0])["error.type"])
	require.Equal(t, "circuit_open", attrs(calls[2])["error.type"])
	require.Equal(t, "0", attrs(calls[2])["switchboard.http.attempts"], "an open breaker sends nothing")
	require.Len(t, hs.spans("GET"), 2)

	rm := hs.collect()
	require.EqualValues(t, 1, hs.count(rm, "switchboard.http.client.breaker.state_changes",
		map[string]string{"server.address": "127.0.0.1", "switchboard.http.breaker.from": "closed", "switchboard.http.breaker.state": "open"}))
	require.EqualValues(t, 2, hs.count(rm, "switchboard.http.client.breaker.state", map[string]string{"server.address": "127.0.0.1"}))
	require.EqualValues(t, 1, hs.count(rm, "switchboard.http.client.call.duration", map[string]string{"error.type": "circuit_open"}))

	// A connection that is refused: error.type names the failure.
	c2, err := httpclient.New(httpclient.WithRetries(0), httpclient.WithObserver(hs.tel.HTTPClient()))
	require.NoError(t, err)
	_, err = c2.Get(context.Background(), "http://user:PLANTEDpassword@127.0.0.1:1/x?token=PLANTEDtoken")
	require.Error(t, err)
	call := hs.span("GET 127.0.0.1:1")
	require.Equal(t, "transport", attrs(call)["error.type"])
	require.Equal(t, "http://REDACTED@127.0.0.1:1/x?token=REDACTED", attrs(call)["url.full"])
	hs.requireNoSecrets("PLANTEDpassword", "PLANTEDtoken")
}
