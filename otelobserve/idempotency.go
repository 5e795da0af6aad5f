package otelobserve

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/switchboard-go/switchboard/idempotency"
)

type idempotencyInstruments struct {
	requests metric.Int64Counter
	duration metric.Float64Histogram
}

func newIdempotencyInstruments(m metric.Meter) (*idempotencyInstruments, error) {
	var i idempotencyInstruments
	var err error
	if i.requests, err = m.Int64Counter("switchboard.idempotency.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Requests the Idempotency-Key middleware decided on, by outcome.")); err != nil {
		return nil, err
	}
	if i.duration, err = newDuration(m, "switchboard.idempotency.request.duration",
		"Time the Idempotency-Key middleware spent on a request, the wrapped handler included."); err != nil {
		return nil, err
	}
	return &i, nil
}

// Idempotency returns the observer to give to idempotency.WithObserver
// (the Idempotency-Key middleware). Each guarded request makes an INTERNAL
// span "idempotency METHOD", the parent of the store's spans and the
// wrapped handler's; requests count in switchboard.idempotency.requests and
// switchboard.idempotency.request.duration. The key never appears.
func (t *Telemetry) Idempotency() *idempotency.Observer {
	return &idempotency.Observer{RequestStart: t.idemStart, RequestEnd: t.idemEnd}
}

func (t *Telemetry) idemStart(ctx context.Context, r idempotency.RequestInfo) context.Context {
	ctx, span := t.tracer.Start(ctx, "idempotency "+methodName(r.Method), kindInternal...)
	if span.IsRecording() {
		span.SetAttributes(methodAttr(r.Method))
	}
	return ctx
}

func (t *Telemetry) idemEnd(ctx context.Context, r idempotency.RequestInfo, res idempotency.RequestResult) {
	if t.idem.requests.Enabled(ctx) || t.idem.duration.Enabled(ctx) {
		attrs := make([]attribute.KeyValue, 0, 3)
		attrs = append(attrs, methodAttr(r.Method), AttrOutcome.String(res.Outcome))
		if res.StatusCode > 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(res.StatusCode))
		}
		set := metric.WithAttributeSet(attribute.NewSet(attrs...))
		t.idem.requests.Add(ctx, 1, set)
		t.idem.duration.Record(ctx, seconds(res.Duration), set)
	}
	errorType := ""
	switch {
	case res.Outcome == idempotency.OutcomeStoreError, res.Outcome == idempotency.OutcomeStoreFailed,
		res.Outcome == idempotency.OutcomePanic:
		errorType = res.Outcome
	case res.StatusCode >= 500:
		errorType = res.Outcome
	}
	attrs := []attribute.KeyValue{AttrOutcome.String(res.Outcome)}
	if res.StatusCode > 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(res.StatusCode))
	}
	t.endSpan(ctx, errorType, nil, attrs...)
}

type storeInstruments struct {
	operations metric.Int64Counter
	duration   metric.Float64Histogram
	opts       optsCache[[3]string] // backend, operation, outcome
	names      nameCache[[2]string] // operation, backend
}

func newStoreInstruments(m metric.Meter) (*storeInstruments, error) {
	var s storeInstruments
	var err error
	if s.operations, err = m.Int64Counter("switchboard.idempotency.store.operations", metric.WithUnit("{operation}"),
		metric.WithDescription("Calls to an idempotency store by operation and outcome.")); err != nil {
		return nil, err
	}
	if s.duration, err = newDuration(m, "switchboard.idempotency.store.operation.duration",
		"Duration of calls to an idempotency store."); err != nil {
		return nil, err
	}
	return &s, nil
}

// Store returns the observer to give to idempotency.ObserveStore:
//
//	store = idempotency.ObserveStore(store, tel.Store())
//
// Each call makes a span "OPERATION STORE" (CLIENT for the PostgreSQL,
// Redis and SQLite stores, with db.system.name and db.operation.name;
// INTERNAL for the others) and counts in
// switchboard.idempotency.store.operations and
// switchboard.idempotency.store.operation.duration. Keys, tokens and
// records never appear.
func (t *Telemetry) Store() *idempotency.StoreObserver {
	return &idempotency.StoreObserver{StoreStart: t.storeStart, StoreEnd: t.storeEnd}
}

// dbSystems maps the module's store backends to db.system.name.
var dbSystems = map[string]attribute.KeyValue{
	"pgstore":     semconv.DBSystemNamePostgreSQL,
	"redisstore":  semconv.DBSystemNameRedis,
	"sqlitestore": semconv.DBSystemNameSQLite,
}

func (t *Telemetry) storeStart(ctx context.Context, op idempotency.StoreOp) context.Context {
	system, isDB := dbSystems[op.Backend]
	kind := kindInternal
	if isDB {
		kind = kindClient
	}
	name := t.store.names.get([2]string{op.Operation, op.Backend}, func() string { return op.Operation + " " + op.Backend })
	ctx, span := t.tracer.Start(ctx, name, kind...)
	if span.IsRecording() {
		span.SetAttributes(AttrStore.String(op.Backend), AttrOperation.String(op.Operation))
		if isDB {
			span.SetAttributes(system, semconv.DBOperationName(op.Operation))
		}
	}
	return ctx
}

func (t *Telemetry) storeEnd(ctx context.Context, op idempotency.StoreOp, res idempotency.StoreResult) {
	if t.store.operations.Enabled(ctx) || t.store.duration.Enabled(ctx) {
		o := t.store.opts.get([3]string{op.Backend, op.Operation, res.Outcome}, func() *measureOpts {
			return newMeasureOpts(AttrStore.String(op.Backend), AttrOperation.String(op.Operation), AttrOutcome.String(res.Outcome))
		})
		t.store.operations.Add(ctx, 1, o.add...)
		t.store.duration.Record(ctx, seconds(res.Duration), o.rec...)
	}
	errorType := ""
	if res.Err != nil {
		errorType = res.Outcome
	}
	t.endSpan(ctx, errorType, res.Err, AttrOutcome.String(res.Outcome))
}
