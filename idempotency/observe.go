package idempotency

import (
	"context"
	"errors"
	"net/http"
	"path"
	"reflect"
	"time"
)

// Observer receives observations of the Idempotency-Key middleware: one
// per request whose method it guards. Give it with WithObserver; either
// field may be nil. An adapter turns the observations into traces and
// metrics.
//
// Callbacks run on the request's goroutine and must not block.
// RequestStart returns the context the request goes on with: a span put
// into it is the parent of the store's work and of the wrapped handler's.
// Nothing an Observer receives is secret: never the key (which, on an
// endpoint open to anonymous clients, is what protects a stored response),
// the client's scope or its credentials.
type Observer struct {
	// RequestStart is called when a request with a guarded method
	// arrives.
	RequestStart func(ctx context.Context, r RequestInfo) context.Context
	// RequestEnd is called once the request is answered, with the
	// context RequestStart returned. It is called also when the wrapped
	// handler panics, before the panic goes on.
	RequestEnd func(ctx context.Context, r RequestInfo, res RequestResult)
}

// RequestInfo describes a request the middleware guards.
type RequestInfo struct {
	// Method is the request method.
	Method string
}

// Outcomes of the middleware, reported to an Observer and written to log
// lines as "outcome".
const (
	// OutcomeStored: the handler ran and its response was stored.
	OutcomeStored = "stored"
	// OutcomeReplayed: the stored response was sent again; the handler
	// did not run.
	OutcomeReplayed = "replayed"
	// OutcomeConflict: a request with the key is still running (409).
	OutcomeConflict = "conflict"
	// OutcomeMismatch: the key was used with another request (422).
	OutcomeMismatch = "mismatch"
	// OutcomeStoreError: the store could not answer; the handler did not
	// run (503).
	OutcomeStoreError = "store_error"
	// OutcomeStoreFailed: the handler ran but the store could not
	// complete or release the key.
	OutcomeStoreFailed = "store_failed"
	// OutcomeReleased: the handler ran and its status is not stored
	// (WithStoredStatus), so the key was released.
	OutcomeReleased = "released"
	// OutcomeResponseTooLarge: the response exceeded
	// WithMaxResponseBytes, so the key was released.
	OutcomeResponseTooLarge = "response_too_large"
	// OutcomePanic: the handler panicked; the key was released.
	OutcomePanic = "panic"
	// OutcomeMissing: the request had no key and one is required (400).
	OutcomeMissing = "missing"
	// OutcomeInvalid: the key was malformed or given twice (400).
	OutcomeInvalid = "invalid"
	// OutcomeRequestTooLarge: the body exceeded WithMaxBodyBytes (413).
	OutcomeRequestTooLarge = "request_too_large"
	// OutcomeBadBody: the body could not be read (400).
	OutcomeBadBody = "bad_body"
	// OutcomeNoKey: the request had no key and none is required, so it
	// went to the handler unguarded.
	OutcomeNoKey = "no_key"
)

// RequestResult is how the middleware answered a request.
type RequestResult struct {
	// Outcome is one of the Outcome constants.
	Outcome string
	// StatusCode is the status sent to the client (0 when the handler
	// panicked before writing one).
	StatusCode int
	// Duration is the time from arrival to answer.
	Duration time.Duration
}

// WithObserver sets the Observer that receives an observation of every
// request the middleware guards. Without it nothing is observed and
// nothing is spent on it. A nil Observer is a configuration error.
func WithObserver(o *Observer) MiddlewareOption {
	return middlewareOption(func(c *middlewareConfig) error {
		if o == nil {
			return configErrorf("WithObserver: nil observer")
		}
		c.observer = o
		return nil
	})
}

// observation is the state of a request being observed, reached through
// the request's context.
type observation struct {
	outcome string
}

type observationKey struct{}

// noteOutcome records the outcome of an observed request.
func (m *middleware) noteOutcome(r *http.Request, outcome string) {
	if m.cfg.observer == nil {
		return
	}
	if o, ok := r.Context().Value(observationKey{}).(*observation); ok {
		o.outcome = outcome
	}
}

// serveObserved is ServeHTTP with an Observer.
func (m *middleware) serveObserved(w http.ResponseWriter, r *http.Request) {
	obs := m.cfg.observer
	info := RequestInfo{Method: r.Method}
	ctx := r.Context()
	if obs.RequestStart != nil {
		ctx = obs.RequestStart(ctx, info)
	}
	o := &observation{outcome: OutcomeNoKey}
	r = r.WithContext(context.WithValue(ctx, observationKey{}, o))
	sw := &statusWriter{ResponseWriter: w}
	start := time.Now()
	defer func() {
		if obs.RequestEnd != nil {
			obs.RequestEnd(ctx, info, RequestResult{Outcome: o.outcome, StatusCode: sw.status, Duration: time.Since(start)})
		}
	}()
	m.serve(sw, r)
}

// statusWriter notes the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher when the underlying writer does.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// StoreObserver receives an observation of every call to a Store wrapped
// by ObserveStore. Either field may be nil.
//
// Callbacks run on the caller's goroutine and must not block. StoreStart
// returns the context the store call runs on. Nothing a StoreObserver
// receives is secret: never the key, the token or the record.
type StoreObserver struct {
	// StoreStart is called before each call.
	StoreStart func(ctx context.Context, op StoreOp) context.Context
	// StoreEnd is called after each call with the context StoreStart
	// returned.
	StoreEnd func(ctx context.Context, op StoreOp, res StoreResult)
}

// StoreOp describes a store call.
type StoreOp struct {
	// Backend names the store: the name of the package that defines its
	// type, which for the backends of this module is their Name
	// ("memstore", "sqlitestore", "pgstore", "redisstore").
	Backend string
	// Operation is "claim", "complete", "release" or "close".
	Operation string
}

// StoreResult is how a store call ended.
type StoreResult struct {
	// Outcome is, for a claim that succeeded, the State's String
	// ("acquired", "in_progress", "completed"); for another call that
	// succeeded, "ok"; for a failure, "lease_lost", "invalid_key",
	// "invalid_duration", "unavailable" (ErrUnavailable: down, full,
	// closed), "canceled", "timeout" or "error".
	Outcome string
	// Err is the store's error; nil on success.
	Err error
	// Duration is the time the call took.
	Duration time.Duration
}

// ObserveStore returns a Store that passes every call to s and reports it
// to o: put it around any Store given to a webhooks.Handler, the
// middleware, a Runner or login.WithStore. It returns s itself when o is
// nil. The returned Store's Unwrap returns s.
func ObserveStore(s Store, o *StoreObserver) Store {
	if o == nil || s == nil {
		return s
	}
	return &observedStore{s: s, o: o, backend: storeName(s)}
}

// storeName is the last element of the import path of the package that
// defines s's type.
func storeName(s Store) string {
	t := reflect.TypeOf(s)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if p := t.PkgPath(); p != "" {
		return path.Base(p)
	}
	return "other"
}

type observedStore struct {
	s       Store
	o       *StoreObserver
	backend string
}

// Unwrap returns the observed Store.
func (s *observedStore) Unwrap() Store { return s.s }

func (s *observedStore) begin(ctx context.Context, operation string) (context.Context, StoreOp, time.Time) {
	op := StoreOp{Backend: s.backend, Operation: operation}
	if s.o.StoreStart != nil {
		ctx = s.o.StoreStart(ctx, op)
	}
	return ctx, op, time.Now()
}

func (s *observedStore) end(ctx context.Context, op StoreOp, start time.Time, outcome string, err error) {
	if s.o.StoreEnd == nil {
		return
	}
	if err != nil {
		outcome = storeErrorOutcome(err)
	}
	s.o.StoreEnd(ctx, op, StoreResult{Outcome: outcome, Err: err, Duration: time.Since(start)})
}

func (s *observedStore) Claim(ctx context.Context, key, fingerprint string, lease time.Duration) (Claim, error) {
	ctx, op, start := s.begin(ctx, "claim")
	c, err := s.s.Claim(ctx, key, fingerprint, lease)
	s.end(ctx, op, start, c.State.String(), err)
	return c, err
}

func (s *observedStore) Complete(ctx context.Context, key, token string, rec Record, ttl time.Duration) error {
	ctx, op, start := s.begin(ctx, "complete")
	err := s.s.Complete(ctx, key, token, rec, ttl)
	s.end(ctx, op, start, "ok", err)
	return err
}

func (s *observedStore) Release(ctx context.Context, key, token string) error {
	ctx, op, start := s.begin(ctx, "release")
	err := s.s.Release(ctx, key, token)
	s.end(ctx, op, start, "ok", err)
	return err
}

func (s *observedStore) Close() error {
	ctx, op, start := s.begin(context.Background(), "close")
	err := s.s.Close()
	s.end(ctx, op, start, "ok", err)
	return err
}

// storeErrorOutcome is the outcome word of a store's error.
func storeErrorOutcome(err error) string {
	switch {
	case errors.Is(err, ErrLeaseLost):
		return "lease_lost"
	case errors.Is(err, ErrInvalidKey):
		return "invalid_key"
	case errors.Is(err, ErrInvalidDuration):
		return "invalid_duration"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	}
	return "error"
}
