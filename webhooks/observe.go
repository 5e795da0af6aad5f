package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Outcomes reported to an Observer (and written to log lines as
// "outcome"). A delivery (one request) ends with one delivery outcome; each
// event of a verified delivery ends with one event outcome.
const (
	// OutcomeAccepted: the delivery was answered 200.
	OutcomeAccepted = "accepted"
	// OutcomeRejected: the delivery failed verification (400); the
	// reason says why.
	OutcomeRejected = "rejected"
	// OutcomeTooLarge: the body exceeded WithMaxBodyBytes (413).
	OutcomeTooLarge = "too_large"
	// OutcomeUnreadable: the body could not be read (400).
	OutcomeUnreadable = "unreadable"
	// OutcomeMethodNotAllowed: a method other than POST (or HEAD where the
	// provider probes) was used (405).
	OutcomeMethodNotAllowed = "method_not_allowed"
	// OutcomeProbe: a HEAD probe was answered 200.
	OutcomeProbe = "probe"
	// OutcomeResponded: the verifier answered the delivery itself (a
	// Slack challenge).
	OutcomeResponded = "responded"
	// OutcomeNoID: a verified event had no id (400).
	OutcomeNoID = "no_id"

	// OutcomeProcessed: the event's function ran and succeeded.
	OutcomeProcessed = outcomeProcessed
	// OutcomeDuplicate: the event was processed before; nothing ran.
	OutcomeDuplicate = outcomeDuplicate
	// OutcomeInProgress: another holder is processing the event; the
	// delivery is answered 409 so that the provider retries.
	OutcomeInProgress = outcomeInProgress
	// OutcomeUnhandled: no function is registered for the event's type.
	OutcomeUnhandled = outcomeUnhandled
	// OutcomeFailed: the event's function failed or panicked; the
	// delivery is answered 500. As a delivery outcome: some event failed.
	OutcomeFailed = outcomeFailed
	// OutcomeStoreError: the idempotency store could not answer, so
	// nothing ran; the delivery is answered 503.
	OutcomeStoreError = outcomeStoreError
	// OutcomeCanceled: the provider hung up before the event was claimed.
	OutcomeCanceled = outcomeCanceled
)

// Observer receives observations of a Handler: one per request (a
// delivery) and one per event of a verified delivery. Give it with
// WithObserver; every field may be nil. An adapter turns them into traces
// and metrics.
//
// Callbacks run on the request's goroutine and must not block. Start
// callbacks return the context the work goes on with: a span put into the
// delivery's context is the parent of the events' spans, and a span put
// into an event's context is the parent of whatever its EventFunc does.
//
// Nothing an Observer receives is secret: no header but the W3C trace
// context, no signature, no body.
type Observer struct {
	// DeliveryStart is called when a request arrives, before its body is
	// read.
	DeliveryStart func(ctx context.Context, d DeliveryInfo) context.Context
	// DeliveryEnd is called once the answer is written, with the context
	// DeliveryStart returned.
	DeliveryEnd func(ctx context.Context, d DeliveryInfo, r DeliveryResult)
	// EventStart is called for each event of a verified delivery, before
	// it is claimed in the store, with the delivery's context.
	EventStart func(ctx context.Context, e EventInfo) context.Context
	// EventEnd is called once per event with the context EventStart
	// returned, when its outcome is known.
	EventEnd func(ctx context.Context, e EventInfo, r EventResult)
}

// DeliveryInfo describes a request received by a Handler.
type DeliveryInfo struct {
	// Provider is the verifier's provider.
	Provider string
	// Method is the request method.
	Method string
	// TraceParent and TraceState are the request's W3C traceparent and
	// tracestate headers, empty when absent. Anyone can send them, and no
	// provider signs them: an observer may link to the trace they name,
	// but must never make it the parent of its own spans.
	TraceParent, TraceState string
}

// DeliveryResult is how a delivery was answered.
type DeliveryResult struct {
	// Outcome is one of the delivery outcomes (OutcomeAccepted,
	// OutcomeRejected, OutcomeStoreError, ...).
	Outcome string
	// Reason is the short public reason of a rejection ("invalid
	// signature", "timestamp out of range", ...); empty otherwise.
	Reason string
	// StatusCode is the answer's HTTP status; 0 when the verifier
	// answered the delivery itself (OutcomeResponded).
	StatusCode int
	// Events is the number of events the delivery held (0 before
	// verification).
	Events int
	// Duration is the time from arrival to answer.
	Duration time.Duration
}

// EventInfo describes an event of a verified delivery.
type EventInfo struct {
	// Provider is the event's provider.
	Provider string
	// ID is the provider's event id.
	ID string
	// Type is the event's type, as the verified payload names it.
	Type string
}

// EventResult is how an event's handling ended.
type EventResult struct {
	// Outcome is one of the event outcomes (OutcomeProcessed,
	// OutcomeDuplicate, OutcomeInProgress, OutcomeUnhandled,
	// OutcomeFailed, OutcomeStoreError, OutcomeCanceled).
	Outcome string
	// Err is the function's or the store's error, if any. With
	// OutcomeProcessed it is the error of the store's Complete: the
	// function succeeded but the event may be delivered again.
	Err error
	// Duration is the time from the event's claim to its outcome.
	Duration time.Duration
}

// WithObserver sets the Observer that receives an observation of every
// delivery and event. Without it nothing is observed and nothing is spent
// on it. A nil Observer is an error.
func WithObserver(o *Observer) HandlerOption {
	return handlerFunc(func(c *handlerConfig) {
		if o == nil {
			c.errs = append(c.errs, "WithObserver needs an observer")
			return
		}
		c.obs = o
	})
}

// deliveryObs is a delivery being observed. A nil *deliveryObs observes
// nothing.
type deliveryObs struct {
	obs    *Observer
	ctx    context.Context
	info   DeliveryInfo
	start  time.Time
	events int
}

// serveObserved is ServeHTTP with an Observer.
func (h *Handler) serveObserved(w http.ResponseWriter, r *http.Request) {
	d := &deliveryObs{obs: h.obs, start: time.Now(), info: DeliveryInfo{
		Provider:    h.v.Provider(),
		Method:      r.Method,
		TraceParent: r.Header.Get("Traceparent"),
		TraceState:  r.Header.Get("Tracestate"),
	}}
	d.ctx = r.Context()
	if h.obs.DeliveryStart != nil {
		d.ctx = h.obs.DeliveryStart(d.ctx, d.info)
		r = r.WithContext(d.ctx)
	}
	h.serve(w, r, d)
}

// end reports the delivery's outcome. It does nothing on a nil d.
func (d *deliveryObs) end(outcome, reason string, status int) {
	if d == nil || d.obs.DeliveryEnd == nil {
		return
	}
	d.obs.DeliveryEnd(d.ctx, d.info, DeliveryResult{
		Outcome: outcome, Reason: reason, StatusCode: status, Events: d.events, Duration: time.Since(d.start),
	})
}

// statusOutcome is the delivery outcome of an answer process chose.
func statusOutcome(status int) string {
	switch status {
	case http.StatusOK:
		return OutcomeAccepted
	case http.StatusServiceUnavailable:
		return OutcomeStoreError
	case http.StatusInternalServerError:
		return OutcomeFailed
	case http.StatusConflict:
		return OutcomeInProgress
	case http.StatusBadRequest:
		return OutcomeNoID
	}
	return fmt.Sprintf("status_%d", status)
}

// eventObs is an event being observed. Its zero value observes nothing.
type eventObs struct {
	obs   *Observer
	ctx   context.Context
	info  EventInfo
	start time.Time
}

// startEvent begins observing e and returns the context its claim and
// function run on.
func (h *Handler) startEvent(ctx context.Context, provider string, e *Event) (context.Context, eventObs) {
	if h.obs == nil {
		return ctx, eventObs{}
	}
	o := eventObs{obs: h.obs, info: EventInfo{Provider: provider, ID: e.ID, Type: e.Type}, start: time.Now()}
	if h.obs.EventStart != nil {
		ctx = h.obs.EventStart(ctx, o.info)
	}
	o.ctx = ctx
	return ctx, o
}

// end reports the event's outcome. It does nothing on the zero eventObs.
func (o eventObs) end(outcome string, err error) {
	if o.obs == nil || o.obs.EventEnd == nil {
		return
	}
	o.obs.EventEnd(o.ctx, o.info, EventResult{Outcome: outcome, Err: err, Duration: time.Since(o.start)})
}
