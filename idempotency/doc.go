// Package idempotency makes an operation run once even when its request
// arrives several times: webhook deliveries that providers retry, and
// client POSTs retried after a timeout.
//
// A Store holds keys. Claim atomically answers Acquired (with a fencing
// token and a lease), InProgress (someone else holds a live lease) or
// Completed (with the stored Record). The holder then calls Complete to
// keep the result for a TTL, or Release to let a retry run. A lease that
// runs out lets another caller take the key over with a new token; the old
// token can then neither complete nor release the key (ErrLeaseLost), so a
// slow holder never overwrites a newer one.
//
// Backends: the in-memory MemoryStore here (one process, tests), and
// sqlitestore (embedded, one machine), pgstore and redisstore (shared by
// replicas) in sub-packages. Each registers a URL scheme, so
//
//	store, err := idempotency.Open(ctx, "redis://localhost:6379/0")
//
// builds the store a configuration names. The storetest package is the
// conformance suite every backend passes, and idempotencymock holds a
// generated mock of Store.
//
// Middleware implements the server side of the IETF draft "The
// Idempotency-Key HTTP Header Field" for any http.Handler: replay of
// completed requests, 409 for concurrent ones, 422 for a key reused with a
// different request and 400 for a missing key where one is required.
package idempotency

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -write_package_comment=false -destination=idempotencymock/store.go -package=idempotencymock github.com/switchboard-go/switchboard/idempotency Store
