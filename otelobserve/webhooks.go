package otelobserve

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/webhooks"
)

type webhookInstruments struct {
	deliveries       metric.Int64Counter
	deliveryDuration metric.Float64Histogram
	events           metric.Int64Counter
	eventDuration    metric.Float64Histogram
}

func newWebhookInstruments(m metric.Meter) (*webhookInstruments, error) {
	var w webhookInstruments
	var err error
	if w.deliveries, err = m.Int64Counter("switchboard.webhook.deliveries", metric.WithUnit("{delivery}"),
		metric.WithDescription("Webhook deliveries (requests) by provider and outcome.")); err != nil {
		return nil, err
	}
	if w.deliveryDuration, err = newDuration(m, "switchboard.webhook.delivery.duration",
		"Time from a webhook delivery's arrival to its answer."); err != nil {
		return nil, err
	}
	if w.events, err = m.Int64Counter("switchboard.webhook.events", metric.WithUnit("{event}"),
		metric.WithDescription("Events of verified webhook deliveries by provider, type and outcome.")); err != nil {
		return nil, err
	}
	if w.eventDuration, err = newDuration(m, "switchboard.webhook.event.duration",
		"Time from an event's claim to its outcome, its function included."); err != nil {
		return nil, err
	}
	return &w, nil
}

// Webhooks returns the observer to give to webhooks.WithObserver. Each
// delivery makes a span "webhook PROVIDER" (SERVER when the request's
// context holds no span, INTERNAL under the application's own server
// span), with a child span "webhook PROVIDER TYPE" per event, under which
// the event's function runs. A traceparent header on the delivery becomes a
// link, never the parent: anyone can send one and no provider signs it.
// Deliveries count in switchboard.webhook.deliveries and
// switchboard.webhook.delivery.duration, events in switchboard.webhook.events
// and switchboard.webhook.event.duration.
func (t *Telemetry) Webhooks() *webhooks.Observer {
	return &webhooks.Observer{
		DeliveryStart: t.deliveryStart,
		DeliveryEnd:   t.deliveryEnd,
		EventStart:    t.eventStart,
		EventEnd:      t.eventEnd,
	}
}

func (t *Telemetry) deliveryStart(ctx context.Context, d webhooks.DeliveryInfo) context.Context {
	kind := kindServer
	if trace.SpanContextFromContext(ctx).IsValid() {
		kind = kindInternal
	}
	ctx, span := t.tracer.Start(ctx, "webhook "+d.Provider, linkOptions(kind, d.TraceParent, d.TraceState)...)
	if span.IsRecording() {
		span.SetAttributes(AttrProvider.String(d.Provider), semconv.HTTPRequestMethodKey.String(methodName(d.Method)))
	}
	return ctx
}

func (t *Telemetry) deliveryEnd(ctx context.Context, d webhooks.DeliveryInfo, r webhooks.DeliveryResult) {
	w := t.hooks
	if w.deliveries.Enabled(ctx) || w.deliveryDuration.Enabled(ctx) {
		attrs := make([]attribute.KeyValue, 0, 4)
		attrs = append(attrs, AttrProvider.String(d.Provider), AttrOutcome.String(r.Outcome))
		if r.StatusCode > 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(r.StatusCode))
		}
		if r.Reason != "" {
			attrs = append(attrs, AttrRejectReason.String(r.Reason))
		}
		set := metric.WithAttributeSet(attribute.NewSet(attrs...))
		w.deliveries.Add(ctx, 1, set)
		w.deliveryDuration.Record(ctx, seconds(r.Duration), set)
	}
	if !trace.SpanFromContext(ctx).IsRecording() {
		trace.SpanFromContext(ctx).End()
		return
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, AttrOutcome.String(r.Outcome), AttrEvents.Int(r.Events))
	if r.StatusCode > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(r.StatusCode))
	}
	if r.Reason != "" {
		attrs = append(attrs, AttrRejectReason.String(r.Reason))
	}
	errorType := ""
	if r.Outcome == webhooks.OutcomeFailed || r.Outcome == webhooks.OutcomeStoreError {
		errorType = r.Outcome
	}
	t.endSpan(ctx, errorType, nil, attrs...)
}

func (t *Telemetry) eventStart(ctx context.Context, e webhooks.EventInfo) context.Context {
	ctx, span := t.tracer.Start(ctx, "webhook "+e.Provider+" "+e.Type, kindInternal...)
	if span.IsRecording() {
		span.SetAttributes(AttrProvider.String(e.Provider), AttrEventType.String(e.Type), AttrEventID.String(e.ID))
	}
	return ctx
}

func (t *Telemetry) eventEnd(ctx context.Context, e webhooks.EventInfo, r webhooks.EventResult) {
	w := t.hooks
	if w.events.Enabled(ctx) {
		w.events.Add(ctx, 1, metric.WithAttributes(AttrProvider.String(e.Provider), AttrEventType.String(e.Type), AttrOutcome.String(r.Outcome)))
	}
	if w.eventDuration.Enabled(ctx) {
		w.eventDuration.Record(ctx, seconds(r.Duration), metric.WithAttributes(AttrProvider.String(e.Provider), AttrOutcome.String(r.Outcome)))
	}
	errorType := ""
	switch r.Outcome {
	case webhooks.OutcomeFailed, webhooks.OutcomeStoreError, webhooks.OutcomeCanceled:
		errorType = r.Outcome
	}
	t.endSpan(ctx, errorType, r.Err, AttrOutcome.String(r.Outcome))
}
