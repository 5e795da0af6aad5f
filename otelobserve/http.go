package otelobserve

import (
	"context"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/switchboard-go/switchboard/httpclient"
)

type httpInstruments struct {
	attemptDuration metric.Float64Histogram // http.client.request.duration
	callDuration    metric.Float64Histogram
	retries         metric.Int64Counter
	breakerChanges  metric.Int64Counter
	breakerState    metric.Int64Gauge

	opts      optsCache[httpKey]
	retryOpts optsCache[[2]string] // method, host
	names     nameCache[[2]string] // method, host
}

type httpKey struct {
	method, scheme, host, errorType string
	status                          int
}

// measureOpts returns the metric options of a call or attempt.
func (h *httpInstruments) measureOpts(c httpclient.CallInfo, status int, errorType string) *measureOpts {
	return h.opts.get(httpKey{c.Method, c.Scheme, c.Host, errorType, status}, func() *measureOpts {
		return newMeasureOpts(httpMetricAttrs(c, status, errorType)...)
	})
}

func newHTTPInstruments(m metric.Meter) (*httpInstruments, error) {
	var h httpInstruments
	var err error
	if h.attemptDuration, err = newDuration(m, "http.client.request.duration",
		"Duration of HTTP client requests: one per attempt."); err != nil {
		return nil, err
	}
	if h.callDuration, err = newDuration(m, "switchboard.http.client.call.duration",
		"Duration of httpclient calls, every attempt and wait between attempts included."); err != nil {
		return nil, err
	}
	if h.retries, err = m.Int64Counter("switchboard.http.client.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Requests httpclient sent again after a failed attempt.")); err != nil {
		return nil, err
	}
	if h.breakerChanges, err = m.Int64Counter("switchboard.http.client.breaker.state_changes", metric.WithUnit("{change}"),
		metric.WithDescription("State changes of httpclient's per-host circuit breakers.")); err != nil {
		return nil, err
	}
	if h.breakerState, err = m.Int64Gauge("switchboard.http.client.breaker.state", metric.WithUnit("1"),
		metric.WithDescription("State of a host's circuit breaker: 0 closed, 1 half-open, 2 open.")); err != nil {
		return nil, err
	}
	return &h, nil
}

// HTTPClientOption configures an observer made by HTTPClient.
type HTTPClientOption func(*httpClientConfig)

type httpClientConfig struct {
	propagate bool
}

// PropagateTraceContext makes the client send the caller's trace context
// (the propagator of WithPropagator, else the global one) with every
// attempt. Give it only for services of your own that should join the
// trace: a third-party API has no business learning your trace and span
// ids, so by default nothing is sent.
func PropagateTraceContext() HTTPClientOption {
	return func(c *httpClientConfig) { c.propagate = true }
}

// HTTPClient returns the observer to give to httpclient.WithObserver (or to
// a provider package's WithHTTPOptions). Each call makes an INTERNAL span
// named after the method and host, with a CLIENT span per attempt following
// the HTTP client semantic conventions (http.request.resend_count on
// resends); each attempt is measured in http.client.request.duration, each
// call in switchboard.http.client.call.duration; resends count in
// switchboard.http.client.retries; breaker changes in
// switchboard.http.client.breaker.state_changes and
// switchboard.http.client.breaker.state.
func (t *Telemetry) HTTPClient(opts ...HTTPClientOption) *httpclient.Observer {
	var c httpClientConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	o := &httpclient.Observer{
		CallStart:     t.httpCallStart,
		CallEnd:       t.httpCallEnd,
		AttemptStart:  t.httpAttemptStart,
		AttemptEnd:    t.httpAttemptEnd,
		BreakerChange: t.httpBreakerChange,
	}
	if c.propagate {
		o.Inject = func(ctx context.Context, h http.Header) {
			t.propagator().Inject(ctx, propagation.HeaderCarrier(h))
		}
	}
	return o
}

func (t *Telemetry) httpCallStart(ctx context.Context, c httpclient.CallInfo) context.Context {
	name := t.http.names.get([2]string{c.Method, c.Host}, func() string { return c.Method + " " + c.Host })
	ctx, span := t.tracer.Start(ctx, name, kindInternal...)
	if span.IsRecording() {
		span.SetAttributes(httpAttrs(c)...)
	}
	return ctx
}

func (t *Telemetry) httpCallEnd(ctx context.Context, c httpclient.CallInfo, r httpclient.CallResult) {
	if t.http.callDuration.Enabled(ctx) {
		t.http.callDuration.Record(ctx, seconds(r.Duration), t.http.measureOpts(c, r.StatusCode, r.ErrorType).rec...)
	}
	attrs := []attribute.KeyValue{AttrAttempts.Int(r.Attempts)}
	if r.StatusCode > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(r.StatusCode))
	}
	t.endSpan(ctx, r.ErrorType, r.Err, attrs...)
}

func (t *Telemetry) httpAttemptStart(ctx context.Context, a httpclient.AttemptInfo) context.Context {
	if a.Attempt > 1 && t.http.retries.Enabled(ctx) {
		o := t.http.retryOpts.get([2]string{a.Call.Method, a.Call.Host}, func() *measureOpts {
			addr, _ := serverAddress(a.Call)
			return newMeasureOpts(methodAttr(a.Call.Method), semconv.ServerAddress(addr))
		})
		t.http.retries.Add(ctx, 1, o.add...)
	}
	ctx, span := t.tracer.Start(ctx, methodName(a.Call.Method), kindClient...)
	if span.IsRecording() {
		span.SetAttributes(httpAttrs(a.Call)...)
		if a.Attempt > 1 {
			span.SetAttributes(semconv.HTTPRequestResendCount(a.Attempt - 1))
		}
	}
	return ctx
}

func (t *Telemetry) httpAttemptEnd(ctx context.Context, a httpclient.AttemptInfo, r httpclient.AttemptResult) {
	if t.http.attemptDuration.Enabled(ctx) {
		t.http.attemptDuration.Record(ctx, seconds(r.Duration), t.http.measureOpts(a.Call, r.StatusCode, r.ErrorType).rec...)
	}
	if r.StatusCode > 0 {
		t.endSpan(ctx, r.ErrorType, r.Err, semconv.HTTPResponseStatusCode(r.StatusCode))
		return
	}
	t.endSpan(ctx, r.ErrorType, r.Err)
}

func (t *Telemetry) httpBreakerChange(c httpclient.BreakerChange) {
	ctx := context.Background()
	addr := semconv.ServerAddress(hostOnly(c.Host))
	t.http.breakerChanges.Add(ctx, 1, metric.WithAttributes(addr, AttrBreakerFrom.String(c.From), AttrBreakerState.String(c.To)))
	state := int64(0)
	switch c.To {
	case "half-open":
		state = 1
	case "open":
		state = 2
	}
	t.http.breakerState.Record(ctx, state, metric.WithAttributes(addr))
}

// httpAttrs are the span attributes of a call or attempt.
func httpAttrs(c httpclient.CallInfo) []attribute.KeyValue {
	addr, port := serverAddress(c)
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, methodAttr(c.Method), semconv.ServerAddress(addr), semconv.ServerPort(port),
		semconv.URLFull(c.URL), semconv.URLScheme(c.Scheme))
	if methodName(c.Method) == "_OTHER" {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(c.Method))
	}
	return attrs
}

// httpMetricAttrs are the metric attributes of a call or attempt: no URL.
func httpMetricAttrs(c httpclient.CallInfo, status int, errorType string) []attribute.KeyValue {
	addr, port := serverAddress(c)
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, methodAttr(c.Method), semconv.ServerAddress(addr), semconv.ServerPort(port), semconv.URLScheme(c.Scheme))
	if status > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	if errorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType))
	}
	return attrs
}

// knownMethods are the methods the semantic conventions name; any other
// is reported as "_OTHER".
var knownMethods = map[string]bool{
	"CONNECT": true, "DELETE": true, "GET": true, "HEAD": true, "OPTIONS": true,
	"PATCH": true, "POST": true, "PUT": true, "TRACE": true, "QUERY": true,
}

func methodName(m string) string {
	if knownMethods[m] {
		return m
	}
	return "_OTHER"
}

func methodAttr(m string) attribute.KeyValue {
	return semconv.HTTPRequestMethodKey.String(methodName(m))
}

// serverAddress splits the call's host into server.address and
// server.port, the port defaulting to the scheme's.
func serverAddress(c httpclient.CallInfo) (string, int) {
	host, port, err := net.SplitHostPort(c.Host)
	if err != nil {
		host = hostOnly(c.Host)
		if c.Scheme == "https" {
			return host, 443
		}
		return host, 80
	}
	p, _ := strconv.Atoi(port)
	return host, p
}

// hostOnly drops a port and IPv6 brackets.
func hostOnly(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
		return h[1 : len(h)-1]
	}
	return h
}
