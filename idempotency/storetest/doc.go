// Package storetest is the conformance suite for idempotency.Store, and
// what the backends' tests and benchmarks share.
//
// Every backend runs the suite from its own tests, describing itself with
// a Harness:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) idempotency.Store {
//				s := newIsolatedStore(t) // a fresh schema, key prefix or file
//				t.Cleanup(func() { s.Close() })
//				return s
//			},
//			// Optional hooks; each one left nil skips the checks that
//			// need it, with t.Skip naming the hook.
//			NewWithClock: ..., // a store on a clock the suite moves
//			InjectError:  ..., // make the backend fail as ErrUnavailable or ErrStoreFull
//		})
//	}
//
// The suite checks sequential semantics, lease expiry and takeover,
// fencing (a stale holder's Complete and Release fail with
// idempotency.ErrLeaseLost while the new holder's succeed), TTL expiry, key
// and duration validation, the round trip of fingerprints and records
// (status, headers, empty and binary bodies), cancelled contexts and closed
// stores (errors matching idempotency.ErrUnavailable and
// idempotency.ErrClosed), and concurrency: 64 goroutines claiming one key
// get exactly one Acquired, and 1,000 keys claimed by 8 workers each
// complete exactly once.
//
// Time: with NewWithClock the suite moves a fake clock, and also checks
// that a lease and a TTL end exactly at their duration (ExactExpiry).
// Without it, expiry is checked by sleeping past short leases
// (ShortLease), which exercises the backend's own notion of time (the
// server's clock for PostgreSQL and Redis); ExactExpiry then skips.
//
// Failures: with InjectError the suite checks that a backend that is down
// answers Claim, Complete and Release with errors matching
// idempotency.ErrUnavailable, never ErrLeaseLost (Unavailable), and that a
// bounded store full of live claims answers idempotency.ErrStoreFull
// (StoreFull).
//
// Assertions use testify's require: a check stops at its first failure,
// with a message naming what was expected.
//
// BenchClaimComplete measures a Store's Claim and Complete against the same
// work done through the bare driver (BareOps), in one run;
// ErrorIsNotAcquired checks an unreachable store; ErrorHidesSecret checks
// an error for a password in all its forms; ClosedPort gives an address
// nothing listens on.
package storetest
