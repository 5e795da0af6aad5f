// Package idempotency makes an operation run once even when its request
// arrives several times: webhook deliveries that providers retry, client
// POSTs retried after a timeout, messages and jobs delivered twice.
//
// A Store holds keys. Claim atomically answers Acquired (with a fencing
// token and a lease), InProgress (someone else holds a live lease) or
// Completed (with the stored Record). The holder then calls Complete to
// keep the result for a TTL, or Release to let a retry run. A lease that
// runs out lets another caller take the key over with a new token; the old
// token can then neither complete nor release the key (ErrLeaseLost), so a
// slow holder never overwrites a newer one.
//
// A Runner is the protocol over a Store that every at-most-once operation
// uses: claim, run, then complete or release, with the bookkeeping bounded
// by a store timeout and detached from the caller's context, and a panic
// in the work turned into an error that releases the key. Runner.Do is the
// one-call form; Runner.Claim returns an Attempt for callers that claim
// several keys before running any.
//
// NewMiddleware implements the server side of the IETF draft "The
// Idempotency-Key HTTP Header Field" for any http.Handler, on a Runner:
// replay of completed requests, 409 for concurrent ones, 422 for a key
// reused with a different request, 400 for a missing key where one is
// required, 503 when the store cannot answer. Keys are scoped per client
// (by default from the request's credentials) and only outcomes are
// stored, never an answer that means "try again" such as a 429.
//
// Backends live in sub-packages: memstore (process memory, bounded; tests
// and single processes), sqlitestore (embedded, one machine), pgstore and
// redisstore (shared by replicas). Each registers a URL scheme, so
//
//	store, err := idempotency.Open(ctx, "redis://localhost:6379/0?prefix=app:")
//
// builds the store a configuration names once the backend is imported.
// storekit is what backends are built from, storetest is the conformance
// suite every backend passes, and idempotencymock holds a generated mock of
// Store.
//
// WithObserver reports each request the middleware guards with its
// outcome (stored, replayed, conflict, mismatch, store_error, ...), and
// ObserveStore wraps any Store so that every Claim, Complete and Release
// is reported with its outcome; neither ever passes a key, a token or a
// record. The otelobserve package turns them into OpenTelemetry spans and
// metrics.
//
// Errors work with errors.Is: ErrUnavailable matches every error of a
// store that could not answer (down, ErrStoreFull, ErrClosed), and
// ErrInvalidConfig every configuration error. Nothing in the package logs
// unless given a logger.
package idempotency

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=idempotencymock/store.go -package=idempotencymock github.com/switchboard-go/switchboard/idempotency Store
