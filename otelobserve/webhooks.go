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

	deliveryOpts  optsCache[deliveryKey]
	eventOpts     optsCache[[3]string] // provider, type, outcome
	eventDurOpts  optsCache[[2]string] // provider, outcome
	deliveryNames nameCache[string]
	eventNames    nameCache[[2]string]
}

type deliveryKey struct {
	provider, outcome, reason string
	status                    int
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
	name := t.hooks.deliveryNames.get(d.Provider, func() string { return "webhook " + d.Provider })
	ctx, span := t.tracer.Start(ctx, name, linkOptions(kind, d.TraceParent, d.TraceState)...)
	if span.IsRecording() {
		span.SetAttributes(AttrProvider.String(d.Provider), semconv.HTTPRequestMethodKey.String(methodName(d.Method)))
	}
	return ctx
}

func (t *Telemetry) deliveryEnd(ctx context.Context, d webhooks.DeliveryInfo, r webhooks.DeliveryResult) {
	w := t.hooks
	if w.deliveries.Enabled(ctx) || w.deliveryDuration.Enabled(ctx) {
		o := w.deliveryOpts.get(deliveryKey{d.Provider, r.Outcome, r.Reason, r.StatusCode}, func() *measureOpts {
			attrs := make([]attribute.KeyValue, 0, 4)
			attrs = append(attrs, AttrProvider.String(d.Provider), AttrOutcome.String(r.Outcome))
			if r.StatusCode > 0 {
				attrs = append(attrs, semconv.HTTPResponseStatusCode(r.StatusCode))
			}
			if r.Reason != "" {
				attrs = append(attrs, AttrRejectReason.String(r.Reason))
			}
			return newMeasureOpts(attrs...)
		})
		w.deliveries.Add(ctx, 1, o.add...)
		w.deliveryDuration.Record(ctx, seconds(r.Duration), o.rec...)
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
	name := t.hooks.eventNames.get([2]string{e.Provider, e.Type}, func() string { return "webhook " + e.Provider + " " + e.Type })
	ctx, span := t.tracer.Start(ctx, name, kindInternal...)
	if span.IsRecording() {
		span.SetAttributes(AttrProvider.String(e.Provider), AttrEventType.String(e.Type), AttrEventID.String(e.ID))
	}
	return ctx
}

func (t *Telemetry) eventEnd(ctx context.Context, e webhooks.EventInfo, r webhooks.EventResult) {
	w := t.hooks
	if w.events.Enabled(ctx) {
		o := w.eventOpts.get([3]string{e.Provider, e.Type, r.Outcome}, func() *measureOpts {
			return newMeasureOpts(AttrProvider.String(e.Provider), AttrEventType.String(e.Type), AttrOutcome.String(r.Outcome))
		})
		w.events.Add(ctx, 1, o.add...)
	}
	if w.eventDuration.Enabled(ctx) {
		o := w.eventDurOpts.get([2]string{e.Provider, r.Outcome}, func() *measureOpts {
			return newMeasureOpts(AttrProvider.String(e.Provider), AttrOutcome.String(r.Outcome))
		})
		w.eventDuration.Record(ctx, seconds(r.Duration), o.rec...)
	}
	errorType := ""
	switch r.Outcome {
	case webhooks.OutcomeFailed, webhooks.OutcomeStoreError, webhooks.OutcomeCanceled:
		errorType = r.Outcome
	}
	t.endSpan(ctx, errorType, r.Err, AttrOutcome.String(r.Outcome))
}
