package otelobserve

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/switchboard-go/switchboard/internal/observe"
)

// callInstruments are the instruments of one component.
type callInstruments struct {
	operations metric.Int64Counter
	duration   metric.Float64Histogram
	err        error
}

// Calls returns the observer of every contract built on the shared
// observation shape: give it to the WithObserver option of payments
// providers (stripepay, paystackpay, sandboxpay), email senders
// (smtpmail, sendgridmail, mailgunmail, postmarkmail), media backends
// (localmedia, blobmedia, cloudinarymedia), login.NewHandler, SMS senders
// (twiliosms, africastalkingsms, logsms), and any later contract that
// exposes the same Observer type. Its type is payments.Observer,
// email.Observer, media.Observer, login.Observer and sms.Observer alike.
//
// Each operation makes an INTERNAL span "COMPONENT.OPERATION PROVIDER"
// ("payments.create_payment stripe"), the parent of the provider's HTTP
// spans, and counts in switchboard.COMPONENT.operations and
// switchboard.COMPONENT.operation.duration. Trace context the operation's
// input carried (a queued job's) becomes a link, never the parent.
func (t *Telemetry) Calls() *observe.Observer {
	return &observe.Observer{Start: t.callStart, End: t.callEnd}
}

// instrumentsFor returns the instruments of component, made on first use.
func (t *Telemetry) instrumentsFor(component string) *callInstruments {
	if ci, ok := t.calls.Load(component); ok {
		return ci.(*callInstruments)
	}
	t.callsMu.Lock()
	defer t.callsMu.Unlock()
	if ci, ok := t.calls.Load(component); ok {
		return ci.(*callInstruments)
	}
	ci := &callInstruments{}
	name := "switchboard." + component
	if !validComponent(component) {
		ci.err = fmt.Errorf("otelobserve: component %q is not a lower-case word", component)
	} else if ci.operations, ci.err = t.meter.Int64Counter(name+".operations", metric.WithUnit("{operation}"),
		metric.WithDescription("Operations of "+component+" providers by operation and outcome.")); ci.err == nil {
		ci.duration, ci.err = newDuration(t.meter, name+".operation.duration",
			"Duration of operations of "+component+" providers.")
	}
	t.calls.Store(component, ci)
	return ci
}

// validComponent reports whether c can name instruments: a lower-case
// ASCII word with digits and underscores.
func validComponent(c string) bool {
	if c == "" || c[0] < 'a' || c[0] > 'z' {
		return false
	}
	return !strings.ContainsFunc(c, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
}

func (t *Telemetry) callStart(ctx context.Context, c observe.Call) context.Context {
	ctx, span := t.tracer.Start(ctx, c.Component+"."+c.Operation+" "+c.Provider,
		linkOptions(kindInternal, c.TraceParent, c.TraceState)...)
	if span.IsRecording() {
		span.SetAttributes(AttrProvider.String(c.Provider), AttrOperation.String(c.Operation))
	}
	return ctx
}

func (t *Telemetry) callEnd(ctx context.Context, c observe.Call, r observe.Result) {
	ci := t.instrumentsFor(c.Component)
	attrs := make([]attribute.KeyValue, 0, 4+len(r.Attrs))
	attrs = append(attrs, AttrOutcome.String(r.Outcome))
	if r.ErrorType != "" {
		attrs = append(attrs, semconv.ErrorTypeKey.String(r.ErrorType))
	}
	for _, a := range r.Attrs {
		attrs = append(attrs, attribute.String("switchboard."+c.Component+"."+a.Key, a.Value))
	}
	if ci.err == nil && (ci.operations.Enabled(ctx) || ci.duration.Enabled(ctx)) {
		// NewSet sorts the slice it is given: give it its own.
		all := make([]attribute.KeyValue, 0, len(attrs)+2)
		all = append(append(all, attrs...), AttrProvider.String(c.Provider), AttrOperation.String(c.Operation))
		set := metric.WithAttributeSet(attribute.NewSet(all...))
		ci.operations.Add(ctx, 1, set)
		ci.duration.Record(ctx, seconds(r.Duration), set)
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		span.End()
		return
	}
	errorType := r.ErrorType
	if r.Err != nil && errorType == "" {
		errorType = "_OTHER"
	}
	t.endSpan(ctx, errorType, r.Err, attrs...)
}
