// Package storetest is the conformance suite for idempotency.Store.
//
// Every backend runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) idempotency.Store {
//			s := newIsolatedStore(t) // a fresh schema, key prefix or file
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite checks sequential semantics, lease expiry and takeover,
// fencing (a stale holder's Complete and Release fail with
// idempotency.ErrLeaseLost while the new holder's succeed), TTL expiry, key
// and duration validation, the round trip of fingerprints and records
// (status, headers, empty and binary bodies), cancelled contexts, and
// concurrency: 64 goroutines claiming one key get exactly one Acquired, and
// 1,000 keys claimed by 8 workers each complete exactly once.
//
// Lease and TTL expiry are tested with real short durations (ShortLease),
// waited for with generous timeouts, so the suite needs no clock hook and
// exercises the backend's own notion of time (server time for PostgreSQL
// and Redis).
//
// The package also holds what the backends' tests and benchmarks share:
// BenchClaimComplete measures a Store's Claim and Complete against the same
// work done through the bare driver (BareOps), in one run; ClosedStore and
// ErrorIsNotAcquired check a closed or unreachable store; ClosedPort gives
// an address nothing listens on.
package storetest
