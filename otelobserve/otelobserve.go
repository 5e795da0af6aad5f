package otelobserve

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of every tracer and meter the
// adapter uses: this package's import path.
const ScopeName = "github.com/switchboard-go/switchboard/otelobserve"

// ErrInvalidConfig is wrapped by the errors of New.
var ErrInvalidConfig = errors.New("otelobserve: invalid configuration")

// Option configures New.
type Option func(*config) error

type config struct {
	tp            trace.TracerProvider
	mp            metric.MeterProvider
	prop          propagation.TextMapPropagator
	errorMessages bool
}

// WithTracerProvider sets the TracerProvider spans are made with. Without
// it the global one (otel.GetTracerProvider) is used, which delegates to
// whatever the program sets later with otel.SetTracerProvider. A nil
// provider is a configuration error.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return fmt.Errorf("%w: WithTracerProvider: nil provider", ErrInvalidConfig)
		}
		c.tp = tp
		return nil
	}
}

// WithMeterProvider sets the MeterProvider metrics are recorded with.
// Without it the global one (otel.GetMeterProvider) is used. A nil
// provider is a configuration error.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) error {
		if mp == nil {
			return fmt.Errorf("%w: WithMeterProvider: nil provider", ErrInvalidConfig)
		}
		c.mp = mp
		return nil
	}
}

// WithPropagator sets the propagator that PropagateTraceContext injects
// outgoing trace context with. Without it the global one
// (otel.GetTextMapPropagator) is used at each injection. Incoming trace
// context (webhook deliveries, jobs) is always read as W3C Trace Context,
// and only ever becomes a link. A nil propagator is a configuration error.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) error {
		if p == nil {
			return fmt.Errorf("%w: WithPropagator: nil propagator", ErrInvalidConfig)
		}
		c.prop = p
		return nil
	}
}

// WithErrorMessages records the text of errors on spans: an "exception"
// event and the status description. Without it a failed span carries
// error.type (a fixed word) as its status description and no error text.
// The module keeps secrets out of its error strings, but an error can
// quote a provider's answer (an excerpt of a 4xx body), which is why the
// text is left out unless asked for.
func WithErrorMessages() Option {
	return func(c *config) error {
		c.errorMessages = true
		return nil
	}
}

// Telemetry makes the observers of the core packages, reporting to one
// TracerProvider and MeterProvider. Build it once with New and give its
// observers to the components' WithObserver options. It is safe for
// concurrent use.
type Telemetry struct {
	tracer        trace.Tracer
	meter         metric.Meter
	prop          propagation.TextMapPropagator
	errorMessages bool

	http    *httpInstruments
	hooks   *webhookInstruments
	idem    *idempotencyInstruments
	store   *storeInstruments
	callsMu sync.Mutex
	calls   sync.Map // component -> *callInstruments
}

// New returns a Telemetry. Errors wrap ErrInvalidConfig, or are the
// MeterProvider's refusal of an instrument.
func New(opts ...Option) (*Telemetry, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil option", ErrInvalidConfig)
		}
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	t := &Telemetry{
		tracer:        c.tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL)),
		meter:         c.mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL)),
		prop:          c.prop,
		errorMessages: c.errorMessages,
	}
	var err error
	if t.http, err = newHTTPInstruments(t.meter); err != nil {
		return nil, err
	}
	if t.hooks, err = newWebhookInstruments(t.meter); err != nil {
		return nil, err
	}
	if t.idem, err = newIdempotencyInstruments(t.meter); err != nil {
		return nil, err
	}
	if t.store, err = newStoreInstruments(t.meter); err != nil {
		return nil, err
	}
	return t, nil
}

// propagator returns the propagator for outgoing trace context.
func (t *Telemetry) propagator() propagation.TextMapPropagator {
	if t.prop != nil {
		return t.prop
	}
	return otel.GetTextMapPropagator()
}

// Pre-built span start options, so that starting a span allocates no
// option slice.
var (
	kindInternal = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
	kindClient   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	kindServer   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
)

// linkOptions returns the start options of a span that links to the W3C
// trace context traceParent and traceState, which nobody signed: a link,
// never a parent. It returns base when there is nothing to link to.
func linkOptions(base []trace.SpanStartOption, traceParent, traceState string) []trace.SpanStartOption {
	if traceParent == "" {
		return base
	}
	carrier := propagation.MapCarrier{"traceparent": traceParent}
	if traceState != "" {
		carrier["tracestate"] = traceState
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
	if !sc.IsValid() {
		return base
	}
	opts := make([]trace.SpanStartOption, 0, len(base)+1)
	opts = append(opts, base...)
	return append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
}

// endSpan ends the span in ctx: it sets attrs, and the Error status when
// errorType is not empty.
func (t *Telemetry) endSpan(ctx context.Context, errorType string, err error, attrs ...attribute.KeyValue) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		span.End()
		return
	}
	span.SetAttributes(attrs...)
	if errorType != "" {
		span.SetAttributes(semconv.ErrorTypeKey.String(errorType))
		desc := errorType
		if t.errorMessages && err != nil {
			desc = err.Error()
			span.RecordError(err)
		}
		span.SetStatus(codes.Error, desc)
	}
	span.End()
}

// seconds is d in seconds, the unit of every duration histogram.
func seconds(d time.Duration) float64 { return d.Seconds() }

// durationBuckets are the histogram boundaries, in seconds, that the HTTP
// semantic conventions advise for request durations.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// newDuration makes a duration histogram in seconds.
func newDuration(m metric.Meter, name, desc string) (metric.Float64Histogram, error) {
	return m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
}

// Attribute keys of this package (the others are OpenTelemetry's semantic
// conventions).
const (
	// AttrProvider is the provider or backend: "stripe", "sendgrid".
	AttrProvider = attribute.Key("switchboard.provider")
	// AttrOperation is the operation: "create_payment", "send".
	AttrOperation = attribute.Key("switchboard.operation")
	// AttrOutcome is the outcome word of every observation.
	AttrOutcome = attribute.Key("switchboard.outcome")
	// AttrEventType is a webhook event's type.
	AttrEventType = attribute.Key("switchboard.webhook.event.type")
	// AttrEventID is a webhook event's id (spans only).
	AttrEventID = attribute.Key("switchboard.webhook.event.id")
	// AttrRejectReason is why a webhook delivery was rejected.
	AttrRejectReason = attribute.Key("switchboard.webhook.reject_reason")
	// AttrEvents is the number of events in a webhook delivery (spans
	// only).
	AttrEvents = attribute.Key("switchboard.webhook.events")
	// AttrAttempts is the number of attempts of an httpclient call
	// (spans only).
	AttrAttempts = attribute.Key("switchboard.http.attempts")
	// AttrStore is the idempotency store backend: "memstore", "pgstore".
	AttrStore = attribute.Key("switchboard.idempotency.store")
	// AttrBreakerState is a circuit breaker's new state.
	AttrBreakerState = attribute.Key("switchboard.http.breaker.state")
	// AttrBreakerFrom is a circuit breaker's previous state.
	AttrBreakerFrom = attribute.Key("switchboard.http.breaker.from")
)
