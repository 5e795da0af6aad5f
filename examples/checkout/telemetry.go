package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/switchboard-go/switchboard/httpclient"
	"github.com/switchboard-go/switchboard/idempotency"
	"github.com/switchboard-go/switchboard/otelobserve"
	"github.com/switchboard-go/switchboard/payments"
	"github.com/switchboard-go/switchboard/webhooks"
)

// serviceName names the app in traces.
const serviceName = "switchboard-checkout"

// telemetryConfig says where telemetry goes.
type telemetryConfig struct {
	// Metrics serves Prometheus metrics at GET /metrics (METRICS=1).
	Metrics bool
	// OTLPEndpoint is OTEL_EXPORTER_OTLP_ENDPOINT (or its traces-only
	// form, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): traces are sent there
	// over OTLP/HTTP. The exporter reads the standard OTEL_EXPORTER_OTLP_*
	// variables itself (headers, timeout, compression).
	OTLPEndpoint string
}

func telemetryConfigFromEnv(getenv func(string) string) telemetryConfig {
	c := telemetryConfig{Metrics: getenv("METRICS") == "1", OTLPEndpoint: getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")}
	if c.OTLPEndpoint == "" {
		c.OTLPEndpoint = getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	return c
}

// telemetry is the app's OpenTelemetry setup. A nil *telemetry (neither
// METRICS nor an OTLP endpoint set) observes nothing and costs nothing.
type telemetry struct {
	tel     *otelobserve.Telemetry
	tp      *sdktrace.TracerProvider // nil without an OTLP endpoint
	mp      *sdkmetric.MeterProvider // nil without METRICS=1
	metrics http.Handler
}

// newTelemetry sets up the providers cfg asks for; it returns nil when it
// asks for none.
func newTelemetry(ctx context.Context, cfg telemetryConfig) (*telemetry, error) {
	if !cfg.Metrics && cfg.OTLPEndpoint == "" {
		return nil, nil
	}
	t := &telemetry{}
	res := resource.NewSchemaless(attribute.String("service.name", serviceName))
	var tp trace.TracerProvider = tracenoop.NewTracerProvider()
	var mp metric.MeterProvider = metricnoop.NewMeterProvider()
	if cfg.OTLPEndpoint != "" {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
		}
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		tp = t.tp
	}
	if cfg.Metrics {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			return nil, fmt.Errorf("METRICS: %w", err)
		}
		t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
		mp = t.mp
		t.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	}
	var err error
	if t.tel, err = otelobserve.New(otelobserve.WithTracerProvider(tp), otelobserve.WithMeterProvider(mp)); err != nil {
		return nil, err
	}
	return t, nil
}

// mount serves the metrics at GET /metrics when they are on.
func (t *telemetry) mount(mux *http.ServeMux) {
	if t != nil && t.metrics != nil {
		mux.Handle("GET /metrics", t.metrics)
	}
}

// observeStore wraps the idempotency store so that its calls are observed.
func (t *telemetry) observeStore(s idempotency.Store) idempotency.Store {
	if t == nil {
		return s
	}
	return idempotency.ObserveStore(s, t.tel.Store())
}

// webhookObserver is the observer of webhook handlers; nil when
// telemetry is off.
func (t *telemetry) webhookObserver() *webhooks.Observer {
	if t == nil {
		return nil
	}
	return t.tel.Webhooks()
}

// idempotencyOptions adds the observer to the middleware's options.
func (t *telemetry) idempotencyOptions(opts ...idempotency.MiddlewareOption) []idempotency.MiddlewareOption {
	if t == nil {
		return opts
	}
	return append(opts, idempotency.WithObserver(t.tel.Idempotency()))
}

// observed adds the observer of provider calls to a provider's or
// sender's options, given its WithObserver: payments.Observer is the
// Observer type of email, media and login too.
func observed[O any](t *telemetry, opts []O, withObserver func(*payments.Observer) O) []O {
	if t == nil {
		return opts
	}
	return append(opts, withObserver(t.tel.Calls()))
}

// observedHTTP adds the httpclient observer to a provider's options, given
// its WithHTTPOptions. No trace context is sent to the provider.
func observedHTTP[O any](t *telemetry, opts []O, withHTTPOptions func(...httpclient.Option) O) []O {
	if t == nil {
		return opts
	}
	return append(opts, withHTTPOptions(httpclient.WithObserver(t.tel.HTTPClient())))
}

// shutdown flushes and stops the providers.
func (t *telemetry) shutdown() error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.Shutdown(context.Background()))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.Shutdown(context.Background()))
	}
	return errors.Join(errs...)
}
